package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/model"
)

// Tests of what a newcomer following the README meets when a step goes
// wrong: each error says what happened and what to do, with the exit code
// of the one table.

// TestDryRunIntoAMissingFolderSaysSo: a --dry-run into a target folder
// that does not exist (a typo) is said once, as the run itself says it
// (exit 1), not as a row per message "failed" with exit 0; a file given
// as the folder likewise.
func TestDryRunIntoAMissingFolderSaysSo(t *testing.T) {
	src := sampleCopy(t)
	missing := filepath.Join(t.TempDir(), "Imcdata")
	for _, scheme := range []string{"imcdata:", "pickup:", "replay-dir:"} {
		args := []string{"replay", src, "--to", scheme + missing, "--journal", filepath.Join(t.TempDir(), "j.jsonl")}
		out, errOut, code := runCLI(t, "", append(args, "--dry-run")...)
		if code != exitError || !strings.Contains(errOut, missing+": no such file or folder") || strings.Contains(out, "failed") {
			t.Errorf("%s --dry-run: exit %d, want 1 and the folder named once\nstdout %s\nstderr %s", scheme, code, out, errOut)
		}
		_, runErr, runCode := runCLI(t, "", args...)
		// The run names its journal first; its error line is the same.
		if runCode != code || !strings.HasSuffix(runErr, errOut) {
			t.Errorf("%s: the run says %q (exit %d), the dry run %q (exit %d): want the same", scheme, runErr, runCode, errOut, code)
		}
	}
	file := filepath.Join(t.TempDir(), "Imcdata")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "", "replay", src, "--to", "imcdata:"+file, "--dry-run")
	if code != exitError || !strings.Contains(errOut, "is not a folder") {
		t.Errorf("--dry-run into a file: exit %d, stderr %q", code, errOut)
	}
}

// TestDryRunThatCouldNotPlanIsNotSuccess: a dry run exits 0 only when the
// plan could be made: a refusal is part of a plan (0), a message that
// could not be planned is not (5, as the help's table says).
func TestDryRunThatCouldNotPlanIsNotSuccess(t *testing.T) {
	g := &globals{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}
	opts := &replayOptions{dryRun: true, format: "table"}
	flush := func() error { return nil }
	if err := finishReplay(g, opts, model.ReplaySummary{Planned: 3, Refused: 1}, nil, flush); err != nil {
		t.Errorf("a plan with a refusal: %v, want success", err)
	}
	err := finishReplay(g, opts, model.ReplaySummary{Planned: 3, Failed: 2}, nil, flush)
	if code := exitCode(t.Context(), err); code != exitRefused || !strings.Contains(humanError(err), "2 messages could not be planned") {
		t.Errorf("a plan that failed for 2 messages: exit %d, %v; want 5", code, err)
	}
}

