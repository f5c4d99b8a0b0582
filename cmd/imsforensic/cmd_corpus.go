package main

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/report"
)

// corpusOptions are the flags of "imsforensic corpus".
type corpusOptions struct {
	out      string
	messages int
	seed     int64
	poison   string
	layout   string
	evidence bool
	scenario string
	format   string

	cfg corpus.Config
}

func (o *corpusOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.out, "out", "", "folder to write the corpus into (required; created if missing, refused unless empty)")
	fs.IntVar(&o.messages, "messages", corpus.DefaultMessages, "number of message files, 1 to 1000000 (raised to fit every planted poison message)")
	fs.Int64Var(&o.seed, "seed", 1, "seed: the same seed and flags give the same bytes")
	fs.StringVar(&o.poison, "poison", "all", "poison to plant: all, none, or a comma-separated list of rule IDs")
	fs.StringVar(&o.layout, "layout", corpus.LayoutTempIMS, "tree layout: tempims (IN, OUT) or imcdata (IN, OUT, Archive folders, Pickup, Log)")
	fs.BoolVar(&o.evidence, "evidence", false, "also write the evidence: .evt log, CSV/TXT exports, dumpel, Drwtsn32.log, protocol and tracking logs")
	fs.StringVar(&o.scenario, "scenario", "", "incident story (default blank-charset-12007 with --evidence, else quiet); see --help for the list")
	fs.StringVar(&o.format, "format", "table", "summary format: table or json")
}

func (o *corpusOptions) validate(g *globals) error {
	if o.out == "" {
		return usageErrorf("corpus: --out DIR is required")
	}
	if o.messages < 1 || o.messages > maxCorpusMessages {
		return usageErrorf("corpus: --messages: want 1 to %d, got %d", maxCorpusMessages, o.messages)
	}
	switch o.format {
	case "table":
	case "json":
		g.jsonErrors = true
	default:
		return usageErrorf("corpus: --format: want table or json, got %q", o.format)
	}
	if o.layout != corpus.LayoutTempIMS && o.layout != corpus.LayoutImcdata {
		return usageErrorf("corpus: --layout: want tempims or imcdata, got %q", o.layout)
	}
	var poison []string
	switch strings.ToLower(strings.TrimSpace(o.poison)) {
	case "all":
		poison = corpus.PoisonAll()
	case "none", "":
	default:
		for _, id := range strings.Split(o.poison, ",") {
			id = strings.TrimSpace(id)
			if !corpus.IsRuleID(id) {
				return usageErrorf("corpus: --poison: the generator cannot plant %q; it plants %s", id, strings.Join(corpus.RuleIDs(), ", "))
			}
			poison = append(poison, id)
		}
	}
	name := o.scenario
	if name == "" && o.evidence {
		name = "blank-charset-12007"
	}
	var sc corpus.Scenario
	if name != "" {
		var ok bool
		if sc, ok = corpus.ScenarioByName(name); !ok {
			return usageErrorf("corpus: --scenario: unknown scenario %q (see 'imsforensic corpus --help')", name)
		}
	}
	o.cfg = corpus.Config{Messages: o.messages, Seed: o.seed, Poison: poison, Layout: o.layout, Evidence: o.evidence, Scenario: sc}
	return nil
}

func newCorpusCommand() *command {
	opts := &corpusOptions{}
	fs := newFlagSet("corpus")
	opts.addFlags(fs)
	var names []string
	for _, s := range corpus.Scenarios() {
		names = append(names, s.Name)
	}
	return &command{
		name:  "corpus",
		usage: "corpus --out DIR [--messages N] [--seed S] [--poison all|none|RULE,...] [--layout tempims|imcdata] [--evidence] [--scenario NAME]",
		short: "generate a realistic quarantined queue with ground truth and matching evidence",
		long: `Writes N spool files (8-character names) in a TempIMS or Imcdata tree, a
realistic mixture of clean mail with poison messages for the rule IDs asked
for, and DIR/truth.json: which file carries which rules and which file the
evidence points at. With --evidence it also writes what the administrator
would hold: evidence/AppEvent.evt (binary legacy event log; AppEvent-live.evt
is the same log copied while the service ran), its CSV and text exports,
dumpel output, Drwtsn32.log, IMS protocol logs and message tracking logs, all
telling the story of --scenario (docs/corpus.md lists every file).

The spool envelope is a documented MODEL (docs/corpus.md), not the real
(undocumented) IMS layout. The same seed and flags give the same bytes.

Scenarios:
  ` + strings.Join(names, "\n  ") + `

Examples:
  imsforensic corpus --out /tmp/q --messages 2000 --evidence
  imsforensic corpus --out /tmp/q --layout imcdata --poison none --evidence --scenario mts-out
  imsforensic corpus --out /tmp/q --poison blank-charset,tnef-corrupt --format json`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			return runCorpus(ctx, opts, g, args)
		},
	}
}

func runCorpus(ctx context.Context, opts *corpusOptions, g *globals, args []string) error {
	if len(args) > 0 {
		return usageErrorf("corpus: unexpected argument %q", args[0])
	}
	if err := opts.validate(g); err != nil {
		return err
	}
	cfg := opts.cfg
	var prog *progress
	if g.stderrTTY && opts.format != "json" {
		prog = newProgress(g.stderr, "writing the corpus", false)
		cfg.Progress = prog.update
	}
	tr, err := corpus.Generate(ctx, opts.out, cfg)
	if prog != nil {
		prog.done()
	}
	if errors.Is(err, corpus.ErrNotEmpty) {
		return usageError(err)
	}
	if err != nil {
		return err
	}
	return printCorpusSummary(g, opts, tr)
}

func printCorpusSummary(g *globals, opts *corpusOptions, tr *corpus.Truth) error {
	sum := model.CorpusSummary{Type: model.TypeCorpus, Schema: corpus.TruthSchema, Out: opts.out, Layout: tr.Layout, Seed: tr.Seed,
		Files: len(tr.Files), Scenario: tr.Scenario, Culprits: tr.Culprits, Evidence: tr.Evidence, Truth: "truth.json",
		Queues: map[string]int{}}
	if sum.Culprits == nil {
		sum.Culprits = []string{}
	}
	if sum.Evidence == nil {
		sum.Evidence = []string{}
	}
	for _, f := range tr.Files {
		if f.Role != "clean" {
			sum.Poison++
		}
		sum.Queues[f.Queue]++
	}
	return report.WriteCorpus(g.stdout, report.Format(opts.format), sum)
}

// maxCorpusMessages bounds --messages at the million files DESIGN section
// 6 sizes the scan for: the generator plans every file in memory first,
// and 10^18 panicked making that plan.
const maxCorpusMessages = 1_000_000
