//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/testqueue"
)

// TestBisectKillChild is the bisect process TestBisectKillAndResume kills;
// it does nothing unless started by it.
func TestBisectKillChild(t *testing.T) {
	if os.Getenv("IMSF_BISECT_CHILD") != "1" {
		t.Skip("helper process for TestBisectKillAndResume")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("IMSF_BISECT_ARGS")), &args); err != nil {
		t.Fatal(err)
	}
	g := &globals{stdout: os.Stdout, stderr: os.Stderr, stdin: strings.NewReader("")}
	if err := run(context.Background(), g, args); err != nil {
		t.Fatal(err)
	}
}

// journalRounds counts the answered rounds in a bisect journal, by round.
func journalRounds(path string) map[int]int {
	b, _ := os.ReadFile(path)
	seen := map[int]int{}
	for _, l := range strings.Split(string(b), "\n") {
		var rec struct {
			Type, Phase, Why string
			Round            int
		}
		if json.Unmarshal([]byte(l), &rec) != nil || rec.Type != "bisect-step" || rec.Phase == "isolated" || strings.HasPrefix(rec.Why, "test failed: ") {
			continue
		}
		seen[rec.Round]++
	}
	return seen
}

// TestBisectKillAndResume SIGKILLs a real bisect process twice in the
// middle of its search (a probe that only gives its exit status, so the
// search takes the many rounds of halving by hand), then runs the same
// command with the same --journal to the end. No journaled round is
// tested again (the probe runs at most once per round plus once per kill,
// for the round in flight), every round is in the journal once, and the
// result is the one of an uninterrupted run.
func TestBisectKillAndResume(t *testing.T) {
	dir := t.TempDir()
	want := testqueue.Write(t, dir, 160, 9, 10, 120)
	work := t.TempDir()
	count := filepath.Join(work, "probe-runs")
	probe := fmt.Sprintf(`echo x >> %s; sleep 0.03; ! grep -rqs 'charset=""' {}`, count)
	args := func(journal string) []string {
		return []string{"bisect", "--format", "json", "--probe", probe, "--journal", journal, filepath.Join(dir, "IN")}
	}
	// The uninterrupted run, in this process, for the reference result.
	refOut, errOut, code := runCLI(t, "", args(filepath.Join(work, "ref.jsonl"))...)
	if code != 0 {
		t.Fatalf("reference bisect: exit %d: %s", code, errOut)
	}
	ref := bisectResult(t, refOut)
	if fmt.Sprint(ref.culprits) != fmt.Sprint(want) {
		t.Fatalf("reference run found %v, want %v", ref.culprits, want)
	}
	os.Remove(count)

	journal := filepath.Join(work, "bisect.jsonl")
	aj, _ := json.Marshal(args(journal))
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBisectKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "IMSF_BISECT_CHILD=1", "IMSF_BISECT_ARGS="+string(aj))
		return cmd
	}
	kills := 0
	for _, after := range []int{3, 8} {
		cmd := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(journalRounds(journal)) < after && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child %d was not killed (it ended first: %v); raise the probe's sleep", kills+1, err)
		}
		kills++
	}
	killedAt := len(journalRounds(journal))
	if killedAt >= ref.rounds {
		t.Fatalf("the kills came after the search ended (%d of %d rounds)", killedAt, ref.rounds)
	}
	var out, stderr bytes.Buffer
	cmd := child()
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("resumed bisect: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "resuming from") {
		t.Errorf("the last run did not say it resumed:\n%s", stderr.String())
	}
	got := bisectResult(t, out.String())
	if fmt.Sprint(got.culprits) != fmt.Sprint(ref.culprits) || got.rounds != ref.rounds {
		t.Errorf("after two kills: culprits %v in %d rounds; uninterrupted %v in %d", got.culprits, got.rounds, ref.culprits, ref.rounds)
	}
	if got.resumed < killedAt {
		t.Errorf("summary says %d round(s) read back, the journal held %d", got.resumed, killedAt)
	}
	rounds := journalRounds(journal)
	for r := 1; r <= ref.rounds; r++ {
		if rounds[r] != 1 {
			t.Errorf("journal holds round %d %d time(s), want once", r, rounds[r])
		}
	}
	b, _ := os.ReadFile(count)
	if runs := strings.Count(string(b), "x"); runs > ref.rounds+kills {
		t.Errorf("the probe ran %d times for %d rounds and %d kills: a journaled round was tested again", runs, ref.rounds, kills)
	}
	t.Logf("%d rounds; killed after %d and %d; %d read back", ref.rounds, 3, 8, got.resumed)
}

type bisectOutcome struct {
	culprits []string
	rounds   int
	resumed  int
}

func bisectResult(t *testing.T, out string) bisectOutcome {
	t.Helper()
	var o bisectOutcome
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "{") {
			continue // the child test binary's own PASS line
		}
		var rec struct {
			Type, Path      string
			Rounds, Resumed int
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("bisect output %q: %v", l, err)
		}
		switch rec.Type {
		case "culprit":
			o.culprits = append(o.culprits, rec.Path)
		case "bisect":
			o.rounds, o.resumed = rec.Rounds, rec.Resumed
		}
	}
	sort.Strings(o.culprits)
	return o
}
