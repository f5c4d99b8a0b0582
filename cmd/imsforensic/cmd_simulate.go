package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/simulate"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/rules"
	"github.com/imsforensic/imsforensic/triage"
)

type simulateOptions struct {
	out   outputFlags
	rules ruleFlags
	sel   selectFlags
	ev    evidenceFlags
	plan  planFlags

	hold            []string
	holdSuspects    bool
	maxRestarts     int
	poisonThreshold int
	html            string
}

func (o *simulateOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.hold, "hold", nil, "hold this file back in the second run (name or path, repeatable; names match case-insensitively)")
	fs.BoolVar(&o.holdSuspects, "hold-suspects", false, "hold back every message with a crash finding in the second run (the default when no --hold is given)")
	fs.IntVar(&o.maxRestarts, "max-restarts", simulate.DefaultMaxRestarts, "restarts after a crash before the admin stops the service (0 = none, at most 1000)")
	fs.IntVar(&o.poisonThreshold, "poison-threshold", 0, "Exchange 2007+ poison message queue: a message in flight during N crashes is set aside (Set-TransportService -PoisonThreshold, default there 2); 0 = Exchange 5.5, no protection")
	fs.StringVar(&o.html, "html", "", "also write a self-contained HTML report to FILE")
	o.ev.addFlags(fs)
	o.plan.addFlags(fs)
	o.out.addFlags(fs)
	fs.Lookup("format").Usage = tableOrJSON // no CSV form of a timeline or of rounds
	o.sel.addFlags(fs)
	o.rules.addFlags(fs)
}

func (o *simulateOptions) validate(g *globals) error {
	if err := o.out.validate(g); err != nil {
		return err
	}
	if o.out.fmt == report.CSV {
		return usageErrorf("simulate: --format csv is not supported (want table or json)")
	}
	if err := o.rules.validate(); err != nil {
		return err
	}
	if o.maxRestarts < 0 || o.maxRestarts > maxSimRestarts {
		return usageErrorf("--max-restarts: want 0 to %d, got %d", maxSimRestarts, o.maxRestarts)
	}
	if o.poisonThreshold < 0 || o.poisonThreshold > 10 {
		return usageErrorf("--poison-threshold: want 0 (off) or 1..10 as Exchange allows, got %d", o.poisonThreshold)
	}
	if len(o.hold) > 0 && o.holdSuspects {
		return usageErrorf("simulate: give --hold FILE or --hold-suspects, not both")
	}
	if err := o.ev.validate(); err != nil {
		return err
	}
	if err := o.plan.validate(); err != nil {
		return err
	}
	return o.sel.validate()
}

func newSimulateCommand() *command {
	opts := &simulateOptions{}
	fs := newFlagSet("simulate")
	opts.addFlags(fs)
	return &command{
		name:  "simulate",
		usage: "simulate [flags] PATH... [--hold FILE...|--hold-suspects]",
		short: "replay the queue through an emulated IMS, offline: what crashes, what gets stuck",
		long: `Works through the queue as the IMS would after Queue.dat is deleted (KB
Q197792): IN and OUT files in file-time order, then by name. The rule
catalogue is the crash oracle: a message with a crash finding crashes the
store; the timeline shows the events the server would log (Dr. Watson 4097,
3039 0x80040115, 4182 naming the spool file, 4102; 4116 0x8007000E for an
outbound header block over 32 KiB), the restart, the retry of the same file,
the crash loop and how many messages are stuck behind it. Stall messages are
archived (4117) or stay in the queue, and the IMS goes on.

The evidence given with --evidence (not evidence files inside the PATH
folders: those are listed, not used) is ranked as triage ranks it, and the
as-is run says whether its first crash is triage's rank 1; where the rules
alone would crash earlier on another file, it says so and why (processing
order, rule class, a folder the IMS does not read) instead of telling a
second story.

Then the same queue again with the suspects held back (--hold FILE, or by
default every message with a crash finding): the queue should drain.
Nothing is read but the inputs; nothing is written but --html.

Examples:
  imsforensic simulate D:\TempIMS --evidence AppEvent.evt --evidence-tz UTC-5
  imsforensic simulate TempIMS --hold 3SW32JRP --hold NQ1NQYQK
  imsforensic simulate TempIMS --poison-threshold 2     # Exchange 2007+ behaviour
  imsforensic simulate TempIMS --format json > timeline.jsonl
  imsforensic simulate TempIMS --html simulation.html`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runSimulate(ctx, opts, g, args)
		},
	}
}

