// Command imsforensic is the mail-queue forensics and replay tool for
// Exchange Internet Mail Service queues (KB Q197792). Each subcommand lives in
// its own cmd_<name>.go file with the same shape: newXCommand, xOptions with
// addFlags and validate, and runX(ctx, opts, g, args). Exit codes are mapped
// in one place, exitCode in errors.go.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// globals are the process-wide things every command receives: where to
// write, where to read, and whether a person is watching.
type globals struct {
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
	// stderrTTY is true when stderr is a terminal: progress bars only then.
	stderrTTY bool
	// workdir is the directory relative paths are resolved against
	// (empty: the process's working directory).
	workdir string
	// jsonErrors makes main print the exit error as a JSON record (set by
	// commands running with --format json).
	jsonErrors bool
}

// defaultMemoryLimit is the soft heap limit when GOMEMLIMIT is not set: a
// scan of 100,000 files keeps every slim Message to sort them, and the
// collector should work harder before the process grows past it.
const defaultMemoryLimit = 160 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	g := &globals{
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		stdin:     os.Stdin,
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	err := run(ctx, g, os.Args[1:])
	code := exitCode(ctx, err)
	stop()
	if err != nil && code != exitFindings {
		printExitError(g, err)
	}
	os.Exit(code)
}

// run dispatches to a subcommand. It never exits, so tests can call it.
func run(ctx context.Context, g *globals, args []string) error {
	cmds := commands()
	if len(args) == 0 {
		usage(g.stderr, cmds)
		return usageErrorf("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		if len(args) > 1 {
			if c := findCommand(cmds, args[1]); c != nil {
				c.printHelp(g.stdout)
				return nil
			}
		}
		usage(g.stdout, cmds)
		return nil
	case "--version", "version":
		fmt.Fprintf(g.stdout, "imsforensic %s\n", version)
		return nil
	}
	c := findCommand(cmds, name)
	if c == nil {
		usage(g.stderr, cmds)
		return usageErrorf("unknown command %q", name)
	}
	return c.execute(ctx, g, args[1:])
}
