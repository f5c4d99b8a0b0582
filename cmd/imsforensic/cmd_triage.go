package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	// IANA zone names for --evidence-tz on Windows machines, which have no
	// zoneinfo database of their own.
	_ "time/tzdata"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/triage"
)

type triageOptions struct {
	out   outputFlags
	rules ruleFlags
	sel   selectFlags

	ev   evidenceFlags
	plan planFlags
	top  int
	html string
}

func (o *triageOptions) addFlags(fs *pflag.FlagSet) {
	o.ev.addFlags(fs)
	o.plan.addFlags(fs)
	fs.IntVar(&o.top, "top", 20, "table: show the first N suspects only (0 = all); json and csv print all")
	fs.StringVar(&o.html, "html", "", "also write a self-contained HTML report to FILE (summary, timeline chart, suspects with MIME trees, replay plan; opens offline)")
	o.out.addFlags(fs)
	o.sel.addFlags(fs)
	o.rules.addFlags(fs)
}

func (o *triageOptions) validate(g *globals) error {
	if err := o.out.validate(g); err != nil {
		return err
	}
	if err := o.rules.validate(); err != nil {
		return err
	}
	if err := o.sel.validate(); err != nil {
		return err
	}
	if o.top < 0 {
		return usageErrorf("--top: want 0 or more, got %d", o.top)
	}
	if err := o.plan.validate(); err != nil {
		return err
	}
	return o.ev.validate()
}

func newTriageCommand() *command {
	opts := &triageOptions{}
	fs := newFlagSet("triage")
	opts.addFlags(fs)
	return &command{
		name:  "triage",
		usage: "triage [flags] PATH... [--evidence FILE|DIR]...",
		short: "ranked suspects, each with its reasons, and conclusions about the incident",
		long: `Scans PATH as 'scan' does, reads the evidence given with --evidence (an
evidence file inside a PATH folder is listed, not used), and ranks every
message: rank 1 is the most likely poison. A file named by an event (4117,
4182, 4120/4131/4132 data, 4081, MSExchangeIS 12004/12006/12007) is a prime
suspect; a file written shortly before a crash (4116, 3039, 4102, Dr.
Watson), in the queue the crash points at, carrying a rule the faulting
function is known to crash on, ranks higher. Patterns that are not about
content (4018 + 4116 at start, 4094, 4023, 3018, an outbound 4116 0x8007000E
with no oversize OUT file) become conclusions, never accusations.
docs/triage.md explains the weights.

Text exports, dumpel output, Drwtsn32.log and protocol logs hold the server's
local time without a zone: give it with --evidence-tz. Binary .evt and .evtx
files (a log re-saved from a current Event Viewer reads like the .evt) and
tracking logs are UTC already.

Examples:
  imsforensic triage D:\TempIMS --evidence AppEvent.evt --evidence Drwtsn32.log
  imsforensic triage TempIMS --evidence evidence/ --evidence-tz America/New_York
  imsforensic triage --format json TempIMS --evidence evidence/ > suspects.jsonl
  imsforensic triage --top 0 --select 'queue=IN' TempIMS --evidence-tz UTC-5 --evidence AppEvent.csv
  imsforensic triage TempIMS --evidence evidence/ --html report.html`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runTriage(ctx, opts, g, args)
		},
	}
}

func runTriage(ctx context.Context, opts *triageOptions, g *globals, args []string) error {
	now := time.Now()
	paths, ms, walkErr, err := selectedInputs(ctx, g, "triage", &opts.sel, &opts.rules, opts.out.fmt == report.JSON, opts.ev.paths, args, now, func(paths []string) error {
		return refuseInsideEvidence(append(append([]string(nil), paths...), opts.ev.paths...), "--html", opts.html)
	}, triageSlim(opts.html))
	if err != nil {
		return err
	}
	rk, err := opts.ev.rank(ctx, paths, ms, opts.rules.cfg, now)
	if err != nil {
		return err
	}
	res := rk.res
	if werr := report.WriteTriageEvidence(g.stdout, opts.out.fmt, rk.evidence.infos, rk.evidence.notes(), true); werr != nil {
		return werr
	}
	if werr := report.WriteTriage(g.stdout, opts.out.fmt, res.Suspects, res.Conclusions, opts.top); werr != nil {
		return werr
	}
	if werr := report.WriteTriageEvidence(g.stdout, opts.out.fmt, rk.evidence.infos, rk.evidence.notes(), false); werr != nil {
		return werr
	}
	if opts.html != "" {
		plan, perr := opts.plan.plan(ctx, g, paths, &opts.sel, ms)
		if perr != nil {
			return perr
		}
		if herr := writeTriageHTML(opts.html, paths, ms, rk, opts.rules.cfg, rk.zone(&opts.ev), plan); herr != nil {
			return herr
		}
		fmt.Fprintf(g.stderr, "imsforensic: wrote %s\n", opts.html)
	}
	failed := rk.evidence.tell(g)
	err = finishScan(g, &opts.out, ms, walkErr)
	if err == nil && failed > 0 {
		return partialError(failed)
	}
	return err
}

// triageSlim is what triage holds of each message: what ranking and its
// renderers read (triage.Slim), unless the HTML report, which shows more,
// is asked for.
func triageSlim(html string) func(*model.Message) {
	if html != "" {
		return nil
	}
	return triage.Slim
}

var offsetZone = regexp.MustCompile(`^(?i:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$`)

// parseZone reads --evidence-tz: "" (this machine's zone), "local", an
// IANA name, "UTC"/"GMT", or a fixed offset "UTC-5", "GMT+1", "+01:00",
// "-0500".
func parseZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "local":
		return time.Local, nil
	case "utc", "gmt", "z":
		return time.UTC, nil
	}
	if m := offsetZone.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		mins := 0
		if m[3] != "" {
			mins, _ = strconv.Atoi(m[3])
		}
		if h > 14 || mins > 59 {
			return nil, fmt.Errorf("offset %q out of range", s)
		}
		off := h*3600 + mins*60
		if m[1] == "-" {
			off = -off
		}
		return time.FixedZone(strings.ToUpper(s), off), nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("unknown zone %q (want an IANA name such as America/New_York, or UTC-5, +01:00): %w", s, err)
	}
	return loc, nil
}
