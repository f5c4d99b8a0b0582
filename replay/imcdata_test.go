package replay

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func newImcdata(t *testing.T) (evidence, imcdata string) {
	t.Helper()
	root := t.TempDir()
	evidence = filepath.Join(root, "TempIMS")
	imcdata = filepath.Join(root, "Exchsrvr", "Imcdata")
	if err := os.MkdirAll(imcdata, 0o755); err != nil {
		t.Fatal(err)
	}
	return evidence, imcdata
}

func TestImcdataReplayDryRunUndoKeepEvidence(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	msgs := []*model.Message{
		writeSpool(t, ev, "IN", model.QueueIN, "HBWK2Q2P", body1, ""),
		writeSpool(t, ev, "IN/Archive", model.QueueINArchive, "WXJXSG2D", body1+"x", ""),
		writeSpool(t, ev, "OUT", model.QueueOUT, "VMS95LCZ", body1+"y", ""),
		writeSpool(t, ev, "OUT/Archive", model.QueueOUTArchive, "TG45CLP6", body1+"z", ""),
		writeSpool(t, ev, "IN", model.QueueIN, "KPFYCMQB", body1+"poison", "blank-charset"),
		writeSpool(t, ev, "misc", "", "NQ1NQYQK", body1+"?", ""),
	}
	before := snapshot(t, ev)
	tg, err := NewImcdataTarget(imc, ImcdataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(filepath.Dir(imc), "j.jsonl")

	var recs []model.ReplayRecord
	sum, err := Run(ctx, msgs, tg, Options{DryRun: true, JournalPath: journal}, collect(&recs))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Planned != 4 || sum.Held != 1 || sum.Refused != 1 || sum.Written != 0 {
		t.Fatalf("dry run summary %+v\n%s", sum, reasons(recs))
	}
	if got := listFiles(t, imc); len(got) != 0 {
		t.Fatalf("dry run wrote %v", got)
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Fatalf("dry run wrote a journal")
	}
	sameSnapshot(t, "dry run", before, snapshot(t, ev))

	recs = nil
	sum, err = Run(ctx, msgs, tg, Options{JournalPath: journal, Concurrency: 3}, collect(&recs))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written != 4 || sum.Held != 1 || sum.Refused != 1 || !sum.Incomplete() {
		t.Fatalf("summary %+v\n%s", sum, reasons(recs))
	}
	if sum.Reasons["held"]["crash-class finding blank-charset"] != 1 {
		t.Fatalf("held reason missing: %v", sum.Reasons)
	}
	if r := sum.Reasons["refused"]["unknown origin queue; use --queue IN|OUT"]; r != 1 {
		t.Fatalf("refusal reason missing: %v", sum.Reasons)
	}
	want := []string{"IN/HBWK2Q2P", "IN/WXJXSG2D", "OUT/TG45CLP6", "OUT/VMS95LCZ"}
	if got := listFiles(t, imc); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("target holds %v, want %v", got, want)
	}
	for _, m := range msgs[:4] {
		q := "IN"
		if strings.HasPrefix(m.Queue, "OUT") {
			q = "OUT"
		}
		got, _ := os.ReadFile(filepath.Join(imc, q, m.Name))
		src, _ := os.ReadFile(m.Path)
		if string(got) != string(src) {
			t.Fatalf("%s not copied exactly", m.Name)
		}
	}
	sameSnapshot(t, "replay", before, snapshot(t, ev))

	// Rerun: nothing written twice.
	recs = nil
	sum, err = Run(ctx, msgs, tg, Options{JournalPath: journal}, collect(&recs))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written != 0 || sum.Skipped != 4 || sum.Reasons["skipped"]["already written (journal)"] != 4 {
		t.Fatalf("rerun %+v\n%s", sum, reasons(recs))
	}

	recs = nil
	usum, err := Undo(ctx, journal, collect(&recs))
	if err != nil {
		t.Fatal(err)
	}
	if usum.Removed != 4 {
		t.Fatalf("undo %+v\n%s", usum, reasons(recs))
	}
	if got := listFiles(t, imc); len(got) != 0 {
		t.Fatalf("undo left %v", got)
	}
	sameSnapshot(t, "undo", before, snapshot(t, ev))
	if err := tg.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(imc, tempDirName)); !os.IsNotExist(err) {
		t.Fatalf("temporary folder left behind")
	}
}

