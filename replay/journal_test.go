package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/model"
)

// spoolQueue writes n distinct spool files under ev/IN.
func spoolQueue(t *testing.T, ev string, n int) []*model.Message {
	t.Helper()
	var msgs []*model.Message
	for i := range n {
		msgs = append(msgs, writeSpool(t, ev, "IN", model.QueueIN, fmt.Sprintf("M%07d", i), body1+fmt.Sprintf("message %d\r\n", i), ""))
	}
	return msgs
}

// consumePickup is a live Pickup consumer (the IMS): it takes every .eml
// file that appears in dir, counting each name, until stop is closed and
// dir is empty.
func consumePickup(dir string, stop <-chan struct{}) map[string]int {
	taken := map[string]int{}
	// Each file is moved out to a folder beside dir: a move succeeds once
	// per file written. A removal would not do on Windows, where a file
	// removed while another handle is open on it (a read that shares
	// delete) stays listed until that handle closes; under Wine a second
	// remove of it succeeds too, and one file was counted twice.
	out := filepath.Join(filepath.Dir(dir), "taken-"+filepath.Base(dir))
	os.MkdirAll(out, 0o755)
	for {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".eml") {
				to := filepath.Join(out, fmt.Sprintf("%s.%d", e.Name(), taken[e.Name()]))
				if os.Rename(filepath.Join(dir, e.Name()), to) == nil {
					taken[e.Name()]++
				}
			}
		}
		select {
		case <-stop:
			if len(ents) == 0 {
				return taken
			}
		default:
			time.Sleep(time.Millisecond)
		}
	}
}

// TestTwoReplaysAtOnceDeliverEachMessageOnce is finding 3 of issue #14:
// two replays of one queue into one Pickup folder at once, with the IMS
// taking files as they come, delivered some messages twice (the second
// run found the file gone and wrote it again). The target and journal
// locks serialise them: the second run waits (--wait), finds everything
// in the shared default journal, and writes nothing.
func TestTwoReplaysAtOnceDeliverEachMessageOnce(t *testing.T) {
	n := 120
	if s := os.Getenv("IMSF_CONCURRENT_MESSAGES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ev := filepath.Join(t.TempDir(), "TempIMS")
	msgs := spoolQueue(t, ev, n)
	pickup := filepath.Join(t.TempDir(), "Imcdata", "Pickup")
	mustMkdir(t, pickup)
	stop := make(chan struct{})
	takenc := make(chan map[string]int)
	go func() { takenc <- consumePickup(pickup, stop) }()

	var wg sync.WaitGroup
	sums := make([]model.ReplaySummary, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg, _ := NewPickupTarget(pickup, PickupOptions{})
			sums[i], errs[i] = Run(context.Background(), msgs, tg, Options{Sources: []string{ev}, Wait: true, Concurrency: 2}, nil)
		}()
	}
	wg.Wait()
	close(stop)
	taken := <-takenc
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	twice := 0
	for name, c := range taken {
		if c != 1 {
			twice++
			t.Errorf("%s delivered %d times", name, c)
		}
	}
	if len(taken) != n || twice > 0 {
		t.Fatalf("%d of %d messages delivered, %d more than once; runs wrote %d and %d", len(taken), n, twice, sums[0].Written, sums[1].Written)
	}
	if sums[0].Written+sums[1].Written != n || sums[0].Journal != sums[1].Journal {
		t.Fatalf("runs wrote %d + %d of %d, journals %s and %s", sums[0].Written, sums[1].Written, n, sums[0].Journal, sums[1].Journal)
	}
}

// pausedImcdata stops in its first Deliver until released, holding its
// run's locks.
type pausedImcdata struct {
	*ImcdataTarget
	entered, release chan struct{}
	once             sync.Once
}

func (p *pausedImcdata) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	p.once.Do(func() { close(p.entered); <-p.release })
	return p.ImcdataTarget.Deliver(ctx, it)
}

