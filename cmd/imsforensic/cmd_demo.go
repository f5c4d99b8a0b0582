package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/rules"
	"github.com/imsforensic/imsforensic/smtpsink"
	"github.com/imsforensic/imsforensic/triage"
)

type demoOptions struct {
	dir      string
	keep     bool
	messages int
	seed     int64
	scenario string
}

func (o *demoOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.dir, "dir", "", "work in DIR instead of a temporary folder (kept afterwards)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder and print where it is")
	fs.IntVar(&o.messages, "messages", 300, "messages in the sample queue")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the sample queue (the same seed gives the same incident)")
	fs.StringVar(&o.scenario, "scenario", "blank-charset-12007", "incident story of the sample (see 'imsforensic corpus --help')")
}

func (o *demoOptions) validate() error {
	if o.messages < 20 || o.messages > 100000 {
		return usageErrorf("--messages: want 20 to 100000, got %d", o.messages)
	}
	if _, ok := corpus.ScenarioByName(o.scenario); !ok {
		return usageErrorf("--scenario: unknown story %q", o.scenario)
	}
	return nil
}

func newDemoCommand() *command {
	opts := &demoOptions{}
	fs := newFlagSet("demo")
	opts.addFlags(fs)
	return &command{
		name:  "demo",
		usage: "demo [flags]",
		short: "the whole story on a built-in sample incident, in a temporary folder",
		long: `The demo plays the KB Q197792 incident end to end, offline, in a few seconds:
  1. it generates a quarantined TempIMS queue (IN, OUT) with poison messages among
     clean ones, and the evidence an admin would have: an Application event log
     (.evt, CSV and text exports), Drwtsn32.log, protocol and tracking logs;
  2. it triages the queue with that evidence and prints the ranked suspects;
  3. it starts a local SMTP sink that emulates the 5.5 store (it drops the
     connection on a crash trigger, as a dying store.exe would) and replays every
     message that is not held back, journaled;
  4. it prints what went through, what was held and where everything is.

Examples:
  imsforensic demo
  imsforensic demo --dir ./incident --messages 2000 --scenario tnef-corrupt-unnamed`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usageErrorf("demo takes no arguments")
			}
			if err := opts.validate(); err != nil {
				return err
			}
			return runDemo(ctx, opts, g)
		},
	}
}

func runDemo(ctx context.Context, opts *demoOptions, g *globals) (err error) {
	start := time.Now()
	dir := opts.dir
	if dir == "" {
		dir, err = os.MkdirTemp("", "imsforensic-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if !opts.keep {
			defer func() {
				if err == nil {
					os.RemoveAll(dir)
				}
			}()
		}
	}
	d := &demo{opts: opts, g: g, out: g.stdout, incident: filepath.Join(dir, "incident"),
		sinkDir: filepath.Join(dir, "sink"), journal: filepath.Join(dir, "replay-journal.jsonl"),
		proofJournal: filepath.Join(dir, "proof-journal.jsonl"),
		// The sample server runs in US Eastern time; its event log
		// exports are read in that zone, as --evidence-tz would be set
		// for a real one.
		serverTZ: time.FixedZone("EST", -5*3600)}
	for _, step := range []func(context.Context) error{d.incidentStep, d.triageStep, d.replayStep} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	d.whereStep()
	fmt.Fprintf(g.stderr, "demo finished in %.1fs\n", time.Since(start).Seconds())
	return nil
}

// demo is one run of the demo: its folders, and what each step hands the
// next.
type demo struct {
	opts *demoOptions
	g    *globals
	out  io.Writer

	incident, sinkDir, journal, proofJournal string
	serverTZ                                 *time.Location

	truth *corpus.Truth
	msgs  []*model.Message
	res   triage.Result
}

