package main

import (
	"context"
	"errors"
	"fmt"
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
	out := g.stdout
	sc, _ := corpus.ScenarioByName(opts.scenario)

	fmt.Fprintf(out, "== 1. The incident (a generated sample: %d spool files, seed %d)\n", opts.messages, opts.seed)
	// The sample server runs in US Eastern time; its event log exports
	// are read in that zone, as --evidence-tz would be set for a real one.
	serverTZ := time.FixedZone("EST", -5*3600)
	truth, err := corpus.Generate(ctx, filepath.Join(dir, "incident"), corpus.Config{
		Messages: opts.messages, Seed: opts.seed, Poison: corpus.PoisonAll(), Evidence: true, Scenario: sc, TZ: serverTZ,
	})
	if err != nil {
		return fmt.Errorf("demo: generate the sample: %w", err)
	}
	incident := filepath.Join(dir, "incident")
	fmt.Fprintf(out, "Server %s stopped its Internet Mail Service at %s (server time); story %q.\n",
		truth.Server, truth.Incident.In(serverTZ).Format("2006-01-02 15:04:05"), truth.Scenario)
	fmt.Fprintf(out, "Following KB Q197792 the admin copied Imcdata\\IN and OUT aside: %d files, plus the evidence:\n", len(truth.Files))
	for _, e := range truth.Evidence {
		fmt.Fprintf(out, "  %s\n", e)
	}

	fmt.Fprintf(out, "\n== 2. Triage: which message is the poison?\n")
	queues := []string{filepath.Join(incident, "IN"), filepath.Join(incident, "OUT")}
	msgs, err := inventory.Scan(ctx, queues, inventory.Options{Slim: true})
	if err != nil {
		return fmt.Errorf("demo: scan: %w", err)
	}
	var evPaths []string
	for _, e := range truth.Evidence {
		evPaths = append(evPaths, filepath.Join(incident, filepath.FromSlash(e)))
	}
	events, evErrs := evidence.ReadPaths(ctx, evPaths, &evidence.Options{TZ: serverTZ})
	for _, e := range evErrs {
		fmt.Fprintf(g.stderr, "imsforensic: evidence: %v\n", e)
	}
	res := triage.Rank(msgs, events, triage.Options{Now: time.Now()})
	if err := report.WriteTriage(out, report.Table, res.Suspects, res.Conclusions, 5); err != nil {
		return err
	}
	if len(res.Suspects) > 0 && len(truth.Culprits) > 0 {
		top := res.Suspects[0]
		verdict := "matches"
		if filepath.ToSlash(mustRel(incident, top.Path)) != truth.Culprits[0] {
			verdict = "does NOT match"
		}
		fmt.Fprintf(out, "Rank 1 is %s; the sample's ground truth (truth.json) names %s: %s.\n", top.Name, truth.Culprits[0], verdict)
	}

	fmt.Fprintf(out, "\n== 3. Replay the rest into a local sink that emulates the Exchange 5.5 store\n")
	sinkDir := filepath.Join(dir, "sink")
	sink, err := smtpsink.New(smtpsink.Config{
		Listen: "127.0.0.1:0", Store: sinkDir, Emulate: smtpsink.EmulateIMS,
		Lint: func(raw []byte) []model.Finding { return rules.LintBytes(raw, nil).Findings },
	})
	if err != nil {
		return fmt.Errorf("demo: sink: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
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
	target, err := replay.NewSMTPTarget("smtp://"+l.Addr().String(), replay.SMTPOptions{Concurrency: 4, Retries: 1, RetryBackoff: 50 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	journal := filepath.Join(dir, "replay-journal.jsonl")
	var failed []model.ReplayRecord
	sum, err := replay.Run(ctx, msgs, target, replay.Options{JournalPath: journal, Concurrency: 4}, func(r model.ReplayRecord) {
		if r.Result != model.ResultOK && r.Action != model.ActionPlan && r.Action != model.ActionHold && r.Result != model.ResultPlanned && r.Result != model.ResultHeld && r.Result != model.ResultSkipped {
			failed = append(failed, r)
		}
	})
	target.Close()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("demo: replay: %w", err)
	}
	if err := report.WriteReplaySummary(out, sum); err != nil {
		return err
	}
	st := sink.Stats()
	fmt.Fprintf(out, "The sink stored %d message copies (one per SMTP transaction), each linted; it emulated %d store crashes.\n", st.Stored, st.Crashes)
	for _, r := range failed {
		fmt.Fprintf(out, "  not delivered: %s (%s: %s)\n", filepath.Base(r.Path), r.Result, r.Reason)
	}
	if err := demoProof(ctx, g, res, msgs, sink, l.Addr().String(), filepath.Join(dir, "proof-journal.jsonl")); err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== 4. Where everything is\n")
	fmt.Fprintf(out, "  queue (read-only evidence): %s\n", incident)
	fmt.Fprintf(out, "  event log, Dr. Watson log:  %s\n", filepath.Join(incident, "evidence"))
	fmt.Fprintf(out, "  ground truth:               %s\n", filepath.Join(incident, "truth.json"))
	fmt.Fprintf(out, "  replay journal:             %s\n", journal)
	fmt.Fprintf(out, "  sink store (.eml + .json):  %s\n", sinkDir)
	if opts.dir == "" && !opts.keep {
		fmt.Fprintf(out, "  (a temporary folder, removed now; run with --keep or --dir DIR to keep it)\n")
	}
	fmt.Fprintf(out, "\nNext, on the real queue:\n  imsforensic triage D:\\TempIMS --evidence AppEvent.evt --evidence Drwtsn32.log\n  imsforensic replay D:\\TempIMS --to imcdata:D:\\Exchsrvr\\Imcdata --queue-dat rename\n")
	fmt.Fprintf(g.stderr, "demo finished in %.1fs\n", time.Since(start).Seconds())
	return nil
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
