package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imsforensic/imsforensic/model"
)

// jsonLines decodes a command's JSON Lines output.
func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var recs []T
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r T
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		recs = append(recs, r)
	}
	return recs
}

// TestRepairCommand runs repair over the sample TempIMS: one record per
// input, the copies under the queue folders of --out, the copies scan clean
// of crash findings, the inputs untouched, and a second run the same.
func TestRepairCommand(t *testing.T) {
	dir := sampleCopy(t)
	out := filepath.Join(t.TempDir(), "fixed")
	before := snapshot(t, dir)
	stdout, stderr, code := runCLI(t, "", "repair", "--format", "json", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := jsonLines[model.RepairRecord](t, stdout)
	if len(recs) != 8 {
		t.Fatalf("%d records, want one per input (8)", len(recs))
	}
	repaired := 0
	for _, r := range recs {
		if r.Type != "repair" || r.Schema != 1 || r.SHA256Before == "" || r.Changes == nil || r.Remaining == nil {
			t.Errorf("incomplete record %+v", r)
		}
		if r.Status != model.RepairRepaired {
			if r.Out != "" {
				t.Errorf("%s: %s with a copy", r.Path, r.Status)
			}
			continue
		}
		repaired++
		rel, _ := filepath.Rel(dir, r.Path)
		if want := filepath.Join(out, rel); r.Out != want {
			t.Errorf("copy of %s at %s, want %s", r.Path, r.Out, want)
		}
		if _, err := os.Stat(r.Out); err != nil {
			t.Error(err)
		}
	}
	if repaired == 0 {
		t.Fatalf("nothing repaired in the sample: %s", stdout)
	}
	if after := snapshot(t, dir); !cmp.Equal(before, after) {
		t.Errorf("inputs changed: %s", cmp.Diff(before, after))
	}
	stdout2, _, code := runCLI(t, "", "repair", "--format", "json", dir, "--out", out)
	if code != 0 || stdout2 != stdout {
		t.Errorf("second run: exit %d, output differs: %s", code, cmp.Diff(stdout, stdout2))
	}
	sout, _, code := runCLI(t, "", "scan", "--format", "json", "--select", "class=crash", out)
	if code != 0 || strings.TrimSpace(sout) != "" {
		t.Errorf("crash findings left in the copies (exit %d): %s", code, sout)
	}
	// --out inside an input folder is refused before anything is written.
	inside := filepath.Join(dir, "IN", "fixed")
	if _, stderr, code := runCLI(t, "", "repair", dir, "--out", inside); code != exitUsage || !strings.Contains(stderr, "inside the input folder") {
		t.Errorf("--out inside the input: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(inside); err == nil {
		t.Errorf("%s was created", inside)
	}
}

// TestTriageHTMLRepairLine: the HTML report's suspect cards say what repair
// would do, as the issue asks ("repairable: blank-charset -> us-ascii"),
// and writing the report writes no repaired copy anywhere.
func TestTriageHTMLRepairLine(t *testing.T) {
	dir := sampleCopy(t)
	before := snapshot(t, dir)
	html := filepath.Join(t.TempDir(), "r.html")
	if _, stderr, code := runCLI(t, "", "triage", dir, "--html", html); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `<p class="repair">repairable: blank-charset -&gt; us-ascii`) {
		t.Errorf("no repairable line for the blank-charset suspect in the report")
	}
	if after := snapshot(t, dir); !cmp.Equal(before, after) {
		t.Errorf("inputs changed: %s", cmp.Diff(before, after))
	}
}

// A file of other content under a copy's name in --out is kept, never
// replaced (two concurrent runs of the same repair write the same copies,
// so they are both fine); that input is reported with the reason, the
// others are done, and the closing line says what went wrong instead of
// "could not be read".
func TestRepairKeepsAnOtherFileInOut(t *testing.T) {
	dir := sampleCopy(t)
	out := filepath.Join(t.TempDir(), "fixed")
	stdout, stderr, code := runCLI(t, "", "repair", "--format", "json", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var victim string
	for _, r := range jsonLines[model.RepairRecord](t, stdout) {
		if r.Status == model.RepairRepaired {
			victim = r.Out
			break
		}
	}
	if victim == "" {
		t.Fatal("nothing repaired in the sample")
	}
	precious := []byte("an admin's own file, not ours\r\n")
	if err := os.WriteFile(victim, precious, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = runCLI(t, "", "repair", "--format", "json", dir, "--out", out)
	if code != exitPartial {
		t.Errorf("exit %d, want %d (partial)", code, exitPartial)
	}
	if got, _ := os.ReadFile(victim); string(got) != string(precious) {
		t.Errorf("the file in --out was replaced: %q", got)
	}
	failed := 0
	for _, r := range jsonLines[model.RepairRecord](t, stdout) {
		if r.Status == model.RepairError {
			failed++
			if !strings.Contains(r.Error, "exists with other content") {
				t.Errorf("reason %q", r.Error)
			}
		}
	}
	if failed != 1 || !strings.Contains(stderr, "1 input not done") || strings.Contains(stderr, "could not be read (listed above)") {
		t.Errorf("%d failed; stderr:\n%s", failed, stderr)
	}
}