// incidentStep generates the sample queue and its evidence.
func (d *demo) incidentStep(ctx context.Context) error {
	fmt.Fprintf(d.out, "== 1. The incident (a generated sample: %d spool files, seed %d)\n", d.opts.messages, d.opts.seed)
	sc, _ := corpus.ScenarioByName(d.opts.scenario)
	truth, err := corpus.Generate(ctx, d.incident, corpus.Config{
		Messages: d.opts.messages, Seed: d.opts.seed, Poison: corpus.PoisonAll(), Evidence: true, Scenario: sc, TZ: d.serverTZ,
	})
	if err != nil {
		return fmt.Errorf("demo: generate the sample: %w", err)
	}
	d.truth = truth
	fmt.Fprintf(d.out, "Server %s stopped its Internet Mail Service at %s (server time); story %q.\n",
		truth.Server, truth.Incident.In(d.serverTZ).Format("2006-01-02 15:04:05"), truth.Scenario)
	fmt.Fprintf(d.out, "Following KB Q197792 the admin copied Imcdata\\IN and OUT aside: %d files, plus the evidence:\n", len(truth.Files))
	for _, e := range truth.Evidence {
		fmt.Fprintf(d.out, "  %s\n", e)
	}
	return nil
}

// triageStep scans the queue, reads the evidence and ranks the suspects.
func (d *demo) triageStep(ctx context.Context) error {
	fmt.Fprintf(d.out, "\n== 2. Triage: which message is the poison?\n")
	queues := []string{filepath.Join(d.incident, "IN"), filepath.Join(d.incident, "OUT")}
	msgs, err := inventory.Scan(ctx, queues, inventory.Options{Slim: true})
	if err != nil {
		return fmt.Errorf("demo: scan: %w", err)
	}
	d.msgs = msgs
	var evPaths []string
	for _, e := range d.truth.Evidence {
		evPaths = append(evPaths, filepath.Join(d.incident, filepath.FromSlash(e)))
	}
	events, evErrs := evidence.ReadPaths(ctx, evPaths, &evidence.Options{TZ: d.serverTZ})
	for _, e := range evErrs {
		fmt.Fprintf(d.g.stderr, "imsforensic: evidence: %v\n", e)
	}
	d.res = triage.Rank(msgs, events, triage.Options{Now: time.Now(), Zone: d.serverTZ})
	if err := report.WriteTriage(d.out, report.Table, d.res.Suspects, d.res.Conclusions, 5); err != nil {
		return err
	}
	if len(d.res.Suspects) > 0 && len(d.truth.Culprits) > 0 {
		top := d.res.Suspects[0]
		verdict := "matches"
		if filepath.ToSlash(mustRel(d.incident, top.Path)) != d.truth.Culprits[0] {
			verdict = "does NOT match"
		}
		fmt.Fprintf(d.out, "Rank 1 is %s; the sample's ground truth (truth.json) names %s: %s.\n", top.Name, d.truth.Culprits[0], verdict)
	}
	return nil
}

// replayStep replays every message not held back into a local sink that
// emulates the 5.5 store, then the prime suspect alone as the proof.
func (d *demo) replayStep(ctx context.Context) error {
	fmt.Fprintf(d.out, "\n== 3. Replay the rest into a local sink that emulates the Exchange 5.5 store\n")
	sink, err := smtpsink.New(smtpsink.Config{
		Listen: "127.0.0.1:0", Store: d.sinkDir, Emulate: smtpsink.EmulateIMS,
		Lint: func(raw []byte) []model.Finding { return rules.LintBytes(raw, nil).Findings },
	})
	if err != nil {
		return fmt.Errorf("demo: sink: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sink.Close()
		return fmt.Errorf("demo: listen: %w", err)
	}
	sinkCtx, stopSink := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- sink.Serve(sinkCtx, l) }()
	defer func() {
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = sink.Shutdown(shutCtx)
		cancel()
		stopSink()
		<-served
	}()
	if err := d.replayAll(ctx, sink, l.Addr().String()); err != nil {
		return err
	}
	return demoProof(ctx, d.g, d.res, d.msgs, sink, l.Addr().String(), d.proofJournal)
}