// TestRedactMissingKeyFileSaysWhatGoesInIt: the README's --key-file
// key.txt is the user's own secret: when it is missing the line names the
// flag and says what to write there (exit 2), not only "no such file".
func TestRedactMissingKeyFileSaysWhatGoesInIt(t *testing.T) {
	src := sampleCopy(t)
	key := filepath.Join(t.TempDir(), "key.txt")
	_, errOut, code := runCLI(t, "", "redact", src, "--out", filepath.Join(t.TempDir(), "out"), "--key-file", key)
	if code != exitUsage || !strings.Contains(errOut, "--key-file "+key+": no such file") || !strings.Contains(errOut, "a secret of your own") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if err := os.WriteFile(key, []byte("\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "", "redact", src, "--out", filepath.Join(t.TempDir(), "out"), "--key-file", key)
	if code != exitUsage || !strings.Contains(errOut, "is empty") || !strings.Contains(errOut, "a secret of your own") {
		t.Errorf("an empty key file: exit %d, stderr %q", code, errOut)
	}
}

// TestSinkPortInUseSaysWhatToDo: a second sink on a port in use (another
// store) fails with exit 1 saying what to do, and never claims it was
// listening.
func TestSinkPortInUseSaysWhatToDo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, errOut, code := runCLI(t, "", "sink", "--listen", l.Addr().String(), "--store", filepath.Join(t.TempDir(), "store"))
	if code != exitError || !strings.Contains(errOut, "cannot listen on "+l.Addr().String()) || !strings.Contains(errOut, "--listen 127.0.0.1:PORT") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(errOut, "listening on") {
		t.Errorf("said it listened:\n%s", errOut)
	}
}

// TestReadmeWalkthroughNumbersAreTheCorpus: the README's incident
// walk-through quotes what the generated incident gives (the scan's totals
// line, its rank 1, what the SMTP replay holds and refuses): a newcomer who
// makes that corpus sees those numbers and that file, or the README is
// wrong.
func TestReadmeWalkthroughNumbersAreTheCorpus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(b)), " ")
	const gen = "imsforensic corpus --out TempIMS --messages 2000 --evidence"
	totals := regexp.MustCompile("`(Totals: [^`]+)` for the queue of `" + regexp.QuoteMeta(gen) + "`").FindStringSubmatch(readme)
	rank1 := regexp.MustCompile("`" + regexp.QuoteMeta(gen) + "` writes such a queue.*?its rank 1 is `IN\\\\(\\w+)`").FindStringSubmatch(readme)
	replayed := regexp.MustCompile(`the SMTP replay holds the (\d+) suspects and refuses (\d+) messages`).FindStringSubmatch(readme)
	if totals == nil || rank1 == nil || replayed == nil {
		t.Fatalf("the README no longer quotes the totals (%v), the rank 1 (%v) or the replay (%v) of %q", totals != nil, rank1 != nil, replayed != nil, gen)
	}

	dir := filepath.Join(t.TempDir(), "TempIMS")
	if _, errOut, code := runCLI(t, "", "corpus", "--out", dir, "--messages", "2000", "--evidence"); code != exitOK {
		t.Fatalf("corpus: exit %d: %s", code, errOut)
	}
	out, errOut, code := runCLI(t, "", "scan", dir)
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, totals[1]+"\n") {
		t.Errorf("the README says %q; scan says:\n%s", totals[1], out[strings.LastIndex(out, "Totals"):])
	}
	b, err = os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct{ Culprits []string }
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	if len(truth.Culprits) != 1 || truth.Culprits[0] != "IN/"+rank1[1] {
		t.Errorf("the README's rank 1 is IN\\%s, the corpus's culprits (truth.json) %v", rank1[1], truth.Culprits)
	}
	out, errOut, code = runCLI(t, "", "replay", dir, "--to", "smtp://127.0.0.1:1", "--dry-run")
	want := "held " + replayed[1] + ", refused " + replayed[2] + ", failed 0"
	if code != exitOK || !strings.Contains(out, want) {
		t.Errorf("replay --dry-run: exit %d, want %q in:\n%s\n%s", code, want, out[strings.LastIndex(out, "planned"):], errOut)
	}
}

