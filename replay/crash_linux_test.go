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
	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// Crash consistency of the other three targets (issue 9; imcdata: is
// kill_linux_test.go): a replay process is SIGKILLed at seeded random
// points (after k journal lines, or after a random delay), rerun, killed
// again, and finally run to completion. Then every message must be in the
// target exactly once with the bytes of a clean conversion, the journal
// must hold exactly one done-ok record per message, no temporary file may
// be visible, and the evidence must be untouched. For smtp:// the target is
// the imsforensic sink in this process, deduplicating by ENVID.

// crashScale is (messages, kills per target): small under -race or -short,
// the full figures with IMSF_LONG=1 or a plain run.
func crashScale() (int, int) {
	if os.Getenv("IMSF_LONG") != "" || !raceEnabledReplay && !testing.Short() {
		return 200, 40
	}
	return 40, 8
}

// TestReplayCrashChild is the replay process the crash tests kill; it does
// nothing unless started by one of them.
func TestReplayCrashChild(t *testing.T) {
	if os.Getenv("IMSF_CRASH_CHILD") != "1" {
		t.Skip("helper process for TestReplayCrash*")
	}
	conc, _ := strconv.Atoi(os.Getenv("IMSF_CONCURRENCY"))
	tg, err := crashTarget(os.Getenv("IMSF_KIND"), os.Getenv("IMSF_TARGET"), conc)
	if err != nil {
		t.Fatal(err)
	}
	// RunEach, as the command calls it: the SMTP target is killed while it
	// plans and sends as a stream; the folder targets plan the list.
	evidence := os.Getenv("IMSF_EVIDENCE")
	msgs := crashEvidence(t, evidence)
	stream := func(yield func(*model.Message) error) error {
		for _, m := range msgs {
			if err := yield(m); err != nil {
				return err
			}
		}
		return nil
	}
	sum, err := RunEach(context.Background(), stream, tg, Options{JournalPath: os.Getenv("IMSF_JOURNAL"), Sources: []string{evidence}, Concurrency: conc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Close(); err != nil {
		t.Fatal(err)
	}
	// A delivery interrupted with an unknown outcome is refused, by
	// design, in this run and every later run of the journal: Pickup and
	// the Replay folder may have taken the file, the server may have
	// accepted the message. Any other refusal is a failure here.
	for reason := range sum.Reasons["refused"] {
		if !strings.Contains(reason, "interrupted") && !strings.Contains(reason, "earlier run") {
			sum.Failed++
		}
	}
	if sum.Failed > 0 {
		t.Fatalf("child summary %+v", sum)
	}
}

// crashEvidence describes the evidence as inventory would, with the
// envelope addresses as parse gives them (no angle brackets).
func crashEvidence(t testing.TB, dir string) []*model.Message {
	msgs := loadEvidence(t, dir)
	for _, m := range msgs {
		m.Envelope.From = strings.Trim(m.Envelope.From, "<>")
		for i := range m.Envelope.To {
			m.Envelope.To[i] = strings.Trim(m.Envelope.To[i], "<>")
		}
	}
	return msgs
}

func crashTarget(kind, where string, conc int) (Target, error) {
	switch kind {
	case "pickup":
		return NewPickupTarget(where, PickupOptions{})
	case "replay-dir":
		return NewReplayDirTarget(where)
	case "smtp":
		return NewSMTPTarget(where, SMTPOptions{Concurrency: conc, Timeout: 20 * time.Second})
	case "smtp-resend":
		return NewSMTPTarget(where, SMTPOptions{Concurrency: conc, Timeout: 20 * time.Second, ResendInDoubt: true})
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

func TestReplayCrashPickup(t *testing.T)    { crashReplay(t, "pickup") }
func TestReplayCrashReplayDir(t *testing.T) { crashReplay(t, "replay-dir") }
func TestReplayCrashSMTP(t *testing.T)      { crashReplay(t, "smtp") }

// TestReplayCrashSMTPResendInDoubt: with --resend-in-doubt against the
// imsforensic sink (which deduplicates on ENVID), a replay killed at random
// points and rerun delivers every message exactly once, none left in doubt.
func TestReplayCrashSMTPResendInDoubt(t *testing.T) { crashReplay(t, "smtp-resend") }

func crashReplay(t *testing.T, kind string) {
	n, wantKills := crashScale()
	root := killTestRoot(t)
	ev := filepath.Join(root, "TempIMS")
	rng := rand.New(rand.NewPCG(197792, uint64(len(kind))))
	for i := range n {
		q := model.QueueIN
		if i%3 == 0 {
			q = model.QueueOUT
		}
		body := body1 + strings.Repeat(fmt.Sprintf("line %d of message %d\r\n", i, i), rng.IntN(2000))
		writeSpool(t, ev, q, q, fmt.Sprintf("M%07d", i), body, "")
	}
	evidenceBefore := snapshot(t, ev)
	msgs := crashEvidence(t, ev)

	kills, ambiguous := 0, 0
	for scenario := 0; kills < wantKills; scenario++ {
		journal := filepath.Join(root, fmt.Sprintf("journal-%s-%d.jsonl", kind, scenario))
		conc := 1 + scenario%2*3
		var where string
		var verify func()
		switch kind {
		case "smtp", "smtp-resend":
			sink, store := crashSink(t, filepath.Join(root, fmt.Sprintf("sink%d", scenario)))
			where = "smtp://" + sink.Addr().String()
			verify = func() {
				refused := interruptedRefusals(t, journal, "send")
				if kind == "smtp-resend" && len(refused) > 0 {
					t.Fatalf("%d messages left in doubt with ResendInDoubt", len(refused))
				}
				ambiguous += len(refused)
				verifySinkOnce(t, msgs, store, refused)
				verifyJournalOnce(t, msgs, journal, "send", refused)
			}
		default:
			dir := filepath.Join(root, fmt.Sprintf("%s%d", kind, scenario), "Target")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			where = dir
			verify = func() { ambiguous += verifyFolderOnce(t, kind, msgs, dir, journal) }
		}
		child := func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestReplayCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "IMSF_CRASH_CHILD=1", "IMSF_KIND="+kind, "IMSF_TARGET="+where,
				"IMSF_EVIDENCE="+ev, "IMSF_JOURNAL="+journal, "IMSF_CONCURRENCY="+strconv.Itoa(conc))
			return cmd
		}
		for range 12 {
			killed, err := killChildAtRandom(child(), journal, rng, 2*n)
			if err != nil {
				t.Fatal(err)
			}
			if !killed {
				break // the run completed before the kill point: verify it
			}
			kills++
		}
		if out, err := child().CombinedOutput(); err != nil {
			t.Fatalf("%s scenario %d: final run failed: %v\n%s", kind, scenario, err, out)
		}
		verify()
	}
	sameSnapshot(t, "after SIGKILLs", evidenceBefore, snapshot(t, ev))
	t.Logf("%s: %d messages, %d SIGKILLs survived; every message delivered exactly once, except %d interrupted with an unknown outcome: refused and reported, never delivered twice",
		kind, n, kills, ambiguous)
}

// killChildAtRandom starts cmd and SIGKILLs it at a seeded random point:
// after a random delay (1 in 4, possibly before the plan is written) or
// once the journal has grown by a random number of lines. It reports
// false when the child finished first.
func killChildAtRandom(cmd *exec.Cmd, journal string, rng *rand.Rand, maxLines int) (bool, error) {
	if err := cmd.Start(); err != nil {
		return false, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if rng.IntN(4) == 0 {
		select {
		case <-exited:
			return false, nil
		case <-time.After(time.Duration(rng.IntN(40)) * time.Millisecond):
		}
	} else {
		want := countLines(journal) + 1 + rng.IntN(maxLines)
		for countLines(journal) < want {
			select {
			case <-exited:
				return false, nil
			case <-time.After(time.Millisecond):
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if err := <-exited; err == nil {
		return false, nil // it finished just before the signal
	}
	return true, nil
}

// crashSink runs the imsforensic sink on loopback for the smtp:// crash
// test and returns it with its store folder.
func crashSink(t *testing.T, store string) (*smtpsink.Sink, string) {
	t.Helper()
	s, _ := sinktest.Start(t, smtpsink.Config{Store: store})
	return s, store
}

// rfc822Of returns the bytes after the envelope of a spool file.
func rfc822Of(t *testing.T, m *model.Message) []byte {
	b, err := os.ReadFile(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	return b[m.MessageOffset:]
}

// verifySinkOnce: every message's RFC 822 part is stored exactly once,
// except those refused after an interrupted send (stored once or not at
// all: the kill came before or after the sink's acknowledgement), and
// nothing else is stored.
func verifySinkOnce(t *testing.T, msgs []*model.Message, store string, refused map[string]bool) {
	t.Helper()
	stored := map[string]int{}
	got := sinkStored(t, store)
	for _, sm := range got {
		stored[string(sm.eml)]++
	}
	total := 0
	for _, m := range msgs {
		c := stored[string(rfc822Of(t, m))]
		total += c
		if c != 1 && !(refused[m.Path] && c == 0) {
			t.Fatalf("%s stored %d times in the sink, want 1", m.Name, c)
		}
	}
	if len(got) != total {
		t.Fatalf("the sink stored %d messages, %d of them from this replay", len(got), total)
	}
	for _, e := range mustReadDir(t, store) {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Fatalf("temporary file visible in the sink store: %s", e.Name())
		}
	}
}

// verifyFolderOnce: the folder holds exactly one file per message, named
// as the target names it, with the bytes a clean conversion gives; no
// temporary file is left in the target or its temporary folder. The
// exception is Pickup's refusal to rewrite a message whose interrupted
// write left nothing behind: such a message must be absent, recorded as
// refused, and never also written. It returns how many there were.
func verifyFolderOnce(t *testing.T, kind string, msgs []*model.Message, dir, journal string) int {
	t.Helper()
	refused := interruptedRefusals(t, journal, "write")
	verifyJournalOnce(t, msgs, journal, "write", refused)
	tg, err := crashTarget(kind, dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, m := range msgs {
		if refused[m.Path] {
			continue
		}
		var buf bytes.Buffer
		var content contentFunc
		var d Decision
		switch tt := tg.(type) {
		case *PickupTarget:
			content = tt.content(m)
		case *ReplayDirTarget:
			content = tt.content(m)
		}
		if _, err := content(&buf); err != nil {
			t.Fatal(err)
		}
		d, err = tg.Plan(context.Background(), &Item{Msg: m})
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, d.Dest)
		want[filepath.ToSlash(rel)] = buf.Bytes()
	}
	got := listFiles(t, dir)
	if len(got) != len(want) {
		t.Fatalf("%s holds %d files, want %d", dir, len(got), len(want))
	}
	for _, rel := range got {
		if atomicfile.IsTemp(filepath.Base(rel)) || strings.HasSuffix(rel, tempSuffix) {
			t.Fatalf("temporary file left: %s", rel)
		}
		b, _ := os.ReadFile(filepath.Join(dir, rel))
		if w, ok := want[rel]; !ok || !bytes.Equal(b, w) {
			t.Fatalf("%s: unexpected or not the clean conversion", rel)
		}
	}
	tmp := filepath.Join(filepath.Dir(dir), tempDirName)
	for _, rel := range listFiles(t, tmp) {
		t.Fatalf("temporary file left in %s: %s", tmp, rel)
	}
	return len(refused)
}

// interruptedRefusals returns the sources whose delivery was refused
// because an interrupted run left its outcome unknown; any other refusal
// fails the test.
func interruptedRefusals(t *testing.T, journal string, action model.ReplayAction) map[string]bool {
	t.Helper()
	refused := map[string]bool{}
	for _, r := range readRecords(t, journal) {
		if r.Action == action && r.Result == "refused" {
			if !strings.Contains(r.Reason, "interrupted") {
				t.Fatalf("%s refused: %s", r.Path, r.Reason)
			}
			refused[r.Path] = true
		}
	}
	return refused
}

// verifyJournalOnce: exactly one done-ok record per message (none for
// the messages in refused).
func verifyJournalOnce(t *testing.T, msgs []*model.Message, journal string, action model.ReplayAction, refused map[string]bool) {
	t.Helper()
	doneOK := map[string]int{}
	for _, r := range readRecords(t, journal) {
		if r.Action == action && r.Result == "ok" {
			doneOK[r.Path]++
		}
	}
	for _, m := range msgs {
		want := 1
		if refused[m.Path] {
			want = 0
		}
		if doneOK[m.Path] != want {
			t.Fatalf("%s has %d done-ok %s records, want %d", m.Name, doneOK[m.Path], action, want)
		}
	}
}

func mustReadDir(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ents
}

// TestInterruptedRefusalIsSticky is the regression test of a bug the
// crash tests found: a delivery interrupted with an unknown outcome was
// refused in the next run, but the run after that planned and wrote it
// again, so Pickup or the Replay folder could get it twice.
func TestInterruptedRefusalIsSticky(t *testing.T) {
	root := t.TempDir()
	ev := filepath.Join(root, "TempIMS")
	writeSpool(t, ev, model.QueueIN, model.QueueIN, "M0000001", body1, "")
	os.MkdirAll(filepath.Join(ev, model.QueueOUT), 0o755)
	msgs := crashEvidence(t, ev)
	dir := filepath.Join(root, "Replay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tg, err := NewReplayDirTarget(dir)
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(root, "journal.jsonl")
	appendJSON(t, journal, model.ReplayRecord{Type: "replay", Schema: 1, Path: msgs[0].Path, Target: tg.String(),
		Action: "write", Dest: filepath.Join(dir, "M0000001.eml"), SHA256Before: msgs[0].SHA256, Result: model.ResultBegin})
	for run := 1; run <= 3; run++ {
		sum, err := Run(context.Background(), msgs, tg, Options{JournalPath: journal}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Written != 0 || sum.Refused != 1 {
			t.Fatalf("run %d: %+v, want the interrupted message refused and not written", run, sum)
		}
		if files := listFiles(t, dir); len(files) != 0 {
			t.Fatalf("run %d wrote %v", run, files)
		}
	}
}