// replayAll replays the queue (suspects held back) and says what the
// sink got.
func (d *demo) replayAll(ctx context.Context, sink *smtpsink.Sink, addr string) error {
	target, err := replay.NewSMTPTarget("smtp://"+addr, replay.SMTPOptions{Concurrency: 4, Retries: 1, RetryBackoff: 50 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var failed []model.ReplayRecord
	sum, err := replay.Run(ctx, d.msgs, target, replay.Options{JournalPath: d.journal, Concurrency: 4}, func(r model.ReplayRecord) {
		if r.Result != model.ResultOK && r.Action != model.ActionPlan && r.Action != model.ActionHold && r.Result != model.ResultPlanned && r.Result != model.ResultHeld && r.Result != model.ResultSkipped {
			failed = append(failed, r)
		}
	})
	target.Close()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("demo: replay: %w", err)
	}
	if err := report.WriteReplaySummary(d.out, sum); err != nil {
		return err
	}
	st := sink.Stats()
	fmt.Fprintf(d.out, "The sink stored %d message copies (one per SMTP transaction), each linted; it emulated %d store crashes.\n", st.Stored, st.Crashes)
	for _, r := range failed {
		fmt.Fprintf(d.out, "  not delivered: %s (%s: %s)\n", filepath.Base(r.Path), r.Result, r.Reason)
	}
	return nil
}

// whereStep says where everything is, and what to run on a real queue.
func (d *demo) whereStep() {
	fmt.Fprintf(d.out, "\n== 4. Where everything is\n")
	fmt.Fprintf(d.out, "  queue (read-only evidence): %s\n", d.incident)
	fmt.Fprintf(d.out, "  event log, Dr. Watson log:  %s\n", filepath.Join(d.incident, "evidence"))
	fmt.Fprintf(d.out, "  ground truth:               %s\n", filepath.Join(d.incident, "truth.json"))
	fmt.Fprintf(d.out, "  replay journal:             %s\n", d.journal)
	fmt.Fprintf(d.out, "  sink store (.eml + .json):  %s\n", d.sinkDir)
	if d.opts.dir == "" && !d.opts.keep {
		fmt.Fprintf(d.out, "  (a temporary folder, removed now; run with --keep or --dir DIR to keep it)\n")
	}
	// As the README's walk-through: Drwtsn32.log holds the server's local
	// time, so the zone is given (without it triage says it assumed one).
	fmt.Fprintf(d.out, "\nNext, on the real queue (--evidence-tz: the server's time zone; Drwtsn32.log holds local times):\n"+
		"  imsforensic triage D:\\TempIMS --evidence AppEvent.evt --evidence Drwtsn32.log --evidence-tz America/New_York\n"+
		"  imsforensic replay D:\\TempIMS --to imcdata:C:\\Exchsrvr\\Imcdata --queue-dat rename\n")
}

func mustRel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}

// demoProof replays the prime suspect alone into the emulating sink, to
// show what the held-back message does to the store.
func demoProof(ctx context.Context, g *globals, res triage.Result, msgs []*model.Message, sink *smtpsink.Sink, addr, journal string) error {
	if len(res.Suspects) == 0 || res.Suspects[0].Verdict != model.VerdictPrime {
		return nil
	}
	var m *model.Message
	for _, x := range msgs {
		if x.Path == res.Suspects[0].Path {
			m = x
		}
	}
	if m == nil {
		return nil
	}
	target, err := replay.NewSMTPTarget("smtp://"+addr, replay.SMTPOptions{Retries: 0})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer target.Close()
	var got model.ReplayRecord
	before := sink.Stats().Crashes
	_, err = replay.Run(ctx, []*model.Message{m}, target, replay.Options{JournalPath: journal, IncludeSuspects: true, Named: []string{m.Name}},
		func(r model.ReplayRecord) {
			if r.Action == model.ActionSend {
				got = r
			}
		})
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("demo: proof replay: %w", err)
	}
	fmt.Fprintf(g.stdout, "\nProof: the prime suspect %s, replayed alone with --include-suspects: %s (%s).\n", m.Name, got.Result, got.Reason)
	if sink.Stats().Crashes > before {
		fmt.Fprintf(g.stdout, "The emulated store died on it, as store.exe did under the IMS: it stays held back.\n")
	}
	return nil
}
