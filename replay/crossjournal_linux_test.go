//go:build linux

package replay

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// TestOtherSourcesAfterSIGKILL: a replay of TempIMS into the sink is
// SIGKILLed at a seeded random point; then TempIMS/IN is replayed (a
// journal of its own, beside the first), then the killed replay is run
// again to its end. Nothing reaches the sink twice (it counts every
// repeated ENVID, which another server would have stored): a message the
// killed run delivered is skipped by the IN run, one it left in doubt is
// refused by both, and the resumed run skips what the IN run sent. Every
// message is stored once, but those in doubt: once or not at all.
func TestOtherSourcesAfterSIGKILL(t *testing.T) {
	const n = 120 // four batches of 32 (batch.go): kills between them
	root := killTestRoot(t)
	ev := filepath.Join(root, "TempIMS")
	for i := range n {
		q := model.QueueIN
		if i%3 == 0 {
			q = model.QueueOUT
		}
		writeSpool(t, ev, q, q, fmt.Sprintf("M%07d", i), body1+strings.Repeat(fmt.Sprintf("line of message %d\r\n", i), 20+i*7), "")
	}
	msgs := crashEvidence(t, ev)
	var in []*model.Message
	for _, m := range msgs {
		if m.Queue == model.QueueIN {
			in = append(in, m)
		}
	}
	rng := rand.New(rand.NewPCG(197792, 3461))
	kills := 0
	for scenario := range 6 {
		sink, store := crashSink(t, filepath.Join(root, fmt.Sprintf("sink%d", scenario)))
		where := "smtp://" + sink.Addr().String()
		dir := filepath.Join(root, fmt.Sprintf("journals%d", scenario))
		mustMkdir(t, dir)
		journal := filepath.Join(dir, "TempIMS.jsonl")
		child := func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestReplayCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "IMSF_CRASH_CHILD=1", "IMSF_KIND=smtp", "IMSF_TARGET="+where,
				"IMSF_EVIDENCE="+ev, "IMSF_JOURNAL="+journal, "IMSF_CONCURRENCY=1")
			return cmd
		}
		killed, err := killChildAtRandom(child(), journal, rng, 3*n)
		if err != nil {
			t.Fatal(err)
		}
		if killed {
			kills++
		}

		tg, err := NewSMTPTarget(where, SMTPOptions{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := Run(context.Background(), in, tg, Options{Sources: []string{filepath.Join(ev, model.QueueIN)}, JournalPath: filepath.Join(dir, "IN.jsonl")}, nil)
		tg.Close()
		if err != nil || sum.Failed != 0 || sum.Written+sum.Skipped+sum.Refused != len(in) {
			t.Fatalf("scenario %d: replay TempIMS/IN: %+v, %v", scenario, sum, err)
		}
		if out, err := child().CombinedOutput(); err != nil {
			t.Fatalf("scenario %d: the killed replay run again: %v\n%s", scenario, err, out)
		}
		if d := sink.Stats().Duplicates; d != 0 {
			t.Fatalf("scenario %d: the sink got %d messages twice", scenario, d)
		}
		verifySinkOnce(t, msgs, store, interruptedRefusals(t, journal, model.ActionSend))
		t.Logf("scenario %d: killed %v; the IN run sent %d, skipped %d, refused %d (in doubt)", scenario, killed, sum.Written, sum.Skipped, sum.Refused)
	}
	if kills == 0 {
		t.Fatal("no run was killed before its end: the scenarios proved nothing")
	}
}
