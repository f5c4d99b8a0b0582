package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/repair"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/rules"
)

type repairOptions struct {
	outDir string
	format string
	rules  ruleFlags
	sel    selectFlags

	fmt report.Format
}

func (o *repairOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.outDir, "out", "", "folder for the repaired copies (required; never inside an input folder)")
	fs.StringVar(&o.format, "format", "table", "output format: table, json (JSON Lines) or csv")
	o.sel.addFlags(fs)
	o.rules.addFlags(fs)
}

func (o *repairOptions) validate(g *globals) error {
	f, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError(fmt.Errorf("--format: %w", err))
	}
	o.fmt, g.jsonErrors = f, f == report.JSON
	if o.outDir == "" {
		return usageErrorf("repair: --out DIR is required")
	}
	if err := o.rules.validate(); err != nil {
		return err
	}
	return o.sel.validate()
}

func newRepairCommand() *command {
	opts := &repairOptions{}
	fs := newFlagSet("repair")
	opts.addFlags(fs)
	return &command{
		name:  "repair",
		usage: "repair [flags] PATH... --out DIR",
		short: "write minimal, re-checked fixes of poison messages so the mail is not lost",
		long: `For each message with a crash- or stall-class finding that has a known safe
repair, writes a repaired copy to DIR (same file name, under IN, OUT, ... as
the input was; an IMS spool file keeps its envelope bytes and stays a spool
file). Each change is the smallest that removes one rule's trigger (see
"repairs" in the README for every rule). The copy is parsed and checked again
with the same rules: if a crash-class finding is left, no copy is written and
the file is reported not-repairable with the reason. The inputs are never
written; DIR may not lie inside an input folder.

Each input gets one record: status repaired, not-repairable or clean, the
sha256 before and after, every change (rule, part, offset, before, after) and
the findings left. A not-repairable file is a result, not an error (exit 0).

Examples:
  imsforensic repair TempIMS --out D:\Repaired
  imsforensic repair --select 'rule=blank-charset' TempIMS/IN --out fixed --format json
  imsforensic replay fixed --to imcdata:D:\Exchsrvr\Imcdata`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runRepair(ctx, opts, g, args)
		},
	}
}

func runRepair(ctx context.Context, opts *repairOptions, g *globals, args []string) error {
	paths, ms, class, walkErr, err := selectedFiles(ctx, g, "repair", &opts.sel, &opts.rules, opts.fmt == report.JSON, args, time.Now(), refuseOutInsideNamed(opts.outDir))
	if err != nil {
		return err
	}
	in := evidenceOf(paths, ms)
	if err := in.Check("--out", opts.outDir); err != nil {
		return usageError(err)
	}
	ropts := repair.Options{Rules: opts.rules.cfg, Context: ctx}
	recs, collided, err := perFile(ctx, g, ms, func(m *model.Message) (model.RepairRecord, error) {
		if m.Error == "" && class[m.Path] < model.ClassStall {
			return report.CleanRepairRecord(m), nil
		}
		return repair.File(m.Path, m.Queue, opts.outDir, in, ropts)
	})
	if err != nil {
		return err
	}
	if werr := report.WriteRepairs(g.stdout, opts.fmt, recs); werr != nil {
		return werr
	}
	return finishCopies(g, recs, walkErr, func(r model.RepairRecord) bool { return r.Status == model.RepairError },
		collisionHint(collided, opts.outDir, "the copies of other inputs, or of another version"))
}

// refuseOutInsideNamed is repair's and redact's check of --out before the
// scan: the inputs as named and the queue folder of each (guard.AddNamed).
// evidenceOf checks it again with every message's queue folder.
func refuseOutInsideNamed(out string) func(paths []string) error {
	return func(paths []string) error {
		in := guard.New()
		in.AddNamed(paths...)
		if err := in.Check("--out", out); err != nil {
			return usageError(err)
		}
		return nil
	}
}

