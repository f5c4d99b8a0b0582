package simulate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/simulate"
	"github.com/imsforensic/imsforensic/report"
)

// scenarioQueue generates a corpus for one scenario and scans it as the
// command does (slim messages).
func scenarioQueue(t *testing.T, scenario string, n int) ([]*model.Message, *corpus.Truth) {
	t.Helper()
	sc, ok := corpus.ScenarioByName(scenario)
	if !ok {
		t.Fatalf("no corpus scenario %q", scenario)
	}
	dir := t.TempDir()
	truth, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: n, Seed: 7, Scenario: sc})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	ms, err := inventory.Scan(context.Background(), []string{dir}, inventory.Options{Slim: true})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return ms, truth
}

func culpritName(t *testing.T, truth *corpus.Truth) string {
	t.Helper()
	if len(truth.Culprits) != 1 {
		t.Fatalf("want one culprit in truth.json, got %v", truth.Culprits)
	}
	return filepath.Base(truth.Culprits[0])
}

func holdCrash(m *model.Message) bool { return m.TopClass() == model.ClassCrash }

func stepsOf(r simulate.Result, action model.SimAction) []model.SimStep {
	var out []model.SimStep
	for _, s := range r.Steps {
		if s.Action == action {
			out = append(out, s)
		}
	}
	return out
}

func TestBlankCharsetCrashLoopsAndDrainsWhenHeld(t *testing.T) {
	ms, truth := scenarioQueue(t, "blank-charset-12007", 80)
	culprit := culpritName(t, truth)

	asIs, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum := asIs.Summary
	if sum.Drained {
		t.Fatalf("as-is run drained; want a crash loop: %s", report.SimulationLine(sum))
	}
	if !strings.EqualFold(sum.LoopFile, culprit) {
		t.Errorf("crash loop on %q, want the culprit %q", sum.LoopFile, culprit)
	}
	// MaxRestarts 3: four crashes, three restarts, three retries of the same file.
	if sum.Crashes != simulate.DefaultMaxRestarts+1 || sum.Restarts != simulate.DefaultMaxRestarts {
		t.Errorf("crashes %d restarts %d, want %d and %d", sum.Crashes, sum.Restarts, simulate.DefaultMaxRestarts+1, simulate.DefaultMaxRestarts)
	}
	for _, r := range stepsOf(asIs, model.SimRetry) {
		if !strings.EqualFold(r.Name, culprit) {
			t.Errorf("retry of %s, want the same file %s", r.Name, culprit)
		}
	}
	crash := stepsOf(asIs, model.SimCrash)[0]
	var ids []uint32
	named := false
	for _, e := range crash.Events {
		ids = append(ids, e.EventID)
		if e.EventID == 4182 && strings.Contains(e.Text, strings.ToUpper(culprit)) {
			named = true
		}
	}
	if want := []uint32{4097, 4116, 3039, 4182, 4102}; !equalIDs(ids, want) {
		t.Errorf("crash logs %v, want %v", ids, want)
	}
	if !named {
		t.Errorf("4182 does not name the spool file %s: %+v", culprit, crash.Events)
	}
	blocked := len(stepsOf(asIs, model.SimBlocked))
	if sum.Blocked != blocked+1 || blocked == 0 {
		t.Errorf("blocked %d (summary %d): want the messages behind the culprit, plus the culprit", blocked, sum.Blocked)
	}
	if sum.Delivered+blocked+1+sum.Archived+sum.StuckStall+sum.Returned+sum.Skipped != len(ms) {
		t.Errorf("outcomes do not add up to %d messages: %+v", len(ms), sum)
	}

	held, err := simulate.Run(context.Background(), model.RunHeld, ms, simulate.Options{Hold: holdCrash})
	if err != nil {
		t.Fatal(err)
	}
	if !held.Summary.Drained || held.Summary.Crashes != 0 {
		t.Fatalf("held run: %s", report.SimulationLine(held.Summary))
	}
	if held.Summary.Held < 1 || held.Summary.Delivered <= sum.Delivered {
		t.Errorf("held run holds %d and delivers %d (as-is %d)", held.Summary.Held, held.Summary.Delivered, sum.Delivered)
	}
}

func TestPoisonThresholdMovesTheMessageAsideAndTheQueueDrains(t *testing.T) {
	ms, truth := scenarioQueue(t, "tnef-corrupt-4182", 40)
	r, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{PoisonThreshold: simulate.ExchangePoisonThreshold})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Summary.Drained || r.Summary.Poisoned != 1 || r.Summary.Crashes != 2 {
		t.Fatalf("want 2 crashes, 1 poison and a drained queue: %s", report.SimulationLine(r.Summary))
	}
	p := stepsOf(r, model.SimPoison)[0]
	if !strings.EqualFold(p.Name, culpritName(t, truth)) {
		t.Errorf("poison %s, want %s", p.Name, culpritName(t, truth))
	}
}

