package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/corpus"
)

// triageCorpus generates a small incident: blank-charset named by IS 12007.
func triageCorpus(t *testing.T) (string, *corpus.Truth) {
	t.Helper()
	dir := t.TempDir()
	sc, ok := corpus.ScenarioByName("blank-charset-12007")
	if !ok {
		t.Fatal("corpus has no blank-charset-12007 scenario")
	}
	truth, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: 120, Seed: 3, Evidence: true, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	return dir, truth
}

func TestTriageJSONPutsTheNamedCulpritFirstThenConclusions(t *testing.T) {
	dir, truth := triageCorpus(t)
	out, errOut, code := runCLI(t, "", "triage", "--format", "json", "--evidence-tz", "UTC-5",
		filepath.Join(dir, "IN"), filepath.Join(dir, "OUT"), "--evidence", filepath.Join(dir, "evidence"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var first struct {
		Type, Path, Verdict string
		Schema, Rank        int
		Reasons             []struct{ Kind, Detail string }
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Type != "suspect" || first.Schema != 1 || first.Rank != 1 || first.Verdict != "prime-suspect" ||
		filepath.ToSlash(first.Path) != filepath.ToSlash(filepath.Join(dir, truth.Culprits[0])) {
		t.Fatalf("first record %+v, want the culprit %s as prime suspect", first, truth.Culprits[0])
	}
	suspects, conclusions := 0, 0
	for _, l := range lines {
		var rec struct{ Type string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		switch rec.Type {
		case "suspect":
			if conclusions > 0 {
				t.Fatal("a suspect record after a conclusion record")
			}
			suspects++
		case "conclusion":
			conclusions++
		}
	}
	if suspects != len(truth.Files) {
		t.Errorf("%d suspect records, want one per message (%d); json ignores --top", suspects, len(truth.Files))
	}
}

// Only files given with --evidence are evidence: the evidence files the
// corpus leaves inside the queue folder are listed, every one, and said
// not to be used; given with --evidence, each file's accounting heads the
// table and the named culprit is rank 1.
func TestTriageUsesOnlyTheEvidenceGiven(t *testing.T) {
	dir, truth := triageCorpus(t)
	name := filepath.Base(truth.Culprits[0])
	out, errOut, code := runCLI(t, "", "triage", "--evidence-tz", "-05:00", "--top", "3", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(errOut, "NOT used as evidence") {
		t.Errorf("no notice that the evidence-like files were not used: %q", errOut)
	}
	for _, ev := range truth.Evidence {
		if !strings.Contains(errOut, filepath.Base(ev)) {
			t.Errorf("notice does not list %s: %q", ev, errOut)
		}
	}
	if strings.Contains(out, "prime-suspect") {
		t.Errorf("a prime suspect without evidence:\n%s", out)
	}

	out, errOut, code = runCLI(t, "", "triage", "--evidence-tz", "-05:00", "--top", "3", dir, "--evidence", filepath.Join(dir, "evidence"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if strings.Contains(errOut, "NOT used as evidence") {
		t.Errorf("the evidence given with --evidence is said not to be used: %q", errOut)
	}
	head, suspects, ok := strings.Cut(out, "\nRANK")
	if !ok || !strings.Contains(head, "FILE ") || !strings.Contains(head, " evt ") || !strings.Contains(head, "-05:00") {
		t.Fatalf("no evidence accounting ahead of the suspects:\n%s", out)
	}
	lines := strings.Split(suspects, "\n")
	if len(lines) < 2 || !strings.Contains(lines[1], name) || !strings.Contains(lines[1], "prime-suspect") { // lines[0] is the header
		t.Fatalf("table row 1 is not the culprit %s:\n%s", name, out)
	}
	if !strings.Contains(out, "more not shown") || !strings.Contains(out, "Conclusions:") {
		t.Errorf("want the --top note and the conclusions block:\n%s", out)
	}
}

// TestTriageEvidenceNoticeLeavesOutTheGiven: of the evidence files inside
// the queue folder, the one given with --evidence is read and not listed
// as unused; the others still are.
func TestTriageEvidenceNoticeLeavesOutTheGiven(t *testing.T) {
	dir, truth := triageCorpus(t)
	if len(truth.Evidence) < 2 {
		t.Fatalf("the corpus has %d evidence files, want several", len(truth.Evidence))
	}
	given := filepath.Join(dir, truth.Evidence[0])
	out, errOut, code := runCLI(t, "", "triage", "--evidence-tz", "-05:00", "--top", "1", dir, "--evidence", given)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, filepath.Base(given)) {
		t.Errorf("the evidence accounting does not show %s:\n%s", given, out)
	}
	_, list, ok := strings.Cut(errOut, "NOT used as evidence")
	if !ok {
		t.Fatalf("no notice for the evidence files not given: %q", errOut)
	}
	for _, ev := range truth.Evidence {
		listed := strings.Contains(list, filepath.FromSlash(ev)+"\n")
		if listed != (ev != truth.Evidence[0]) {
			t.Errorf("%s listed as not used: %v; only %s was given:\n%s", ev, listed, truth.Evidence[0], list)
		}
	}
}

func TestTriageExitCodes(t *testing.T) {
	dir, _ := triageCorpus(t)
	in := filepath.Join(dir, "IN")
	if _, _, code := runCLI(t, "", "triage", "--fail-on", "crash", in); code != exitFindings {
		t.Errorf("--fail-on crash with a blank-charset message: exit %d, want 3", code)
	}
	out, errOut, code := runCLI(t, "", "triage", in, "--evidence", filepath.Join(dir, "no-such.evt"))
	if code != exitPartial || !strings.Contains(errOut, "no-such.evt") || !strings.Contains(out, "RANK") {
		t.Errorf("missing evidence: exit %d, stderr %q; want 4 after printing the table", code, errOut)
	}
	for _, args := range [][]string{{"triage"}, {"triage", "--evidence-tz", "Mars/Olympus", in}, {"triage", "--top", "-1", in}, {"triage", "--format", "xml", in}} {
		if _, _, code := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestParseZoneAcceptsIANANamesAndOffsets(t *testing.T) {
	when := time.Date(2001, 3, 14, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]int{"UTC-5": -5 * 3600, "+01:00": 3600, "-0500": -5 * 3600, "GMT+5:30": 5*3600 + 1800, "utc": 0, "America/New_York": -5 * 3600} {
		loc, err := parseZone(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if _, off := when.In(loc).Zone(); off != want {
			t.Errorf("%q: offset %d, want %d", in, off, want)
		}
	}
	for _, bad := range []string{"UTC-25", "Nowhere/City", "+5:99"} {
		if _, err := parseZone(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if loc, _ := parseZone(""); loc != time.Local {
		t.Error(`"" is not the local zone`)
	}
}