func TestQueueDatRefusedThenRenamed(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	msgs := []*model.Message{writeSpool(t, ev, "IN", model.QueueIN, "HBWK2Q2P", body1, "")}
	qd := filepath.Join(imc, "queue.DAT")
	os.WriteFile(qd, []byte("heap"), 0o644)
	os.WriteFile(filepath.Join(imc, "Queue.old"), []byte("older heap"), 0o644)
	journal := filepath.Join(t.TempDir(), "j.jsonl")

	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	var recs []model.ReplayRecord
	sum, err := Run(ctx, msgs, tg, Options{DryRun: true, JournalPath: journal}, collect(&recs))
	if err != nil || sum.Refused != 1 || !strings.Contains(recs[0].Reason, "Queue.dat present") {
		t.Fatalf("dry run: %v %+v\n%s", err, sum, reasons(recs))
	}
	_, err = Run(ctx, msgs, tg, Options{JournalPath: journal}, nil)
	if !errors.Is(err, ErrQueueDatPresent) {
		t.Fatalf("err = %v, want ErrQueueDatPresent", err)
	}
	if got := listFiles(t, imc); strings.Join(got, ",") != "Queue.old,queue.DAT" {
		t.Fatalf("refusal touched the target: %v", got)
	}

	recs = nil
	sum, err = Run(ctx, msgs, tg, Options{JournalPath: journal, QueueDat: "rename"}, collect(&recs))
	if err != nil || sum.Written != 1 {
		t.Fatalf("rename run: %v %+v\n%s", err, sum, reasons(recs))
	}
	if got := listFiles(t, imc); strings.Join(got, ",") != "IN/HBWK2Q2P,Queue.old,Queue.old.1" {
		t.Fatalf("target holds %v", got)
	}
	if b, _ := os.ReadFile(filepath.Join(imc, "Queue.old.1")); string(b) != "heap" {
		t.Fatalf("Queue.dat content not kept: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(imc, "Queue.old")); string(b) != "older heap" {
		t.Fatalf("existing Queue.old replaced")
	}
	jr := readRecords(t, journal)
	if jr[0].Action != model.ActionRename || jr[0].Result != "ok" || filepath.Base(jr[0].Dest) != "Queue.old.1" {
		t.Fatalf("rename not journaled first: %+v", jr[0])
	}
}

func TestImcdataCollisionsAndFolderCase(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	same := writeSpool(t, ev, "IN", model.QueueIN, "HBWK2Q2P", body1, "")
	diff := writeSpool(t, ev, "IN", model.QueueIN, "VMS95LCZ", body1, "")
	fresh := writeSpool(t, ev, "OUT", model.QueueOUT, "TG45CLP6", body1, "")
	os.MkdirAll(filepath.Join(imc, "In"), 0o755)
	os.MkdirAll(filepath.Join(imc, "out"), 0o755)
	src, _ := os.ReadFile(same.Path)
	os.WriteFile(filepath.Join(imc, "In", "HBWK2Q2P"), src, 0o644)
	os.WriteFile(filepath.Join(imc, "In", "VMS95LCZ"), []byte("another message"), 0o644)

	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	var recs []model.ReplayRecord
	sum, err := Run(ctx, []*model.Message{same, diff, fresh}, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j")}, collect(&recs))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 1 || sum.Refused != 1 || sum.Written != 1 {
		t.Fatalf("summary %+v\n%s", sum, reasons(recs))
	}
	if sum.Reasons["skipped"]["identical file already in target"] != 1 || sum.Reasons["refused"]["name collision: a different file of that name is already in target"] != 1 {
		t.Fatalf("reasons %v", sum.Reasons)
	}
	if b, _ := os.ReadFile(filepath.Join(imc, "In", "VMS95LCZ")); string(b) != "another message" {
		t.Fatal("a different file was replaced")
	}
	want := "In/HBWK2Q2P,In/VMS95LCZ,out/TG45CLP6"
	if got := strings.Join(listFiles(t, imc), ","); got != want {
		t.Fatalf("target holds %s, want %s (existing folders of any case used)", got, want)
	}
}

func TestImcdataRefusesNonSpoolAndHonoursDefaultQueue(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	eml := writeSpool(t, ev, "x", "", "A.eml", body1, "")
	eml.Format = model.FormatRFC822
	noq := writeSpool(t, ev, "y", "", "NQ1NQYQK", body1, "")
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{DefaultQueue: "in"})
	var recs []model.ReplayRecord
	sum, err := Run(ctx, []*model.Message{eml, noq}, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j")}, collect(&recs))
	if err != nil || sum.Refused != 1 || sum.Written != 1 {
		t.Fatalf("%v %+v\n%s", err, sum, reasons(recs))
	}
	if got := strings.Join(listFiles(t, imc), ","); got != "IN/NQ1NQYQK" {
		t.Fatalf("target holds %s", got)
	}
}

func TestHoldBackReleasedOnlyByName(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	a := writeSpool(t, ev, "IN", model.QueueIN, "KPFYCMQB", body1, "blank-charset")
	b := writeSpool(t, ev, "IN", model.QueueIN, "3XDW6BQJ", body1, "tnef-truncated")
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	var recs []model.ReplayRecord
	sum, err := Run(ctx, []*model.Message{a, b}, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j"), IncludeSuspects: true, Named: []string{"kpfycmqb"}}, collect(&recs))
	if err != nil || sum.Written != 1 || sum.Held != 1 {
		t.Fatalf("%v %+v\n%s", err, sum, reasons(recs))
	}
	if got := strings.Join(listFiles(t, imc), ","); got != "IN/KPFYCMQB" {
		t.Fatalf("target holds %s", got)
	}
	if !strings.Contains(reasons(recs), "tnef-truncated") {
		t.Fatalf("hold reason does not name the rule:\n%s", reasons(recs))
	}
}

func TestUndoRemovesOnlyUnchanged(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	msgs := []*model.Message{
		writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1, ""),
		writeSpool(t, ev, "IN", model.QueueIN, "BBBBBBBB", body1, ""),
		writeSpool(t, ev, "IN", model.QueueIN, "CCCCCCCC", body1, ""),
	}
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	journal := filepath.Join(t.TempDir(), "j")
	if _, err := Run(ctx, msgs, tg, Options{JournalPath: journal}, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(imc, "IN", "BBBBBBBB"), []byte("edited by the admin"), 0o644)
	os.Remove(filepath.Join(imc, "IN", "CCCCCCCC"))
	var recs []model.ReplayRecord
	sum, err := Undo(ctx, journal, collect(&recs))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Removed != 1 || sum.Skipped != 2 || sum.Reasons["skipped"]["changed since replay, left in place"] != 1 {
		t.Fatalf("undo %+v\n%s", sum, reasons(recs))
	}
	if got := strings.Join(listFiles(t, imc), ","); got != "IN/BBBBBBBB" {
		t.Fatalf("target holds %s", got)
	}
	// A second undo removes nothing more, and the journal holds the undo records.
	sum, _ = Undo(ctx, journal, nil)
	if sum.Removed != 0 {
		t.Fatalf("second undo removed %d", sum.Removed)
	}
	n := 0
	for _, r := range readRecords(t, journal) {
		if r.Action == "undo" {
			n++
		}
	}
	if n < 3 {
		t.Fatalf("undo records not journaled: %d", n)
	}
}

func TestResumeAfterTornJournalLine(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	msgs := []*model.Message{
		writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1, ""),
		writeSpool(t, ev, "OUT", model.QueueOUT, "BBBBBBBB", body1, ""),
	}
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	if _, err := Run(ctx, msgs[:1], tg, Options{JournalPath: journal}, nil); err != nil {
		t.Fatal(err)
	}
	torn := `{"type":"replay","schema":1,"path":"` + msgs[1].Path + `","act`
	f, _ := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(torn)
	f.Close()

	var recs []model.ReplayRecord
	sum, err := Run(ctx, msgs, tg, Options{JournalPath: journal}, collect(&recs))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written != 1 || sum.Skipped != 1 {
		t.Fatalf("%+v\n%s", sum, reasons(recs))
	}
	b, err := os.ReadFile(journal + ".broken")
	if err != nil || strings.TrimSpace(string(b)) != torn {
		t.Fatalf(".broken = %q, %v", b, err)
	}
	readRecords(t, journal) // every line parses again
}

