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
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/imsforensic/imsforensic/replay"
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
	// termWidth is stdout's width when it is a terminal (0 otherwise):
	// tables wrap to it, else to report.DefaultTableWidth.
	termWidth int
	// jsonErrors makes main print the exit error as a JSON record (set by
	// commands running with --format json).
	jsonErrors bool
	// resolver resolves smtp:// targets' hosts; nil is the system's.
	// Tests give names without a network.
	resolver replay.Resolver
}

func main() { os.Exit(mainExit(os.Args[1:])) }

// interruptGrace is how long a command may take to wind down after SIGINT
// or SIGTERM before the process ends anyway. Commands stop at their next
// context check; a read or open that the OS does not interrupt must not
// keep the process alive (SECURITY.md: every command ends within 2 s).
// Ending here is no worse than SIGKILL, which every write survives
// (atomic files, fsynced journal).
const interruptGrace = 1500 * time.Millisecond

// mainExit runs the command line as the process does and returns the exit
// code.
func mainExit(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if os.Getenv("GOMEMLIMIT") == "" {
		softMemoryLimit(ctx, defaultMemoryLimit)
	}
	sigc := make(chan os.Signal, 2)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigc
		cancel()
		select {
		case <-sigc: // a second signal: stop now
		case <-time.After(interruptGrace):
		}
		fmt.Fprintln(os.Stderr, "imsforensic: interrupted")
		os.Exit(exitInterrupted)
	}()
	g := &globals{
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		stdin:     os.Stdin,
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
		g.termWidth = w
	}
	err := run(ctx, g, args)
	code := exitCode(ctx, err)
	if err != nil && code != exitFindings {
		printExitError(g, err)
	}
	return code
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
		return usageErrorf("unknown command %q (see 'imsforensic --help' for the commands)", name)
	}
	return c.execute(ctx, g, args[1:])
}
