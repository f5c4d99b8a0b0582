package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/report"
)

// command is one entry of the dispatch table, as in cmd/go and vegeta.
type command struct {
	name  string
	usage string // "scan PATH..."
	short string
	long  string // description, examples and exit status
	flags *pflag.FlagSet
	// exits are the exit codes beyond 0, 1, 2 and 130 that this command
	// can give (3 is added when it has --fail-on); its --help lists only
	// those lines of the one table.
	exits []int
	run   func(ctx context.Context, g *globals, args []string) error
}

// commands is the dispatch table, in the order --help lists them.
func commands() []*command {
	cmds := []*command{
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
	for _, c := range cmds {
		c.exits = commandExits[c.name]
	}
	return cmds
}

// commandExits are each command's exit codes beyond the common ones: 4
// where inputs are read, 5 where messages are written or sent.
var commandExits = map[string][]int{
	"scan":     {exitPartial},
	"show":     {exitPartial},
	"triage":   {exitPartial},
	"events":   {exitPartial},
	"replay":   {exitPartial, exitRefused},
	"simulate": {exitPartial},
	"bisect":   {exitPartial},
	"repair":   {exitPartial},
	"redact":   {exitPartial},
}

// exitNotes replace a line of the table where a command says more.
var exitNotes = map[string]map[int]string{
	"replay": {exitOK: "success: held suspects and skipped duplicates are success, and so is a --dry-run whose plan could be made"},
	// Once it listens, Ctrl-C is how a sink is stopped, not an accident.
	"sink": {
		exitOK:          "success: stopped with Ctrl-C or SIGTERM once listening (every acknowledged message is stored), or after --exit-after",
		exitInterrupted: "interrupted (Ctrl-C or SIGTERM) before it listened, while it checked the store",
	},
	"repair": {exitPartial: copiesPartial},
	"redact": {exitPartial: copiesPartial},
}

// copiesPartial is exit 4 of the commands that write copies.
const copiesPartial = "some inputs could not be read, or their copies written (each is listed on stderr)"

// exitCodes lists the codes this command's --help shows.
func (c *command) exitCodes() []int {
	codes := []int{exitOK, exitError, exitUsage}
	if c.flags.Lookup("fail-on") != nil {
		codes = append(codes, exitFindings)
	}
	return append(append(codes, c.exits...), exitInterrupted)
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

// tableCommands print tables for people; they take --wide.
var tableCommands = map[string]bool{"scan": true, "show": true, "triage": true, "events": true, "replay": true,
	"simulate": true, "bisect": true, "repair": true, "redact": true}

func (c *command) execute(ctx context.Context, g *globals, args []string) error {
	var help, wide bool
	if c.flags.Lookup("help") == nil {
		c.flags.BoolVarP(&help, "help", "h", false, "show this help")
	}
	if tableCommands[c.name] && c.flags.Lookup("wide") == nil {
		c.flags.BoolVar(&wide, "wide", false, fmt.Sprintf("tables: no width limit (default: the terminal's width, %d columns when not a terminal; long cells wrap, never cut)", report.DefaultTableWidth))
	}
	if err := c.flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			c.printHelp(g.stdout)
			return nil
		}
		var ive *pflag.InvalidValueError
		if errors.As(err, &ive) {
			// pflag's cause is its own ("must be an integer" for 2^63,
			// strconv's words for --id -1): say what the flag wants.
			return usageErrorf("%s: --%s: want %s, got %q (see 'imsforensic %s --help')", c.name, ive.GetFlag().Name, flagWants(ive.GetFlag().Value.Type()), ive.GetValue(), c.name)
		}
		return usageErrorf("%s: %v (see 'imsforensic %s --help')", c.name, err, c.name)
	}
	if help {
		c.printHelp(g.stdout)
		return nil
	}
	width := report.DefaultTableWidth
	if g.termWidth > 0 {
		width = g.termWidth
	}
	if wide {
		width = 0
	}
	report.SetTableWidth(width)
	return helpHint(c.name, c.run(ctx, g, c.flags.Args()))
}

// flagWants says what a flag of pflag type typ takes, for a value that
// did not parse.
func flagWants(typ string) string {
	switch typ {
	case "int", "int64":
		return fmt.Sprintf("a whole number from %d to %d", math.MinInt64>>(64-strconv.IntSize), math.MaxInt64>>(64-strconv.IntSize))
	case "uint", "uintSlice":
		return fmt.Sprintf("whole numbers from 0 to %d, comma-separated or the flag repeated", uint64(math.MaxUint64)>>(64-strconv.IntSize))
	case "float64":
		return "a number such as 0.5"
	case "duration":
		return "a duration such as 30s, 5m or 2h"
	case "bool":
		return "true or false"
	}
	return "a " + typ
}

// helpHint ends a usage error with where to read the usage, so the one
// line says what to do too.
func helpHint(name string, err error) error {
	var ec *exitErr
	if !errors.As(err, &ec) || ec.code != exitUsage || ec.swaks || strings.Contains(err.Error(), "'imsforensic ") {
		return err
	}
	return &exitErr{code: exitUsage, err: fmt.Errorf("%w (see 'imsforensic %s --help')", err, name)}
}

func (c *command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: imsforensic %s\n\n%s\n", c.usage, c.short)
	if c.long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.long))
	}
	fmt.Fprintf(w, "\nFlags:\n%s", c.flags.FlagUsages())
	fmt.Fprintf(w, "\n%s", exitStatusText(c.exitCodes(), c.exitNotes()))
}

// exitNotes are the command's exitNotes, and a usage line without
// --select for a command that has no such flag.
func (c *command) exitNotes() map[int]string {
	notes := maps.Clone(exitNotes[c.name])
	if c.flags.Lookup("select") == nil {
		if notes == nil {
			notes = map[int]string{}
		}
		notes[exitUsage] = "usage error: a bad flag or argument; nothing was done"
	}
	return notes
}

func usage(w io.Writer, cmds []*command) {
	fmt.Fprintf(w, "imsforensic %s: mail-queue forensics and replay for the Exchange Internet Mail Service (KB Q197792)\n\n", version)
	fmt.Fprintf(w, "Usage: imsforensic COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\nRun 'imsforensic COMMAND --help' for a command's flags and examples, 'imsforensic demo' for\n"+
		"the whole story on a built-in sample, 'imsforensic --version' for the version.\n\n%s", exitStatusText(nil, nil))
}
