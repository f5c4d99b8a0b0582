package triage_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/triage"
)

// TestSlimRanksTheSame: on every scenario of the corpus, with every poison
// planted and the evidence, the messages after Slim rank as the messages
// before it, and every format of the triage output is byte for byte the
// same.
func TestSlimRanksTheSame(t *testing.T) {
	scenarios := append(corpus.Scenarios(), corpus.Scenario{}) // and a quiet day
	for i, sc := range scenarios {
		cfg := corpus.Config{Messages: 20, Seed: int64(i + 1), Poison: corpus.PoisonAll(), Scenario: sc}
		if i%2 == 1 {
			cfg.Layout = corpus.LayoutImcdata
		}
		_, msgs, events, _ := scanCorpus(t, cfg)
		slim := make([]*model.Message, len(msgs))
		for j, m := range msgs {
			c := *m
			triage.Slim(&c)
			slim[j] = &c
		}
		full, slimmed := triage.Rank(msgs, events, triage.Options{}), triage.Rank(slim, events, triage.Options{})
		for _, f := range []report.Format{report.Table, report.JSON, report.CSV} {
			var a, b bytes.Buffer
			if err := report.WriteTriage(&a, f, full.Suspects, full.Conclusions, 0); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteTriage(&b, f, slimmed.Suspects, slimmed.Conclusions, 0); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("scenario %q, format %v: the slimmed messages rank otherwise:\n%s\nwas\n%s", sc.Name, f, b.String(), a.String())
			}
		}
		if !reflect.DeepEqual(full.Incident, slimmed.Incident) {
			t.Fatalf("scenario %q: incident %+v, was %+v", sc.Name, slimmed.Incident, full.Incident)
		}
	}
}