// TestSecondReplayRefusedWhileFirstRuns: a second replay into the same
// target (here with another journal, one that asks it to recover an
// interrupted delivery) used to run alongside the first, and its recovery
// deleted the first run's in-flight temporary files. It now stops before
// touching anything and says which process holds the target.
func TestSecondReplayRefusedWhileFirstRuns(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	msgs := spoolQueue(t, ev, 3)
	first := &pausedImcdata{entered: make(chan struct{}), release: make(chan struct{})}
	first.ImcdataTarget, _ = NewImcdataTarget(imc, ImcdataOptions{})
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, msgs, first, Options{JournalPath: filepath.Join(t.TempDir(), "a.jsonl")}, nil)
		done <- err
	}()
	<-first.entered
	inflight := filepath.Join(imc, tempDirName, ".imsf-0123456789abcdef.part")
	if err := os.WriteFile(inflight, []byte("half a spool file"), 0o644); err != nil {
		t.Fatal(err)
	}
	j2 := filepath.Join(t.TempDir(), "b.jsonl")
	tg2, _ := NewImcdataTarget(imc, ImcdataOptions{})
	appendJSON(t, j2, model.ReplayRecord{Type: model.TypeReplay, Schema: 1, Path: msgs[0].Path, Target: tg2.String(), Action: model.ActionWrite, Dest: filepath.Join(imc, "IN", msgs[0].Name), SHA256Before: msgs[0].SHA256, Result: model.ResultBegin})
	_, err := Run(ctx, msgs, tg2, Options{JournalPath: j2}, nil)
	if !errors.Is(err, lock.ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("second run: %v, want lock.ErrLocked naming process %d", err, os.Getpid())
	}
	if _, serr := os.Stat(inflight); serr != nil {
		t.Errorf("the first run's temporary file is gone: %v", serr)
	}
	os.Remove(inflight)
	close(first.release)
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	if got := len(listFiles(t, filepath.Join(imc, "IN"))); got != 3 {
		t.Fatalf("first run wrote %d of 3", got)
	}
}

// TestTornJournalAndTwoRunsKeepEveryRecord: a journal with a torn last
// line, resumed by two runs at once, lost one run's records (each rewrote
// the journal without the torn line, and one wrote on into the file the
// other had replaced); --undo then left files behind and a rerun
// redelivered. Recovery now happens only under the journal's lock.
func TestTornJournalAndTwoRunsKeepEveryRecord(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	msgs := spoolQueue(t, ev, 40)
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	if err := os.WriteFile(journal, []byte(`{"type":"replay","schema":1,"path":"/gone`), 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
			_, errs[i] = Run(ctx, msgs, tg, Options{JournalPath: journal, Wait: true}, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	oks := map[string]int{}
	for _, r := range readRecords(t, journal) {
		if r.Action == model.ActionWrite && r.Result == model.ResultOK {
			oks[r.Path]++
		}
	}
	for _, m := range msgs {
		if oks[m.Path] != 1 {
			t.Errorf("%s: %d done-ok records in the journal, want 1", m.Name, oks[m.Path])
		}
	}
	sum, err := Undo(ctx, journal, nil)
	if err != nil || sum.Removed != len(msgs) {
		t.Fatalf("undo: %v %+v", err, sum)
	}
	if left := listFiles(t, filepath.Join(imc, "IN")); len(left) != 0 {
		t.Fatalf("undo left %v", left)
	}
}

// TestJournalKeysOnPathAndContent is finding 4 of issue #14, first half:
// the journal keyed on the path only, so a file changed at the same path
// was "already written" and never replayed. Now it is planned again, and
// the collision rule decides (here: a different file of that name is in
// the target, refused).
func TestJournalKeysOnPathAndContent(t *testing.T) {
	ctx := context.Background()
	ev, imc := newImcdata(t)
	m := writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1, "")
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	if sum, err := Run(ctx, []*model.Message{m}, tg, Options{JournalPath: journal}, nil); err != nil || sum.Written != 1 {
		t.Fatalf("first run: %v %+v", err, sum)
	}
	os.Chmod(m.Path, 0o644)
	m2 := writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1+"changed\r\n", "")
	var recs []model.ReplayRecord
	sum, err := Run(ctx, []*model.Message{m2}, tg, Options{JournalPath: journal}, collect(&recs))
	if err != nil || sum.Skipped != 0 || sum.Refused != 1 || !strings.Contains(reasons(recs), "collision") {
		t.Fatalf("changed file: %v %+v\n%s", err, sum, reasons(recs))
	}
	// The unchanged file is still "already written".
	os.Chmod(m.Path, 0o644)
	m3 := writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1, "")
	recs = nil
	if sum, err := Run(ctx, []*model.Message{m3}, tg, Options{JournalPath: journal}, collect(&recs)); err != nil || sum.Skipped != 1 || !strings.Contains(reasons(recs), "already written") {
		t.Fatalf("unchanged file: %v %+v\n%s", err, sum, reasons(recs))
	}
}

