package main

import (
	"context"
	"errors"
	"fmt"
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
		short: "inventory of a quarantined queue: one row per message, riskiest first",
		long: `PATH is a TempIMS folder (IN, OUT), an Imcdata folder (IN, OUT, their Archive
folders, Pickup), any folder of message files, or single files. Folder names
are matched case-insensitively. Files are recognised by content: IMS spool
files (ImCr..EwLs envelope), Pickup/Replay X-Sender files, mbox, SMTP
transcripts and plain RFC 822. Nothing is ever written to the inputs.

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

func runScan(ctx context.Context, opts *scanOptions, g *globals, args []string) error {
	_, ms, walkErr, err := selectedInputs(ctx, g, "scan", &opts.sel, &opts.rules, opts.out.fmt == report.JSON, args, time.Now())
	if err != nil {
		return err
	}
	model.SortMessages(ms)
	if werr := report.WriteMessages(g.stdout, opts.out.fmt, ms); werr != nil {
		return werr
	}
	return finishScan(g, &opts.out, ms, walkErr)
}

// finishScan maps a scan's outcome to the exit code: inputs that could not
// be read (each already reported) give 4, --fail-on matches give 3.
func finishScan(g *globals, out *outputFlags, ms []*model.Message, walkErr error) error {
	unread := countErrors(ms)
	if walkErr != nil {
		var joined interface{ Unwrap() []error }
		if errors.As(walkErr, &joined) {
			for _, e := range joined.Unwrap() {
				fmt.Fprintf(g.stderr, "imsforensic: %v\n", e)
				unread++
			}
		} else {
			fmt.Fprintf(g.stderr, "imsforensic: %v\n", walkErr)
			unread++
		}
	}
	if out.failed(ms) {
		return errFindings
	}
	if unread > 0 {
		return partialError(unread)
	}
	return nil
}
