package simulate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/simulate"
)

func msg(name string, t time.Time, rule string, class model.Class) *model.Message {
	m := &model.Message{Path: "IN/" + name, Name: name, Queue: model.QueueIN, ModTime: t}
	if rule != "" {
		m.Findings = []model.Finding{{Rule: rule, Class: class}}
	}
	return m
}

// TestVerdictSaysWhyTheRulesCrashEarlierThanRank1: the world of the
// issue's report, a base64-invalid file older than the file the evidence
// names. The verdict says the rules alone crash on the older file first,
// why (processing order, with both file times), and that the evidence
// names rank 1.
func TestVerdictSaysWhyTheRulesCrashEarlierThanRank1(t *testing.T) {
	t0 := time.Date(2001, 3, 14, 8, 0, 0, 0, time.UTC)
	early := msg("5YATS3B9", t0, "base64-invalid", model.ClassCrash)
	named := msg("WFF84QGR", t0.Add(time.Hour), "blank-charset", model.ClassCrash)
	ms := []*model.Message{named, early, msg("CLEAN001", t0.Add(-time.Hour), "", 0)}
	res, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	top := &model.Suspect{Path: named.Path, Name: named.Name, Verdict: model.VerdictPrime, Message: named}
	v := simulate.Compare(res, ms, top, []model.Event{{Source: "MSExchangeIS", EventID: 12007, Time: t0.Add(time.Hour + time.Minute)}})
	if v.Agree || v.First != early.Path || v.Rank1 != named.Path {
		t.Fatalf("verdict %+v, want first %s and rank 1 %s, not agreeing", v, early.Path, named.Path)
	}
	for _, want := range []string{"5YATS3B9 (base64-invalid) before it reaches triage's rank 1, WFF84QGR",
		"processing order", "2001-03-14 08:00:00", "The evidence names WFF84QGR", "MSExchangeIS 12007"} {
		if !strings.Contains(v.Text, want) {
			t.Errorf("verdict lacks %q:\n%s", want, v.Text)
		}
	}
	// Held against its own first crash the verdict agrees.
	v = simulate.Compare(res, ms, &model.Suspect{Path: early.Path, Name: early.Name, Verdict: model.VerdictSuspect, Message: early}, nil)
	if !v.Agree || !strings.Contains(v.Text, "agree") {
		t.Errorf("verdict %+v, want agreement", v)
	}
}

// TestEvidenceCrashesAFileNoCrashRuleFlags: a prime suspect with only a
// risk finding crashes the emulated store when the evidence says so,
// and the step says it was the evidence.
func TestEvidenceCrashesAFileNoCrashRuleFlags(t *testing.T) {
	t0 := time.Date(2001, 3, 14, 8, 0, 0, 0, time.UTC)
	risky := msg("S37ARXRY", t0, "html-href-leading-space", model.ClassRisk)
	later := msg("114D014M", t0.Add(time.Hour), "blank-charset", model.ClassCrash)
	res, err := simulate.Run(context.Background(), model.RunAsIs, []*model.Message{risky, later},
		simulate.Options{Evidence: map[string]string{risky.Path: "Dr. Watson in ScHandleAHref"}})
	if err != nil {
		t.Fatal(err)
	}
	first := simulate.FirstIncident(res)
	if first == nil || first.Path != risky.Path || first.Action != model.SimCrash || !strings.Contains(first.Detail, "ScHandleAHref") {
		t.Fatalf("first incident %+v, want the crash on %s from the evidence", first, risky.Name)
	}
}