// TestCopiesIntoAnUsedOutSayWhy: redact run again into the same --out
// without a key draws another key, so its copies differ from the ones
// there: nothing is replaced, and the run says why and what to do, not
// that the inputs "could not be read". The same key adds to them (exit 0),
// and repair says the same of a different file in its way.
func TestCopiesIntoAnUsedOutSayWhy(t *testing.T) {
	src := sampleCopy(t)
	out := filepath.Join(t.TempDir(), "ForVendor")
	if _, errOut, code := runCLI(t, "", "redact", src, "--out", out); code != exitOK {
		t.Fatalf("redact: exit %d: %s", code, errOut)
	}
	_, errOut, code := runCLI(t, "", "redact", src, "--out", out)
	if code != exitPartial || !strings.Contains(errOut, "already holds different files of those names (made with another key") ||
		!strings.Contains(errOut, "Give a new --out folder") || strings.Contains(errOut, "check the paths and permissions") {
		t.Errorf("redact again without a key: exit %d, stderr:\n%s", code, errOut)
	}
	keyed := filepath.Join(t.TempDir(), "Keyed")
	for i := 0; i < 2; i++ {
		if _, errOut, code := runCLI(t, "", "redact", src, "--out", keyed, "--key", "k"); code != exitOK {
			t.Errorf("redact --key k, run %d: exit %d: %s", i+1, code, errOut)
		}
	}

	rep := filepath.Join(t.TempDir(), "Repaired")
	if _, errOut, code := runCLI(t, "", "repair", src, "--out", rep); code != exitOK {
		t.Fatalf("repair: exit %d: %s", code, errOut)
	}
	copies, err := filepath.Glob(filepath.Join(rep, "*", "*"))
	if err != nil || len(copies) == 0 {
		t.Fatalf("no repaired copy in %s (%v)", rep, err)
	}
	if err := os.WriteFile(copies[0], []byte("another file\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "", "repair", src, "--out", rep)
	if code != exitPartial || !strings.Contains(errOut, "1 copy was not written") || !strings.Contains(errOut, "nothing there was replaced") {
		t.Errorf("repair over a changed copy: exit %d, stderr:\n%s", code, errOut)
	}
	if b, _ := os.ReadFile(copies[0]); string(b) != "another file\r\n" {
		t.Errorf("the file in --out was replaced")
	}
}

// TestSinkStoppedWithCtrlCIsSuccess: Ctrl-C (a cancelled context, as
// main's signal handler makes it) is the sink's normal stop once it
// listens: exit 0, as its --help says.
func TestSinkStoppedWithCtrlCIsSuccess(t *testing.T) {
	out, _, _ := runCLI(t, "", "sink", "--help")
	if !strings.Contains(out, "0    success: stopped with Ctrl-C or SIGTERM once listening") {
		t.Errorf("sink --help does not say how it ends:\n%s", out)
	}
	store := filepath.Join(t.TempDir(), "store")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	g := &globals{stdout: io.Discard, stderr: io.Discard, stdin: strings.NewReader("")}
	done := make(chan error, 1)
	go func() { done <- run(ctx, g, []string{"sink", "--listen", "127.0.0.1:0", "--store", store}) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The lock is taken once the store is open, just before the
		// sink listens.
		if _, err := os.Stat(filepath.Join(store, ".lock")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sink did not open its store")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if code := exitCode(ctx, err); code != exitOK {
			t.Errorf("sink stopped with Ctrl-C: exit %d (%v), want 0", code, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the sink did not stop within 5 s of Ctrl-C")
	}
}

// TestOverviewNamesTheFirstSteps: 'imsforensic --help' names where a
// newcomer starts (a command's --help, the demo) and --version, which
// works.
func TestOverviewNamesTheFirstSteps(t *testing.T) {
	out, _, code := runCLI(t, "", "--help")
	folded := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"'imsforensic COMMAND --help'", "'imsforensic demo'", "'imsforensic --version'"} {
		if code != exitOK || !strings.Contains(folded, want) {
			t.Errorf("the overview (exit %d) lacks %s:\n%s", code, want, out)
		}
	}
	if out, _, code := runCLI(t, "", "--version"); code != exitOK || !strings.HasPrefix(out, "imsforensic ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

// TestBisectCreatesNothingInTheEvidence: a per-user state folder that
// lies inside the evidence (XDG_STATE_HOME, or LOCALAPPDATA on Windows,
// pointing into the copied queue) makes bisect refuse its default
// journal (exit 2), and the folder is not created there first: no command
// writes into an input folder.
func TestBisectCreatesNothingInTheEvidence(t *testing.T) {
	src := sampleCopy(t)
	state := filepath.Join(src, "IN", "state")
	stateFolder(t, state)
	_, errOut, code := runCLI(t, "", "bisect", src, "--probe", trueProbe)
	if code != exitUsage || !strings.Contains(errOut, "inside the input folder") {
		t.Errorf("exit %d, stderr %q; want 2 and the refusal", code, errOut)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("bisect created %s inside the evidence (%v)", state, err)
	}
}

// TestBisectJournalIsLockedForTheRun: a second bisect on a journal
// another run holds is refused (exit 1), naming the holder and what to
// do, and appends nothing: two runs would test every group twice and
// leave a journal no resume can read.
func TestBisectJournalIsLockedForTheRun(t *testing.T) {
	src := sampleCopy(t)
	journal := filepath.Join(t.TempDir(), "b.jsonl")
	held, err := lock.Acquire(t.Context(), journal+".lock", "the journal "+journal, false)
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "", "bisect", src, "--probe", "true {}", "--journal", journal)
	if code != exitError || !strings.Contains(errOut, "is in use by") || !strings.Contains(errOut, "give another --journal") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Errorf("the refused run wrote the journal (%v)", err)
	}
	held.Unlock()
	if _, errOut, code := runCLI(t, "", "bisect", src, "--probe", "true {}", "--journal", journal); code != exitOK {
		t.Errorf("once released: exit %d, %s", code, errOut)
	}
}

// TestReadmeJSONRecordIsScans: the README's scan record is what scan
// writes for that file of the committed sample: every key it shows has
// the value scan gives ("…" stands for any value, the path is the end of
// scan's).
func TestReadmeJSONRecordIsScans(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)`imsforensic scan --format json testdata/sample-tempims`.*?```json\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("the README no longer shows a scan record of testdata/sample-tempims")
	}
	var want map[string]any
	if err := json.Unmarshal(m[1], &want); err != nil {
		t.Fatalf("the README's record is not JSON: %v\n%s", err, m[1])
	}
	src := sampleCopy(t)
	out, errOut, code := runCLI(t, "", "scan", "--format", "json", src)
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatal(err)
		}
		if got["name"] != want["name"] {
			continue
		}
		wantPath := strings.TrimPrefix(want["path"].(string), "testdata/sample-tempims/")
		if !strings.HasSuffix(filepath.ToSlash(got["path"].(string)), "/"+wantPath) {
			t.Errorf("path %v, the README's %v", got["path"], want["path"])
		}
		delete(want, "path")
		jsonSubset(t, "", want, got)
		return
	}
	t.Errorf("scan has no record named %v", want["name"])
}

// jsonSubset fails for each value of want that got does not hold.
func jsonSubset(t *testing.T, at string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: the README has an object, scan %v", at, got)
			return
		}
		for k, v := range w {
			jsonSubset(t, at+"."+k, v, g[k])
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: the README has %v, scan %v", at, want, got)
			return
		}
		for i := range w {
			jsonSubset(t, fmt.Sprintf("%s[%d]", at, i), w[i], g[i])
		}
	default:
		if want != "…" && want != got {
			t.Errorf("%s: the README has %v, scan %v", at, want, got)
		}
	}
}

// TestReadmeNamesWhatTestShInstalls: the README says which Debian
// packages scripts/test.sh installs; each need+= line of the script is
// named there, so a newcomer on a machine without network access knows
// what to bring.
func TestReadmeNamesWhatTestShInstalls(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "test.sh"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := regexp.MustCompile(`need\+=\(([a-z0-9.+-]+)\)`).FindAllSubmatch(script, -1)
	if len(pkgs) < 5 {
		t.Fatalf("scripts/test.sh has %d need+= lines; the test reads them wrongly", len(pkgs))
	}
	for _, p := range pkgs {
		if !bytes.Contains(readme, []byte("`"+string(p[1])+"`")) {
			t.Errorf("scripts/test.sh installs %s; the README does not name it", p[1])
		}
	}
}

// TestCorpusUnknownPoisonListsWhatItPlants: an ID the generator cannot
// plant is exit 2 with the IDs it can (each a rule of the README's
// table), not a pointer to a file the repository does not hold.
func TestCorpusUnknownPoisonListsWhatItPlants(t *testing.T) {
	_, errOut, code := runCLI(t, "", "corpus", "--out", filepath.Join(t.TempDir(), "q"), "--poison", "no-such-rule")
	m := regexp.MustCompile(`cannot plant "no-such-rule"; it plants (.*?) \(see`).FindStringSubmatch(errOut)
	if code != exitUsage || m == nil || strings.Contains(errOut, "poison-rules.md") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Split(m[1], ", ")
	for _, id := range ids {
		if !bytes.Contains(readme, []byte("| `"+id+"` |")) {
			t.Errorf("corpus plants %s, which the README's rule table does not list", id)
		}
	}
	if !slices.Contains(ids, "blank-charset") {
		t.Errorf("the list lacks blank-charset: %v", ids)
	}
}

// TestShowSaysWhereALongHeaderIsWhole: show's table shortens a header
// value over 200 characters, as its --help says, and --format json has
// it whole.
func TestShowSaysWhereALongHeaderIsWhole(t *testing.T) {
	subject := strings.Repeat("word ", 60) + "END"
	msg := filepath.Join(t.TempDir(), "long.eml")
	body := "From: a@example.com\r\nTo: b@example.com\r\nSubject: " + subject + "\r\n\r\nhi\r\n"
	if err := os.WriteFile(msg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	help, _, _ := runCLI(t, "", "show", "--help")
	if !strings.Contains(strings.Join(strings.Fields(help), " "), "--format json has every header field whole") {
		t.Errorf("show --help does not say where a long header is whole:\n%s", help)
	}
	table, errOut, code := runCLI(t, "", "show", "--wide", msg)
	if code != exitOK || !strings.Contains(table, "…") || strings.Contains(table, "END") {
		t.Errorf("table: exit %d (%s), want the Subject shortened:\n%s", code, errOut, table)
	}
	js, _, code := runCLI(t, "", "show", "--format", "json", msg)
	if code != exitOK || !strings.Contains(js, subject) {
		t.Errorf("json: exit %d, want the whole Subject:\n%s", code, js)
	}
}

// TestSwaksConnectExitSaysWhatToDo: with --exit-codes swaks, a server
// that cannot be reached is swaks's exit 2, and the line says to start
// the lab sink, not to read --help as for a usage error.
func TestSwaksConnectExitSaysWhatToDo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	msg := filepath.Join(sampleCopy(t), "IN", "NQ1NQYQK")
	_, errOut, code := runCLI(t, "", "replay", msg, "--include-suspects", "--to", "smtp://"+addr, "--exit-codes", "swaks",
		"--journal", filepath.Join(t.TempDir(), "j.jsonl"))
	if code != 2 || !strings.Contains(errOut, "cannot connect to smtp://"+addr) || strings.Contains(errOut, "--help") {
		t.Errorf("exit %d, stderr %q; want swaks's 2 and what to do", code, errOut)
	}
}
