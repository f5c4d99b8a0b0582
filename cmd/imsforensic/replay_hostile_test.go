package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayOperatorMistakesLeaveEvidenceAlone points replay at the
// evidence itself, the mistakes SECURITY.md names: the quarantined TempIMS
// folder given as the imcdata: target, a Pickup or Replay target inside the
// evidence, and a journal that is one of the evidence files. Whatever the
// the command refuses with a usage error (exit 2), no evidence file
// changes and no file appears among the evidence (DESIGN.md section 4,
// item 1). The KB Q197792 layout, TempIMS inside the Imcdata target, is
// not a mistake and must run.
func TestReplayOperatorMistakesLeaveEvidenceAlone(t *testing.T) {
	cases := []struct {
		name string
		args func(ev string) []string
	}{
		{"imcdata target is the evidence folder", func(ev string) []string {
			return []string{"--to", "imcdata:" + ev, "--journal", filepath.Join(t.TempDir(), "j.jsonl")}
		}},
		{"pickup target inside the evidence", func(ev string) []string {
			return []string{"--to", "pickup:" + filepath.Join(ev, "IN"), "--journal", filepath.Join(t.TempDir(), "j.jsonl")}
		}},
		{"replay-dir target inside the evidence", func(ev string) []string {
			return []string{"--to", "replay-dir:" + filepath.Join(ev, "OUT"), "--journal", filepath.Join(t.TempDir(), "j.jsonl")}
		}},
		{"journal is an evidence file", func(ev string) []string {
			return []string{"--to", "replay-dir:" + t.TempDir(), "--journal", filepath.Join(ev, "IN", "NQ1NQYQK")}
		}},
		{"default journal beside a target inside the evidence", func(ev string) []string {
			return []string{"--to", "imcdata:" + ev}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := sampleCopy(t)
			before := snapshot(t, ev)
			args := append([]string{"replay", ev, "--format", "json"}, c.args(ev)...)
			out, errOut, code := runCLI(t, "", args...)
			evidenceUnchanged(t, before, snapshot(t, ev))
			if code != exitUsage {
				t.Errorf("exit %d, want %d (refused)\nstdout:\n%s\nstderr:\n%s", code, exitUsage, out, errOut)
			}
		})
	}
	t.Run("TempIMS inside the Imcdata target is the KB layout", func(t *testing.T) {
		ev := sampleCopy(t) // .../TempIMS
		imc := filepath.Dir(ev)
		for _, d := range []string{"IN", "OUT"} {
			if err := os.MkdirAll(filepath.Join(imc, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		before := snapshot(t, ev)
		out, errOut, code := runCLI(t, "", "replay", ev, "--to", "imcdata:"+imc, "--journal", filepath.Join(t.TempDir(), "j.jsonl"), "--format", "json")
		if code != exitOK && code != exitRefused {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		if !strings.Contains(out, `"result":"ok"`) {
			t.Errorf("nothing written into %s:\n%s", imc, out)
		}
		after := snapshot(t, ev)
		for p, s := range before {
			if after[p] != s {
				t.Errorf("evidence %s changed", p)
			}
		}
	})
}
