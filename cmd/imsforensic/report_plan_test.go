package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTriageReportPlanIsReplaysDryRun: with --plan-to the report's plan
// is a dry run of replay against the target; a Queue.dat there (any case,
// as on NTFS) puts --queue-dat rename in the command, and the dry run
// writes nothing; the evidence files are listed with their accounting.
func TestTriageReportPlanIsReplaysDryRun(t *testing.T) {
	dir, truth := triageCorpus(t)
	live := t.TempDir()
	for _, d := range []string{"IN", "OUT"} {
		if err := os.MkdirAll(filepath.Join(live, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(live, "queue.DAT"), []byte("rebuilt by the IMS"), 0o644); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(t.TempDir(), "report.html")
	_, errOut, code := runCLI(t, "", "triage", "--evidence-tz", "UTC-5", "--plan-to", "imcdata:"+live, "--html", html, dir, "--evidence", filepath.Join(dir, "evidence"))
	if code != 0 {
		t.Fatalf("triage: exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{"a dry run of imsforensic replay against imcdata:" + live, "--to imcdata:" + live + " --queue-dat rename",
		"Queue.dat exists there", `id="evidence"`, "AppEvent.evt", "<td>evt</td>", "times in UTC-5 (UTC-05:00)",
		"rank 1 " + filepath.Base(truth.Culprits[0])} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(live, "queue.DAT")); err != nil {
		t.Errorf("the dry run touched Queue.dat: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(live, "IN")); len(ents) != 0 {
		t.Errorf("the dry run wrote %d file(s) into the target", len(ents))
	}
	// Without a target the command has a placeholder and says when to add
	// the rename.
	_, errOut, code = runCLI(t, "", "triage", "--evidence-tz", "UTC-5", "--html", html, dir, "--evidence", filepath.Join(dir, "evidence"))
	if code != 0 {
		t.Fatalf("triage: exit %d: %s", code, errOut)
	}
	b, _ = os.ReadFile(html)
	if !strings.Contains(string(b), "--to imcdata:DIR") || !strings.Contains(string(b), "add --queue-dat rename if DIR") {
		t.Error("report without --plan-to lacks the placeholder command")
	}
}