// cuttingImcdata removes or truncates its journal during the second
// delivery, as an operator or a cleaner would.
type cuttingImcdata struct {
	*ImcdataTarget
	journal   string
	truncate  bool
	n         int
	removeErr error // what os.Remove said
}

func (c *cuttingImcdata) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	c.n++
	if c.n == 2 {
		if c.truncate {
			os.Truncate(c.journal, 10)
		} else {
			c.removeErr = os.Remove(c.journal)
		}
	}
	return c.ImcdataTarget.Deliver(ctx, it)
}

// TestJournalLostUnderRunningReplayStops is finding 4, second half: a
// journal deleted or truncated mid-run went unnoticed (exit 0) and a rerun
// redelivered. The run now stops with ErrJournalLost.
func TestJournalLostUnderRunningReplayStops(t *testing.T) {
	for _, truncate := range []bool{false, true} {
		t.Run(fmt.Sprintf("truncate=%v", truncate), func(t *testing.T) {
			ev, imc := newImcdata(t)
			msgs := spoolQueue(t, ev, 5)
			journal := filepath.Join(t.TempDir(), "j.jsonl")
			tg := &cuttingImcdata{journal: journal, truncate: truncate}
			tg.ImcdataTarget, _ = NewImcdataTarget(imc, ImcdataOptions{})
			sum, err := Run(context.Background(), msgs, tg, Options{JournalPath: journal}, nil)
			if !truncate && runtime.GOOS == "windows" {
				// Windows deletes no file that is open without
				// FILE_SHARE_DELETE, as the running replay's journal is:
				// the removal fails and the run goes on, whole.
				if tg.removeErr == nil || err != nil || sum.Written != 5 {
					t.Fatalf("remove = %v, Run = %v (%+v); want the removal refused and the run whole", tg.removeErr, err, sum)
				}
				return
			}
			if !errors.Is(err, ErrJournalLost) {
				t.Fatalf("Run = %v (%+v), want ErrJournalLost", err, sum)
			}
			if tg.n > 2 {
				t.Fatalf("%d deliveries, want the run to stop at the second", tg.n)
			}
		})
	}
}

