//go:build linux

package replay

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/model"
)

// loadEvidence describes the spool files under dir/IN and dir/OUT as
// inventory would.
func loadEvidence(t testing.TB, dir string) []*model.Message {
	t.Helper()
	var msgs []*model.Message
	for _, q := range []string{model.QueueIN, model.QueueOUT} {
		ents, err := os.ReadDir(filepath.Join(dir, q))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			p := filepath.Join(dir, q, e.Name())
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, &model.Message{
				Path: p, Name: e.Name(), Queue: q, Format: model.FormatIMSSpool,
				Size: int64(len(b)), SHA256: sha(b), MessageOffset: int64(bytes.Index(b, []byte("EwLs")) + 4),
				Envelope: model.Envelope{From: "<a@b>", To: []string{"<c@d>"}},
			})
		}
	}
	return msgs
}

// TestReplayChild is the replay process the SIGKILL test kills; it does
// nothing unless started by TestReplaySurvivesSIGKILL.
func TestReplayChild(t *testing.T) {
	if os.Getenv("IMSF_REPLAY_CHILD") != "1" {
		t.Skip("helper process for TestReplaySurvivesSIGKILL")
	}
	conc, _ := strconv.Atoi(os.Getenv("IMSF_CONCURRENCY"))
	tg, err := NewImcdataTarget(os.Getenv("IMSF_TARGET"), ImcdataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := loadEvidence(t, os.Getenv("IMSF_EVIDENCE"))
	sum, err := Run(context.Background(), msgs, tg, Options{JournalPath: os.Getenv("IMSF_JOURNAL"), Concurrency: conc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Close(); err != nil {
		t.Fatal(err)
	}
	if sum.Failed+sum.Refused > 0 {
		t.Fatalf("child summary %+v", sum)
	}
}

func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte{'\n'})
}

// TestReplaySurvivesSIGKILL kills a replay into imcdata: at many points
// (after k journal lines, or after a short random delay), reruns it to
// completion, and proves every message is in the target exactly once and
// byte-identical, no temporary file is left, the journal has exactly one
// done-ok record per message, and the evidence is untouched.
func TestReplaySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 200
	root := killTestRoot(t)
	ev := filepath.Join(root, "TempIMS")
	rng := rand.New(rand.NewPCG(1997, 4116))
	for i := range n {
		q := model.QueueIN
		if i%3 == 0 {
			q = model.QueueOUT
		}
		body := body1 + strings.Repeat(fmt.Sprintf("line %d of message %d\r\n", i, i), rng.IntN(2000))
		writeSpool(t, ev, q, q, fmt.Sprintf("M%07d", i), body, "")
	}
	evidenceBefore := snapshot(t, ev)
	msgs := loadEvidence(t, ev)

	kills := 0
	for scenario := 0; kills < 32; scenario++ {
		imc := filepath.Join(root, fmt.Sprintf("Imcdata%d", scenario))
		os.MkdirAll(imc, 0o755)
		journal := filepath.Join(root, fmt.Sprintf("journal%d.jsonl", scenario))
		conc := 1 + scenario%2*3
		child := func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestReplayChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "IMSF_REPLAY_CHILD=1", "IMSF_TARGET="+imc, "IMSF_EVIDENCE="+ev,
				"IMSF_JOURNAL="+journal, "IMSF_CONCURRENCY="+strconv.Itoa(conc))
			return cmd
		}
		for range 16 {
			cmd := child()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			finished := false
			if rng.IntN(4) == 0 {
				// Kill at a random instant, possibly before the plan.
				time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
			} else {
				want := countLines(journal) + 1 + rng.IntN(350)
				for !finished && countLines(journal) < want {
					select {
					case <-exited:
						finished = true
					default:
						time.Sleep(time.Millisecond)
					}
				}
			}
			if finished {
				break // the run completed before the kill point: verify it
			}
			if os.Getenv("IMSF_KILL_TRACE") != "" {
				t.Logf("kill at %d journal lines, %v", countLines(journal), time.Now().Format("05.000"))
			}
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-exited; err == nil {
				break // it finished just before the signal
			}
			kills++
		}
		began := time.Now()
		out, err := child().CombinedOutput()
		t.Logf("scenario %d: final run took %v", scenario, time.Since(began))
		if err != nil {
			t.Fatalf("scenario %d: final run failed: %v\n%s", scenario, err, out)
		}
		verifyExactlyOnce(t, msgs, imc, journal)
	}
	sameSnapshot(t, "after SIGKILLs", evidenceBefore, snapshot(t, ev))
	t.Logf("%d kills survived", kills)
}

func verifyExactlyOnce(t *testing.T, msgs []*model.Message, imc, journal string) {
	t.Helper()
	want := map[string][]byte{}
	for _, m := range msgs {
		b, _ := os.ReadFile(m.Path)
		want[m.Queue+"/"+m.Name] = b
	}
	got := listFiles(t, imc)
	if len(got) != len(want) {
		t.Fatalf("%s holds %d files, want %d", imc, len(got), len(want))
	}
	for _, rel := range got {
		if atomicfile.IsTemp(filepath.Base(rel)) {
			t.Fatalf("temporary file left: %s", rel)
		}
		b, _ := os.ReadFile(filepath.Join(imc, rel))
		w, ok := want[rel]
		if !ok || !bytes.Equal(b, w) {
			t.Fatalf("%s: unexpected or not byte-identical", rel)
		}
	}
	doneOK := map[string]int{}
	for _, r := range readRecords(t, journal) {
		if r.Action == "write" && r.Result == "ok" {
			doneOK[r.Path]++
		}
	}
	for _, m := range msgs {
		if doneOK[m.Path] != 1 {
			t.Fatalf("%s has %d done-ok records, want 1", m.Name, doneOK[m.Path])
		}
	}
}

// killTestRoot is a temporary folder on tmpfs when there is one: SIGKILL
// loses nothing from the page cache, so fsync latency only slows the test
// down without testing anything more (power loss is not simulated here).
func killTestRoot(t *testing.T) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "imsf-kill-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}