func runSimulate(ctx context.Context, opts *simulateOptions, g *globals, args []string) error {
	now := time.Now()
	paths, ms, walkErr, err := selectedInputs(ctx, g, "simulate", &opts.sel, &opts.rules, opts.out.fmt == report.JSON, opts.ev.paths, args, now, func(paths []string) error {
		return refuseInsideEvidence(append(append([]string(nil), paths...), opts.ev.paths...), "--html", opts.html)
	}, nil)
	if err != nil {
		return err
	}

	rk, err := opts.ev.rank(ctx, paths, ms, opts.rules.cfg, now)
	if err != nil {
		return err
	}
	simOpts := simulate.Options{MaxRestarts: opts.maxRestarts, PoisonThreshold: opts.poisonThreshold, Start: restartTime(ms),
		Evidence: rk.crashers()}
	if opts.maxRestarts == 0 {
		simOpts.MaxRestarts = -1
	}
	asIs, err := simulate.Run(ctx, model.RunAsIs, ms, simOpts)
	if err != nil {
		return err
	}
	top := rk.top()
	verdict := simulate.Compare(asIs, ms, top, rk.observed(top))
	hold, holdWhat := holdFunc(opts.hold, simOpts.Evidence)
	if len(opts.hold) > 0 {
		if missing := unmatchedHolds(opts.hold, ms); len(missing) > 0 {
			return usageErrorf("--hold: no input file is named %s", strings.Join(missing, ", "))
		}
	}
	runs := []simulate.Result{asIs}
	if len(opts.hold) > 0 || asIs.Summary.Crashes > 0 || opts.holdSuspects {
		simOpts.Hold = hold
		held, err := simulate.Run(ctx, model.RunHeld, ms, simOpts)
		if err != nil {
			return err
		}
		runs = append(runs, held)
	}

	titles := []string{"The queue as it is:", "With " + holdWhat + " held back:"}
	if err := report.WriteSimulation(g.stdout, opts.out.fmt, simulationRuns(runs), titles, verdict); err != nil {
		return err
	}
	if opts.html != "" {
		if err := writeSimulationHTML(ctx, g, opts, paths, ms, runs, rk, verdict); err != nil {
			return err
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

// restartTime is when the emulated IMS starts: a minute after the newest
// file, since the admin copies the files back before starting it.
func restartTime(ms []*model.Message) time.Time {
	var last time.Time
	for _, m := range ms {
		if m.ModTime.After(last) {
			last = m.ModTime
		}
	}
	if last.IsZero() {
		return last
	}
	return last.Add(time.Minute).Truncate(time.Second)
}

// holdFunc returns the hold rule of the second run and its name for
// people: the files named by --hold, else every crash-class message.
func holdFunc(names []string, crashers map[string]string) (func(*model.Message) bool, string) {
	if len(names) == 0 {
		what := "the suspects (crash findings)"
		if len(crashers) > 0 {
			what = "the suspects (crash findings and the files the evidence shows crashing the server)"
		}
		return func(m *model.Message) bool { _, ev := crashers[m.Path]; return ev || m.TopClass() == model.ClassCrash }, what
	}
	want := map[string]bool{}
	for _, n := range names {
		want[strings.ToLower(filepath.Clean(n))] = true
	}
	return func(m *model.Message) bool {
		return want[strings.ToLower(m.Name)] || want[strings.ToLower(filepath.Clean(m.Path))]
	}, strings.Join(names, ", ")
}

func unmatchedHolds(names []string, ms []*model.Message) []string {
	var missing []string
	for _, n := range names {
		hold, _ := holdFunc([]string{n}, nil)
		found := false
		for _, m := range ms {
			if hold(m) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, strconv.Quote(n))
		}
	}
	return missing
}

// writeSimulationHTML writes the simulation report: the suspects as
// triage ranks them (with the evidence), both runs, the verdict and
// replay's plan.
func writeSimulationHTML(ctx context.Context, g *globals, opts *simulateOptions, paths []string, ms []*model.Message, runs []simulate.Result, rk ranking, verdict model.SimVerdict) error {
	plan, err := opts.plan.plan(ctx, g, paths, &opts.sel, ms)
	if err != nil {
		return err
	}
	res := rk.res
	in := report.SimulationHTMLInput{Inputs: paths, Messages: ms, Conclusions: res.Conclusions,
		Suspects: withRepairLines(report.HTMLSuspects(res.Suspects, fullParse(opts.rules.cfg)), opts.rules.cfg), Plan: plan,
		Verdict: verdict.Text, Evidence: rk.files, ClockNote: rk.clockNote(), Zone: rk.zone(&opts.ev), Events: triage.DistinctEvents(rk.events)}
	for _, c := range res.Incident.Crashes {
		in.CrashEvents = append(in.CrashEvents, c.Events...)
	}
	in.Runs = simulationRuns(runs)
	return writeHTMLFile(opts.html, report.SimulationHTML(in))
}

// simulationRuns hands the runs to report.
func simulationRuns(runs []simulate.Result) []report.SimulationRun {
	out := make([]report.SimulationRun, len(runs))
	for i, r := range runs {
		out[i] = report.SimulationRun{Steps: r.Steps, Summary: r.Summary}
	}
	return out
}

// fullParse parses a file again with its findings, for the MIME tree the
// HTML report shows: the scan kept slim messages.
func fullParse(cfg *rules.Config) func(path string) (*model.Message, error) {
	return func(path string) (*model.Message, error) {
		m, err := inventory.ParseFile(path, nil)
		if m != nil {
			rules.Apply(m, cfg)
		}
		return m, err
	}
}

// writeHTMLFile writes the report atomically (temp file, fsync, rename).
func writeHTMLFile(path string, r report.HTMLReport) error {
	var b strings.Builder
	if err := report.WriteHTML(&b, r); err != nil {
		return err
	}
	if _, _, err := atomicfile.WriteFile(path, strings.NewReader(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeTriageHTML writes the triage report.
func writeTriageHTML(path string, inputs []string, ms []*model.Message, rk ranking, cfg *rules.Config, zone *time.Location, plan report.HTMLPlanInput) error {
	res := rk.res
	in := report.TriageHTMLInput{Inputs: inputs, Messages: ms, Events: triage.DistinctEvents(rk.events), Crashes: len(res.Incident.Crashes),
		DistinctEvents: res.Incident.Events, Suspects: withRepairLines(report.HTMLSuspects(res.Suspects, fullParse(cfg)), cfg),
		Conclusions: res.Conclusions, Plan: plan, Evidence: rk.files, ClockNote: rk.clockNote(), Zone: zone}
	for _, c := range res.Incident.Crashes {
		in.CrashEvents = append(in.CrashEvents, c.Events...)
	}
	return writeHTMLFile(path, report.TriageHTML(in))
}

// maxSimRestarts bounds --max-restarts: each restart is a step of the
// timeline, and no admin restarts a crashing IMS a thousand times (a
// value of 10^18 made the crash loop run until memory ran out).
const maxSimRestarts = 1000
