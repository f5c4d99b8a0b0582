package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// command is one entry of the dispatch table, as in cmd/go and vegeta.
type command struct {
	name  string
	usage string // "scan PATH..."
	short string
	long  string // description, examples and exit status
	flags *pflag.FlagSet
	run   func(ctx context.Context, g *globals, args []string) error
}

// commands is the dispatch table, in the order --help lists them.
func commands() []*command {
	return []*command{
		newScanCommand(),
		newShowCommand(),
		newTriageCommand(),
		newEventsCommand(),
		newReplayCommand(),
		newSinkCommand(),
		newSimulateCommand(),
		newBisectCommand(),
		newRepairCommand(),
		newRedactCommand(),
		newCorpusCommand(),
		newDemoCommand(),
	}
}

func findCommand(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// newFlagSet returns a flag set that reports errors instead of exiting, so
// main owns the exit code.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	return fs
}

func (c *command) execute(ctx context.Context, g *globals, args []string) error {
	var help bool
	if c.flags.Lookup("help") == nil {
		c.flags.BoolVarP(&help, "help", "h", false, "show this help")
	}
	if err := c.flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			c.printHelp(g.stdout)
			return nil
		}
		return usageErrorf("%s: %v (see 'imsforensic %s --help')", c.name, err, c.name)
	}
	if help {
		c.printHelp(g.stdout)
		return nil
	}
	return c.run(ctx, g, c.flags.Args())
}

func (c *command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: imsforensic %s\n\n%s\n", c.usage, c.short)
	if c.long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.long))
	}
	fmt.Fprintf(w, "\nFlags:\n%s", c.flags.FlagUsages())
	fmt.Fprintf(w, "\n%s", exitStatusHelp)
}

func usage(w io.Writer, cmds []*command) {
	fmt.Fprintf(w, "imsforensic %s: mail-queue forensics and replay for the Exchange Internet Mail Service (KB Q197792)\n\n", version)
	fmt.Fprintf(w, "Usage: imsforensic COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\nRun 'imsforensic COMMAND --help' for a command's flags and examples.\n\n%s", exitStatusHelp)
}