// evidenceOf is what repair and redact may not write into: the inputs as
// named, and the queue folder of every message read (guard.AddQueueFiles).
func evidenceOf(paths []string, ms []*model.Message) *guard.Inputs {
	in := guard.New(paths...)
	files := make([]string, len(ms))
	for i, m := range ms {
		files[i] = m.Path
	}
	in.AddQueueFiles(files...)
	return in
}

// perFile runs fn for each message on several workers (every copy is
// fsynced on its own, so the disk sets the pace, not the CPU) and returns
// the records in the messages' order, reporting each error on stderr,
// and how many copies were not written because --out already held a
// different file of that name. It stops when ctx is done.
func perFile[R any](ctx context.Context, g *globals, ms []*model.Message, fn func(*model.Message) (R, error)) ([]R, int, error) {
	recs, errs := make([]R, len(ms)), make([]error, len(ms))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(len(ms), 4*runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				recs[i], errs[i] = fn(ms[i])
			}
		}()
	}
feed:
	for i := range ms {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	collided := 0
	for _, err := range errs {
		if err != nil {
			fmt.Fprintf(g.stderr, "imsforensic: %s\n", humanError(err))
		}
		if errors.Is(err, atomicfile.ErrExist) {
			collided++
		}
	}
	return recs, collided, nil
}

// collisionHint is the line that says what to do when copies were not
// written because --out already holds other files of their names (what
// is likely there, then the way out); "" when none collided.
func collisionHint(collided int, out, likely string) string {
	if collided == 0 {
		return ""
	}
	return fmt.Sprintf("%s not written: %s already holds different files of those names (%s); nothing there was replaced. Give a new --out folder",
		plural(collided, "copy was", "copies were"), model.Escape(out), likely)
}

// selectedFiles is selectedInputs for the commands that work on files
// (repair, redact; an mbox file gives a Message per message): one message
// per file, the first selected one, in path order, and class, the
// heaviest class of each file's selected messages, kept as the scan
// streams them. Holding every message first made an mbox of 300,000
// messages cost 430 MiB before any copy was made.
func selectedFiles(ctx context.Context, g *globals, cmd string, sel *selectFlags, rf *ruleFlags, jsonOut bool, args []string, now time.Time, before func(paths []string) error) (paths []string, files []*model.Message, class map[string]model.Class, walkErr, err error) {
	paths, err = inputPaths(g, cmd, sel, args, before)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	sel.printExplain(g)
	class = map[string]model.Class{}
	walkErr = scanInputsEach(ctx, g, paths, nil, rf, jsonOut, func(m *model.Message) error {
		if !sel.keeps(m, now) {
			return nil
		}
		c, seen := class[m.Path]
		if !seen {
			files = append(files, m)
		}
		class[m.Path] = max(c, m.TopClass())
		return nil
	})
	if walkErr != nil && ctx.Err() != nil {
		return nil, nil, nil, nil, walkErr
	}
	// Stable: a file's messages come in walk order, its first one first.
	model.SortMessagesByPath(files)
	return paths, files, class, walkErr, nil
}

// finishCopies maps the outcome of repair or redact to the exit code:
// inputs that could not be read, or copies that could not be written, give
// 4 (each was reported); hint, when not "", says what to do about copies
// --out already held.
func finishCopies[R any](g *globals, recs []R, walkErr error, failed func(R) bool, hint string) error {
	if hint != "" {
		fmt.Fprintf(g.stderr, "imsforensic: %s\n", hint)
	}
	n := 0
	for _, r := range recs {
		if failed(r) {
			n++
		}
	}
	if walkErr != nil {
		fmt.Fprintf(g.stderr, "imsforensic: %s\n", humanError(walkErr))
		n++
	}
	if n > 0 {
		return copiesError(n)
	}
	return nil
}

// withRepairLines fills each HTML suspect card's "repairable:" line from a
// repair done in memory (nothing is written).
func withRepairLines(sus []report.HTMLSuspect, cfg *rules.Config) []report.HTMLSuspect {
	for i := range sus {
		rec, _ := repair.Preview(sus[i].Suspect.Path, sus[i].Suspect.Queue, repair.Options{Rules: cfg})
		sus[i].Repair = report.RepairLine(rec)
	}
	return sus
}
