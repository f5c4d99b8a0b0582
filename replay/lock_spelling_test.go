package replay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/model"
)

// TestTargetLockKnowsTheTargetUnderAnotherSpelling: two replays into one
// target exclude each other however it is written: a folder through a
// symbolic link before any run made its temporary folder, the lab sink as
// localhost, 127.0.0.1 or [::1]. Other ports and other hosts stay apart.
func TestTargetLockKnowsTheTargetUnderAnotherSpelling(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "Pickup")
	mustMkdir(t, dir)
	direct, err := NewPickupTarget(dir, PickupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		link := filepath.Join(base, "link")
		if err := os.Symlink(dir, link); err != nil {
			t.Fatal(err)
		}
		linked, err := NewPickupTarget(link+string(filepath.Separator), PickupOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(direct.tmpDir); !os.IsNotExist(err) {
			t.Fatalf("the temporary folder exists already (%v): the case is a first run", err)
		}
		if a, b := lockPaths(direct), lockPaths(linked); a != b {
			t.Errorf("the folder and a link to it lock %s and %s", a, b)
		}
	}

	smtp := func(u string) string {
		t.Helper()
		st, err := NewSMTPTarget(u, SMTPOptions{Resolver: hostsResolver{"localhost": {"127.0.0.1", "::1"}, "mail.example.com": {"192.0.2.10"}}})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return lockPaths(st)
	}
	lab := smtp("smtp://127.0.0.1:2525")
	for _, u := range []string{"smtp://localhost:2525", "smtp://LOCALHOST:2525", "smtp://[::1]:2525"} {
		if got := smtp(u); got != lab {
			t.Errorf("%s locks %s, smtp://127.0.0.1:2525 %s", u, got, lab)
		}
	}
	for _, u := range []string{"smtp://127.0.0.1:2526", "smtp://mail.example.com:2525"} {
		if smtp(u) == lab {
			t.Errorf("%s locks as smtp://127.0.0.1:2525", u)
		}
	}
}

// lockPaths are a target's lock files, joined.
func lockPaths(t Target) string {
	var ps []string
	for _, l := range targetLocks(t) {
		ps = append(ps, l.path)
	}
	return strings.Join(ps, " ")
}

// TestRefusedRunLeavesTheTempFolder: a replay refused because another
// holds the target must not remove the temporary folder the running one
// writes through (it is empty between two files): the running run then
// failed every later message.
func TestRefusedRunLeavesTheTempFolder(t *testing.T) {
	ctx := context.Background()
	msgs := spoolQueue(t, filepath.Join(t.TempDir(), "TempIMS"), 3)
	dir := filepath.Join(t.TempDir(), "Pickup")
	mustMkdir(t, dir)
	first := &pausedPickup{entered: make(chan struct{}), release: make(chan struct{})}
	first.PickupTarget, _ = NewPickupTarget(dir, PickupOptions{})
	type result struct {
		failed int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := Run(ctx, msgs, first, Options{JournalPath: filepath.Join(t.TempDir(), "a.jsonl")}, nil)
		done <- result{sum.Failed, err}
	}()
	<-first.entered
	second, _ := NewPickupTarget(dir, PickupOptions{})
	if _, err := Run(ctx, msgs, second, Options{JournalPath: filepath.Join(t.TempDir(), "b.jsonl")}, nil); !errors.Is(err, lock.ErrLocked) {
		t.Errorf("a second run into the same target: %v, want lock.ErrLocked", err)
	}
	second.Close() // as the command does when Run returns
	if _, err := os.Stat(first.tmpDir); err != nil {
		t.Errorf("the refused run removed the running one's temporary folder: %v", err)
	}
	close(first.release)
	if r := <-done; r.err != nil || r.failed != 0 {
		t.Errorf("the running replay: %d failed, %v", r.failed, r.err)
	}
	if _, err := os.Stat(first.tmpDir); !os.IsNotExist(err) {
		t.Errorf("the temporary folder is left after the run: %v", err)
	}
}

// TestLoopbackUnderAnotherSpellingResumes: a replay to the lab sink as
// smtp://127.0.0.1:P, run again as smtp://localhost:P, finds the first
// run's journal and sends nothing twice (it sent every message again
// before: the journal was named from the host as written).
func TestLoopbackUnderAnotherSpellingResumes(t *testing.T) {
	ctx := context.Background()
	ev := t.TempDir()
	var msgs []*model.Message
	for i := range 3 {
		msgs = append(msgs, smtpSpool(t, ev, fmt.Sprintf("M%07d", i), fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i), "a@example.com", "b@example.com"))
	}
	s := startTestSink(t)
	_, port, _ := net.SplitHostPort(s.Addr().String())
	var journals []string
	for i, host := range []string{"127.0.0.1", "localhost"} {
		target, err := NewSMTPTarget("smtp://"+host+":"+port, SMTPOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := Run(ctx, msgs, target, Options{Sources: []string{ev}}, nil)
		target.Close()
		if err != nil {
			t.Fatalf("run %d (%s): %v", i+1, host, err)
		}
		if want := [2]int{3, 0}[i]; sum.Written != want || sum.Written+sum.Skipped != 3 {
			t.Errorf("run %d (%s): written %d, skipped %d; want %d written", i+1, host, sum.Written, sum.Skipped, want)
		}
		journals = append(journals, sum.Journal)
	}
	if journals[0] != journals[1] {
		t.Errorf("two journals for one sink: %s and %s", journals[0], journals[1])
	}
	if st := s.Stats(); st.Stored != 3 || st.Duplicates != 0 {
		t.Errorf("the sink stored %d, duplicates %d; want 3 and 0", st.Stored, st.Duplicates)
	}
}
