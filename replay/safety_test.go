package replay

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/model"
)

// TestRunRefusesOutputsInsideEvidence is the library half of finding 1 of
// issue #14: the guard used to live in the command, so a program calling
// Run could replay into the evidence or journal onto a spool file. Run
// now refuses, with or without Sources, and nothing among the evidence
// changes.
func TestRunRefusesOutputsInsideEvidence(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	m := writeSpool(t, ev, "IN", model.QueueIN, "NQ1NQYQK", body1, "")
	before := snapshot(t, ev)
	cases := []struct {
		name    string
		target  func() Target
		journal string
		sources []string
	}{
		{"pickup target inside the queue folder", func() Target { tg, _ := NewPickupTarget(filepath.Join(ev, "OUT"), PickupOptions{}); return tg }, filepath.Join(t.TempDir(), "j"), nil},
		{"imcdata target is the evidence", func() Target { tg, _ := NewImcdataTarget(ev, ImcdataOptions{}); return tg }, filepath.Join(t.TempDir(), "j"), nil},
		{"journal is the spool file", func() Target { tg, _ := NewImcdataTarget(imc, ImcdataOptions{}); return tg }, m.Path, nil},
		{"journal inside a named source", func() Target { tg, _ := NewImcdataTarget(imc, ImcdataOptions{}); return tg }, filepath.Join(ev, "j.jsonl"), []string{ev}},
		{"replay-dir inside a named source", func() Target { tg, _ := NewReplayDirTarget(filepath.Join(ev, "IN")); return tg }, filepath.Join(t.TempDir(), "j"), []string{ev}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.MkdirAll(filepath.Join(ev, "OUT"), 0o755)
			_, err := Run(ctx, []*model.Message{m}, c.target(), Options{JournalPath: c.journal, Sources: c.sources}, nil)
			if !errors.Is(err, guard.ErrInsideEvidence) {
				t.Fatalf("Run = %v, want guard.ErrInsideEvidence", err)
			}
			os.Remove(filepath.Join(ev, "OUT"))
			sameSnapshot(t, "evidence", before, snapshot(t, ev))
		})
	}
}

// TestQueueDatPolicyLivesInReplay: a library caller cannot pass a
// --queue-dat policy that the command would refuse.
func TestQueueDatPolicyLivesInReplay(t *testing.T) {
	ev, imc := newImcdata(t)
	m := writeSpool(t, ev, "IN", model.QueueIN, "NQ1NQYQK", body1, "")
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	if _, err := Run(context.Background(), []*model.Message{m}, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j"), QueueDat: "delete"}, nil); !errors.Is(err, ErrBadTarget) {
		t.Fatalf("QueueDat delete: %v, want ErrBadTarget", err)
	}
	pk, _ := NewPickupTarget(t.TempDir(), PickupOptions{})
	if _, err := Run(context.Background(), []*model.Message{m}, pk, Options{JournalPath: filepath.Join(t.TempDir(), "j"), QueueDat: QueueDatRename}, nil); !errors.Is(err, ErrBadTarget) {
		t.Fatalf("QueueDat on pickup: %v, want ErrBadTarget", err)
	}
}

// TestSourceFilesAreSelectedByName: a file named among Sources releases
// its crash-class suspect with IncludeSuspects; one found in a named
// folder does not.
func TestSourceFilesAreSelectedByName(t *testing.T) {
	ev, imc := newImcdata(t)
	a := writeSpool(t, ev, "IN", model.QueueIN, "KPFYCMQB", body1, "blank-charset")
	b := writeSpool(t, ev, "IN", model.QueueIN, "3XDW6BQJ", body1, "tnef-truncated")
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	sum, err := Run(context.Background(), []*model.Message{a, b}, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j"), IncludeSuspects: true, Sources: []string{filepath.Join(ev, "IN"), a.Path}}, nil)
	if err != nil || sum.Written != 1 || sum.Held != 1 {
		t.Fatalf("%v %+v", err, sum)
	}
}