func TestRecoverBeginWithoutDone(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	done := writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1, "")
	absent := writeSpool(t, ev, "IN", model.QueueIN, "BBBBBBBB", body1+"b", "")
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	// The state a crash leaves: both begun; A renamed into place, B only a
	// torn temporary file.
	os.MkdirAll(filepath.Join(imc, "IN"), 0o755)
	os.MkdirAll(filepath.Join(imc, tempDirName), 0o755)
	src, _ := os.ReadFile(done.Path)
	os.WriteFile(filepath.Join(imc, "IN", "AAAAAAAA"), src, 0o644)
	leftover := filepath.Join(imc, tempDirName, ".imsf-0123456789abcdef.part")
	os.WriteFile(leftover, []byte("torn"), 0o644)
	for _, m := range []*model.Message{done, absent} {
		rec := model.ReplayRecord{Type: "replay", Schema: 1, Path: m.Path, Target: tg.String(), Action: "write", Result: model.ResultBegin, Dest: filepath.Join(imc, "IN", m.Name), SHA256Before: m.SHA256}
		appendJSON(t, journal, rec)
	}
	var recs []model.ReplayRecord
	sum, err := Run(ctx, []*model.Message{done, absent}, tg, Options{JournalPath: journal}, collect(&recs))
	if err != nil || sum.Written != 2 {
		t.Fatalf("%v %+v\n%s", err, sum, reasons(recs))
	}
	if !strings.Contains(reasons(recs), "found complete after an interrupted run") {
		t.Fatalf("recovery not reported:\n%s", reasons(recs))
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatal("temporary leftover not removed")
	}
	if got := strings.Join(listFiles(t, imc), ","); got != "IN/AAAAAAAA,IN/BBBBBBBB" {
		t.Fatalf("target holds %s", got)
	}
}

func TestJournalOfAnotherTargetRefused(t *testing.T) {
	ev, imc := newImcdata(t)
	m := writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1, "")
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	appendJSON(t, journal, model.ReplayRecord{Type: "replay", Schema: 1, Target: "pickup:/elsewhere", Action: "plan"})
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	if _, err := Run(context.Background(), []*model.Message{m}, tg, Options{JournalPath: journal}, nil); !errors.Is(err, ErrJournalTarget) {
		t.Fatalf("err = %v", err)
	}
}
