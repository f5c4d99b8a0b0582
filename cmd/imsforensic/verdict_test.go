package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/evidence"
)

// helpScenarios is the scenario list `corpus --help` prints.
func helpScenarios(t *testing.T) []string {
	t.Helper()
	out, _, code := runCLI(t, "", "corpus", "--help")
	if code != 0 {
		t.Fatalf("corpus --help: exit %d", code)
	}
	var names []string
	in := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "Scenarios:"):
			in = true
		case in && strings.HasPrefix(l, "  ") && strings.TrimSpace(l) != "":
			names = append(names, strings.TrimSpace(l))
		case in:
			return names
		}
	}
	return names
}

type simRecord struct {
	Type, Action, Path, Name, Rule string
	Events                         []struct {
		Source  string
		EventID uint32 `json:"event_id"`
	}
	// verdict
	First, Rank1, Text, Rank1Verdict string
	Agree                            bool
	Observed                         []string
}

// storyIDs are the event IDs the corpus wrote for the incident: the
// binary log's events from the culprit's arrival to just after the crash,
// without the day's noise (2001/2002 about other files, 1001, 1221, 3018).
func storyIDs(t *testing.T, dir string, truth *corpus.Truth, culpritName string, arrived time.Time) map[uint32]bool {
	t.Helper()
	evs, errs := evidence.ReadPaths(context.Background(), []string{filepath.Join(dir, "evidence", "AppEvent.evt")}, &evidence.Options{TZ: time.FixedZone("EST", -5*3600)})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ids := map[uint32]bool{}
	for _, e := range evs {
		if e.Time.Before(arrived.Add(-time.Second)) || e.Time.After(truth.Incident.Add(10*time.Second)) {
			continue
		}
		switch e.EventID {
		case 1001, 1221, 3018:
			continue
		case 2001, 2002:
			if !strings.EqualFold(e.SpoolFile, culpritName) {
				continue
			}
		}
		ids[e.EventID] = true
	}
	return ids
}

func observedIDs(obs []string) map[uint32]bool {
	ids := map[uint32]bool{}
	for _, o := range obs {
		var src string
		var id uint32
		if _, err := fmt.Sscanf(o, "%s %d", &src, &id); err == nil {
			ids[id] = true
		}
	}
	return ids
}

// TestOneVerdictForEveryCorpusScenario is the consistency test of issue
// 13: for every scenario `corpus --help` lists, a corpus with evidence
// gives one answer. triage's rank 1, simulate's first incident (the first
// file a rule stops the emulated IMS on) and truth.json's culprit are the
// same file; simulate's verdict says they agree; the events it ties to
// that incident are the story's events; and the events its crash predicts
// share IDs with them. Scenarios without a culprit in the files accuse
// nobody.
func TestOneVerdictForEveryCorpusScenario(t *testing.T) {
	names := helpScenarios(t)
	if len(names) < 20 {
		t.Fatalf("corpus --help lists %d scenarios: %v", len(names), names)
	}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, errOut, code := runCLI(t, "", "corpus", "--out", dir, "--messages", "150", "--evidence",
				"--scenario", name, "--seed", fmt.Sprint(31+i)); code != 0 {
				t.Fatalf("corpus: exit %d: %s", code, errOut)
			}
			truth, err := corpus.ReadTruth(filepath.Join(dir, "truth.json"))
			if err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runCLI(t, "", "triage", "--format", "json", "--evidence-tz", "UTC-5", dir, "--evidence", filepath.Join(dir, "evidence"))
			if code != 0 {
				t.Fatalf("triage: exit %d: %s", code, errOut)
			}
			var rank1 struct{ Path, Verdict string }
			if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rank1); err != nil {
				t.Fatal(err)
			}
			out, errOut, code = runCLI(t, "", "simulate", "--format", "json", "--evidence-tz", "UTC-5", dir, "--evidence", filepath.Join(dir, "evidence"))
			if code != 0 {
				t.Fatalf("simulate: exit %d: %s", code, errOut)
			}
			var first, verdict *simRecord
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var r simRecord
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatal(err)
				}
				switch {
				case r.Type == "verdict":
					verdict = &r
				case r.Type == "step" && first == nil && r.Rule != "" &&
					(r.Action == "crash" || r.Action == "archived" || r.Action == "stuck" || r.Action == "returned"):
					first = &r
				}
			}
			if verdict == nil {
				t.Fatalf("simulate wrote no verdict record:\n%s", out)
			}
			rel := func(p string) string {
				r, err := filepath.Rel(dir, p)
				if err != nil {
					return p
				}
				return filepath.ToSlash(r)
			}
			if len(truth.Culprits) == 0 {
				if rank1.Verdict == "prime-suspect" {
					t.Errorf("no culprit in the files, yet triage's rank 1 %s is a prime suspect", rank1.Path)
				}
				if verdict.Agree && verdict.Rank1Verdict == "prime-suspect" {
					t.Errorf("simulate agrees with a prime suspect in a story without one: %s", verdict.Text)
				}
				return
			}
			culprit := truth.Culprits[0]
			if first == nil {
				t.Fatalf("simulate's as-is run stops on no file; truth.json names %s", culprit)
			}
			if got := rel(rank1.Path); got != culprit {
				t.Errorf("triage's rank 1 is %s, truth.json's culprit %s", got, culprit)
			}
			if got := rel(first.Path); got != culprit {
				t.Errorf("simulate's first incident is %s (%s %s), truth.json's culprit %s", got, first.Action, first.Rule, culprit)
			}
			if !verdict.Agree || rel(verdict.First) != culprit || rel(verdict.Rank1) != culprit {
				t.Errorf("simulate's verdict does not agree: %+v", verdict)
			}
			var arrived time.Time
			for _, f := range truth.Files {
				if f.Path == culprit {
					arrived = f.MTime
				}
			}
			story := storyIDs(t, dir, truth, filepath.Base(culprit), arrived)
			obs := observedIDs(verdict.Observed)
			for id := range story {
				if !obs[id] {
					t.Errorf("the story logs event %d, simulate's verdict ties %v to the incident (story %v)", id, verdict.Observed, story)
				}
			}
			for id := range obs {
				if !story[id] {
					t.Errorf("simulate's verdict ties event %d to the incident, which the story does not log (story %v)", id, story)
				}
			}
			if len(first.Events) > 0 {
				shared := false
				for _, e := range first.Events {
					shared = shared || story[e.EventID]
				}
				if !shared {
					t.Errorf("simulate predicts %+v for %s; the story logs %v", first.Events, first.Name, story)
				}
			}
		})
	}
}