func TestStallMessagesAreArchivedOrStuckAndTheQueueMovesOn(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		action   model.SimAction
		event    uint32
	}{
		{"received-comment-date-12006", model.SimArchived, 4117},
		{"recipients-over-32766-4131", model.SimStuck, 4131},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ms, truth := scenarioQueue(t, tc.scenario, 30)
			r, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Summary.Drained {
				t.Fatalf("stall scenario did not drain: %s", report.SimulationLine(r.Summary))
			}
			culprit := culpritName(t, truth)
			var found bool
			for _, s := range stepsOf(r, tc.action) {
				if !strings.EqualFold(s.Name, culprit) {
					continue
				}
				for _, e := range s.Events {
					if e.EventID == tc.event && strings.Contains(e.Text, strings.ToUpper(culprit)) {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("want %s of %s with event %d naming it; steps: %+v", tc.action, culprit, tc.event, r.Steps)
			}
		})
	}
}

func TestOrderIsFileTimeThenName(t *testing.T) {
	t0 := time.Date(2001, 3, 14, 9, 0, 0, 0, time.UTC)
	mk := func(name string, at time.Time, class model.Class) *model.Message {
		m := &model.Message{Path: "IN/" + name, Name: name, Queue: model.QueueIN, ModTime: at}
		if class != model.ClassNone {
			m.Findings = []model.Finding{{Rule: "blank-charset", Class: class}}
		}
		return m
	}
	ms := []*model.Message{
		mk("ZZZZZZZZ", t0, model.ClassNone),
		mk("bbbbbbbb", t0.Add(time.Minute), model.ClassNone),
		mk("AAAAAAAA", t0.Add(time.Minute), model.ClassCrash),
		mk("CCCCCCCC", t0.Add(2*time.Minute), model.ClassNone),
	}
	r, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{MaxRestarts: -1})
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, s := range r.Steps {
		seq = append(seq, string(s.Action)+":"+s.Name)
	}
	want := "delivered:ZZZZZZZZ crash:AAAAAAAA crash-loop:AAAAAAAA blocked:bbbbbbbb blocked:CCCCCCCC"
	if got := strings.Join(seq, " "); got != want {
		t.Errorf("timeline\n got %s\nwant %s", got, want)
	}
	if r.Summary.Blocked != 3 || r.Summary.Stuck != 3 {
		t.Errorf("blocked %d stuck %d, want 3 and 3", r.Summary.Blocked, r.Summary.Stuck)
	}
}

func TestJSONLinesHaveTypeAndSchema(t *testing.T) {
	ms := []*model.Message{{Path: "IN/A", Name: "A", Queue: model.QueueIN, Findings: []model.Finding{{Rule: "blank-charset", Class: model.ClassCrash}}}}
	r, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteSimulationJSON(&buf, r.Steps, r.Summary); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var last map[string]any
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("bad line %q: %v", l, err)
		}
		if rec["schema"] != float64(1) {
			t.Errorf("no schema 1: %s", l)
		}
		last = rec
	}
	if last["type"] != "simulation" || last["drained"] != false {
		t.Errorf("last record %v, want the simulation summary, not drained", last)
	}
	for _, k := range []string{"delivered", "crashes", "stuck", "archived", "held"} {
		if _, ok := last[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	buf.Reset()
	if err := report.WriteSimulationTable(&buf, "as is", r.Steps, r.Summary); err != nil {
		t.Fatal(err)
	}
	// The table wraps long details: compare with the line breaks folded.
	if folded := strings.Join(strings.Fields(buf.String()), " "); !strings.Contains(folded, "crash-loop") || !strings.Contains(folded, "MSExchangeIMC 4116") {
		t.Errorf("table lacks the crash loop and its events:\n%s", buf.String())
	}
}

func equalIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNegativeDurationsMeanNone: the Options convention (0 = default, -1 =
// none) for the simulated clock.
func TestNegativeDurationsMeanNone(t *testing.T) {
	ms := []*model.Message{{Path: "IN/A", Name: "A", Queue: model.QueueIN, Findings: []model.Finding{{Rule: "blank-charset", Class: model.ClassCrash}}}}
	none, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{ProcessTime: -1, RestartDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	if none.Summary.Duration != 0 || none.Summary.Restarts != simulate.DefaultMaxRestarts {
		t.Errorf("-1 durations: %v after %d restarts, want no simulated time", none.Summary.Duration, none.Summary.Restarts)
	}
	def, err := simulate.Run(context.Background(), model.RunAsIs, ms, simulate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Duration(def.Summary.Crashes)*simulate.DefaultProcessTime + time.Duration(def.Summary.Restarts)*simulate.DefaultRestartDelay
	if def.Summary.Duration != want {
		t.Errorf("zero Options: %v, want the defaults' %v", def.Summary.Duration, want)
	}
}
