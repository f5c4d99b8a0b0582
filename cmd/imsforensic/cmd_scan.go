package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/report"
)

type scanOptions struct {
	out   outputFlags
	rules ruleFlags
	sel   selectFlags
}

func (o *scanOptions) addFlags(fs *pflag.FlagSet) {
	o.out.addFlags(fs)
	o.sel.addFlags(fs)
	o.rules.addFlags(fs)
}

func (o *scanOptions) validate(g *globals) error {
	if err := o.out.validate(g); err != nil {
		return err
	}
	if err := o.rules.validate(); err != nil {
		return err
	}
	return o.sel.validate()
}

func newScanCommand() *command {
	opts := &scanOptions{}
	fs := newFlagSet("scan")
	opts.addFlags(fs)
	return &command{
		name:  "scan",
		usage: "scan [flags] PATH...",
		short: "inventory of a quarantined queue: one row per message (table riskiest first)",
		long: `PATH is a TempIMS folder (IN, OUT), an Imcdata folder (IN, OUT, their Archive
folders, Pickup), any folder of message files, or single files. Folder names
are matched case-insensitively. Files are recognised by content: IMS spool
files (ImCr..EwLs envelope), Pickup/Replay X-Sender files, mbox, SMTP
transcripts and plain RFC 822. Nothing is ever written to the inputs.

The table shows the riskiest messages first (at most 1000, then a line with
the totals of the rest); JSON and CSV list every message as it is parsed, in
walk order (each folder's files by name), so memory stays bounded on any queue.

Examples:
  imsforensic scan D:\TempIMS
  imsforensic scan --format json TempIMS > inventory.jsonl
  imsforensic scan --select 'queue=IN and class>=stall' TempIMS
  imsforensic scan --fail-on crash TempIMS/IN`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runScan(ctx, opts, g, args)
		},
	}
}

// runScan streams: JSON and CSV records leave as the files are parsed, in
// walk order (each folder by name), and the table keeps only the riskiest
// rows it shows; memory stays bounded whatever the number of files.
func runScan(ctx context.Context, opts *scanOptions, g *globals, args []string) error {
	paths, err := opts.sel.paths(g, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErrorf("scan: no PATH given")
	}
	opts.sel.printExplain(g)
	setScanGCPercent()
	mw, err := report.NewMessageWriter(g.stdout, opts.out.fmt, 0)
	if err != nil {
		return err
	}
	now := time.Now()
	unread, failed := 0, false
	var writeErr error
	walkErr := scanInputsEach(ctx, g, paths, nil, &opts.rules, opts.out.fmt == report.JSON, func(m *model.Message) error {
		if opts.sel.sel != nil && !opts.sel.sel.Match(m, now) {
			return nil
		}
		if m.Error != "" {
			unread++
		}
		failed = failed || opts.out.failed([]*model.Message{m})
		writeErr = mw.Write(m)
		return writeErr
	})
	if writeErr != nil {
		return writeErr
	}
	if walkErr != nil && ctx.Err() != nil {
		if err := mw.Flush(); err != nil {
			return err
		}
		return walkErr
	}
	if err := mw.Close(); err != nil {
		return err
	}
	return finishCounts(g, unread, failed, walkErr)
}

// scanGCPercent is the collector's GOGC for a scan when neither GOGC nor
// GOMEMLIMIT is set. A streaming scan's live heap is a few MiB, so at the
// default of 100 the collector ran every few hundred files: 5% of one
// core's CPU, and on two cores the idle-time mark workers and their
// wake-ups took another 10% (CPU 1.18x the one-core run's). At 400 the
// soft memory limit (defaultMemoryLimit) still bounds the heap on a
// million files, and the collector runs a quarter as often.
const scanGCPercent = 400

func setScanGCPercent() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(scanGCPercent)
	}
}

// printWalkErrors lists the inputs a walk could not read, one line each,
// and returns how many.
func printWalkErrors(g *globals, walkErr error) int {
	if walkErr == nil {
		return 0
	}
	var joined interface{ Unwrap() []error }
	if errors.As(walkErr, &joined) {
		for _, e := range joined.Unwrap() {
			fmt.Fprintf(g.stderr, "imsforensic: %s\n", humanError(e))
		}
		return len(joined.Unwrap())
	}
	fmt.Fprintf(g.stderr, "imsforensic: %s\n", humanError(walkErr))
	return 1
}

// finishScan maps a scan's outcome to the exit code: inputs that could not
// be read (each already reported) give 4, --fail-on matches give 3.
func finishScan(g *globals, out *outputFlags, ms []*model.Message, walkErr error) error {
	return finishCounts(g, countErrors(ms), out.failed(ms), walkErr)
}

// finishCounts is finishScan from counts kept while streaming.
func finishCounts(g *globals, unread int, failed bool, walkErr error) error {
	unread += printWalkErrors(g, walkErr)
	if failed {
		return errFindings
	}
	if unread > 0 {
		return partialError(unread)
	}
	return nil
}