// TestDefaultJournalInStateFolder is finding 4, last part: journals
// landed in the current folder or beside the target (C:\Exchsrvr\ for an
// imcdata: target). They go to the per-user state folder now, named from
// the target and the sources, start with a header, and the summary says
// where.
func TestDefaultJournalInStateFolder(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("LOCALAPPDATA", state)
	ev, imc := newImcdata(t)
	m := writeSpool(t, ev, "IN", model.QueueIN, "AAAAAAAA", body1, "")
	tg, _ := NewImcdataTarget(imc, ImcdataOptions{})
	p1, err := DefaultJournalPath(tg, []string{ev})
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := DefaultJournalPath(tg, []string{filepath.Join(ev, "IN")})
	again, _ := DefaultJournalPath(tg, []string{ev})
	if !strings.HasPrefix(p1, state) || p1 == p2 || p1 != again || !strings.Contains(filepath.Base(p1), "imcdata-Imcdata") {
		t.Fatalf("default journals %s, %s, %s (state folder %s)", p1, p2, again, state)
	}
	sum, err := Run(context.Background(), []*model.Message{m}, tg, Options{Sources: []string{ev}, Version: "test-1"}, nil)
	if err != nil || sum.Journal != p1 {
		t.Fatalf("Run: %v, journal %q, want %q", err, sum.Journal, p1)
	}
	b, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(string(b), "\n", 2)[0]
	for _, want := range []string{`"type":"journal"`, `"target":"imcdata:` + imc, `"version":"test-1"`, ev} {
		if !strings.Contains(first, strings.ReplaceAll(want, `\`, `\\`)) {
			t.Errorf("header %s lacks %s", first, want)
		}
	}
	other, _ := NewImcdataTarget(filepath.Join(t.TempDir(), "Imcdata2"), ImcdataOptions{})
	os.MkdirAll(other.Dir(), 0o755)
	if _, err := Run(context.Background(), []*model.Message{m}, other, Options{JournalPath: p1}, nil); !errors.Is(err, ErrJournalTarget) {
		t.Fatalf("journal of another target: %v, want ErrJournalTarget", err)
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// pausedPickup is pausedImcdata for a Pickup folder.
type pausedPickup struct {
	*PickupTarget
	entered, release chan struct{}
	once             sync.Once
}

func (p *pausedPickup) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	p.once.Do(func() { close(p.entered); <-p.release })
	return p.PickupTarget.Deliver(ctx, it)
}

// TestSideBySideFolderTargetsShareTheTempLock: a Pickup and a Replay
// folder in one parent share its .imsforensic-tmp; a replay into one must
// not recover (remove) the temporary files of a replay running into the
// other, so they take the same lock.
func TestSideBySideFolderTargetsShareTheTempLock(t *testing.T) {
	ctx := context.Background()
	ev := filepath.Join(t.TempDir(), "TempIMS")
	msgs := spoolQueue(t, ev, 2)
	parent := filepath.Join(t.TempDir(), "Imcdata")
	pickupDir, replayDir := filepath.Join(parent, "Pickup"), filepath.Join(parent, "Replay")
	mustMkdir(t, pickupDir)
	mustMkdir(t, replayDir)
	first := &pausedPickup{entered: make(chan struct{}), release: make(chan struct{})}
	first.PickupTarget, _ = NewPickupTarget(pickupDir, PickupOptions{})
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, msgs, first, Options{JournalPath: filepath.Join(t.TempDir(), "a.jsonl")}, nil)
		done <- err
	}()
	<-first.entered
	inflight := filepath.Join(parent, tempDirName, ".imsf-0123456789abcdef.part")
	if err := os.WriteFile(inflight, []byte("half a message"), 0o644); err != nil {
		t.Fatal(err)
	}
	rd, _ := NewReplayDirTarget(replayDir)
	j2 := filepath.Join(t.TempDir(), "b.jsonl")
	appendJSON(t, j2, model.ReplayRecord{Type: model.TypeReplay, Schema: 1, Path: msgs[0].Path, Target: rd.String(), Action: model.ActionWrite, Dest: filepath.Join(replayDir, msgs[0].Name+".eml"), SHA256Before: msgs[0].SHA256, Result: model.ResultBegin})
	if _, err := Run(ctx, msgs, rd, Options{JournalPath: j2}, nil); !errors.Is(err, lock.ErrLocked) {
		t.Errorf("replay-dir run beside a running pickup run: %v, want lock.ErrLocked", err)
	}
	if _, err := os.Stat(inflight); err != nil {
		t.Errorf("the pickup run's temporary file is gone: %v", err)
	}
	os.Remove(inflight)
	close(first.release)
	if err := <-done; err != nil {
		t.Fatalf("pickup run: %v", err)
	}
}

// TestAddLineFastPathReadsWhatTheSlowOneDid: a record line as replay
// writes it ("type" first) is decoded once by the record's own decoder;
// it must give the record the generic path gives (escaped bytes of a path
// included), and a broken or mistyped line is still no record.
func TestAddLineFastPathReadsWhatTheSlowOneDid(t *testing.T) {
	rec := model.ReplayRecord{Type: model.TypeReplay, Schema: 1, Path: "/q/IN/\xffODD", Target: "smtp://10.0.0.5:25",
		Action: model.ActionSend, Result: model.ResultOK, SHA256Before: strings.Repeat("ab", 32)}
	line, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(line, []byte(`{"type":"replay",`)) {
		t.Fatalf("records no longer start with their type: %s", line)
	}
	fast := newJournalState()
	if !fast.addLine(line) || len(fast.records) != 1 || fast.records[0].Path != rec.Path || fast.records[0].SHA256Before != rec.SHA256Before {
		t.Fatalf("fast path: %+v", fast.records)
	}
	slow := newJournalState()
	if !slow.addLine(append([]byte(" "), line...)) || !reflect.DeepEqual(slow.records, fast.records) {
		t.Fatalf("generic path %+v, fast %+v", slow.records, fast.records)
	}
	for _, bad := range []string{`{"type":"replay","path":`, `{"type":"replay","schema":1} trailing`, `{"type":"replay","type":"journal"}`} {
		if newJournalState().addLine([]byte(bad)) {
			t.Errorf("%s read as a record", bad)
		}
	}
}
