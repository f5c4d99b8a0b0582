package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoOutputInsideEvidence is the command half of finding 1 of issue
// #14: triage --html and simulate --html pointed at a spool file replaced
// it with the report, replay --transcript and bisect --journal appended
// to it, and "cd TempIMS && imsforensic bisect ." wrote its journal into
// the evidence. Each is refused now (exit 2) and the evidence is as it was.
func TestNoOutputInsideEvidence(t *testing.T) {
	journals := stateFolder(t, t.TempDir())
	probe := trueProbe
	cases := []struct {
		name string
		args func(ev, spool string) []string
		cwd  bool // run with the evidence folder as the working folder
	}{
		{"triage --html onto a spool file", func(ev, spool string) []string { return []string{"triage", ev, "--html", spool} }, false},
		{"triage --html into the evidence", func(ev, spool string) []string { return []string{"triage", ev, "--html", filepath.Join(ev, "r.html")} }, false},
		{"triage --html onto an --evidence file", func(ev, spool string) []string {
			return []string{"triage", filepath.Join(ev, "IN"), "--evidence", filepath.Join(ev, "OUT"), "--html", filepath.Join(ev, "OUT", "x.html")}
		}, false},
		{"simulate --html onto a spool file", func(ev, spool string) []string { return []string{"simulate", ev, "--html", spool} }, false},
		{"replay --transcript onto a spool file", func(ev, spool string) []string {
			return []string{"replay", ev, "--to", "smtp://127.0.0.1:1", "--transcript", spool, "--journal", filepath.Join(t.TempDir(), "j.jsonl")}
		}, false},
		{"bisect --journal onto a spool file", func(ev, spool string) []string { return []string{"bisect", ev, "--probe", probe, "--journal", spool} }, false},
		{"repair --out into the evidence", func(ev, spool string) []string { return []string{"repair", ev, "--out", filepath.Join(ev, "fixed")} }, false},
		{"repair --out beside a named IN", func(ev, spool string) []string {
			return []string{"repair", filepath.Join(ev, "IN"), "--out", filepath.Join(ev, "fixed")}
		}, false},
		{"redact --out beside a named spool file", func(ev, spool string) []string {
			return []string{"redact", spool, "--out", filepath.Join(ev, "shared"), "--key", "k"}
		}, false},
		{"bisect . from inside the evidence", func(ev, spool string) []string { return []string{"bisect", ".", "--probe", probe} }, true},
		{"bisect --journal relative, from inside the evidence", func(ev, spool string) []string {
			return []string{"bisect", ".", "--probe", probe, "--journal", "j.jsonl"}
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := sampleCopy(t)
			spool := filepath.Join(ev, "IN", "NQ1NQYQK")
			// A Dr. Watson log among the inputs: a scan says so on stderr,
			// which shows whether the refusal came before the scan.
			drw, err := os.ReadFile(filepath.Join("..", "..", "evidence", "testdata", "Drwtsn32.log"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ev, "Drwtsn32.log"), drw, 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, ev)
			args := c.args(ev, spool)
			var code int
			var out, errOut string
			if c.cwd || args[len(args)-1] == "j.jsonl" {
				out, errOut, code = runCLIIn(t, ev, args...)
			} else {
				out, errOut, code = runCLI(t, "", args...)
			}
			evidenceUnchanged(t, before, snapshot(t, ev))
			if c.cwd {
				if code != exitOK {
					t.Errorf("exit %d, want 0 with the journal outside the evidence\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				if !strings.Contains(errOut, journals) {
					t.Errorf("journal not in the state folder:\n%s", errOut)
				}
				return
			}
			if code != exitUsage || !strings.Contains(errOut, "evidence") {
				t.Errorf("exit %d, want %d (refused)\nstdout:\n%s\nstderr:\n%s", code, exitUsage, out, errOut)
			}
			if strings.Contains(errOut, "look like evidence") {
				t.Errorf("refused only after the scan (its evidence notice came first):\n%s", errOut)
			}
		})
	}
}

// evidenceUnchanged fails t for every evidence file that changed, vanished
// or appeared between two snapshots.
func evidenceUnchanged(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, s := range before {
		if after[p] != s {
			t.Errorf("evidence %s changed or vanished", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("new file among the evidence: %s", p)
		}
	}
}

// runCLIIn is runCLI with dir as the working folder of relative paths.
func runCLIIn(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	return runCLI(t, "", args...)
}

// TestCorpusOutRefusesNonEmptyFolder is finding 6 of issue #14: corpus
// --out into an existing queue mixed synthetic messages into it and
// overwrote its truth.json.
func TestCorpusOutRefusesNonEmptyFolder(t *testing.T) {
	ev := sampleCopy(t)
	before := snapshot(t, ev)
	_, errOut, code := runCLI(t, "", "corpus", "--out", ev, "--messages", "5")
	if code != exitUsage || !strings.Contains(errOut, "not empty") {
		t.Errorf("exit %d, want %d; stderr %s", code, exitUsage, errOut)
	}
	after := snapshot(t, ev)
	if len(after) != len(before) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	for p, s := range before {
		if after[p] != s {
			t.Errorf("%s changed", p)
		}
	}
	empty := t.TempDir()
	if _, errOut, code := runCLI(t, "", "corpus", "--out", empty, "--messages", "5"); code != exitOK {
		t.Errorf("empty folder: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "", "corpus", "--out", filepath.Join(empty, "new"), "--messages", "5"); code != exitOK {
		t.Errorf("new folder: exit %d\n%s", code, errOut)
	}
}

// TestReplayJournalInStateFolder: with no --journal, replay journals into
// the per-user state folder, never the current folder nor beside the
// target, and says where on stderr and in the summary.
func TestReplayJournalInStateFolder(t *testing.T) {
	journals := stateFolder(t, t.TempDir())
	ev := sampleCopy(t)
	pickup := filepath.Join(t.TempDir(), "Imcdata", "Pickup")
	if err := os.MkdirAll(pickup, 0o755); err != nil {
		t.Fatal(err)
	}
	cwd := t.TempDir()
	out, errOut, code := runCLIIn(t, cwd, "replay", ev, "--to", "pickup:"+pickup)
	if code != exitOK && code != exitRefused {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	want := filepath.Join(journals, "replay-pickup-Pickup-")
	if !strings.Contains(errOut, "journal: "+want) || !strings.Contains(out, "journal: "+want) {
		t.Errorf("journal not named in the state folder on stderr and in the summary:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	for _, dir := range []string{cwd, filepath.Dir(pickup), filepath.Dir(filepath.Dir(pickup))} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".jsonl") {
				t.Errorf("journal %s in %s", e.Name(), dir)
			}
		}
	}
}
