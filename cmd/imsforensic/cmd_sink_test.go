package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/stopwait"
)

// syncBuffer is a bytes.Buffer the sink and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSinkCommand runs `imsforensic sink` on store in-process until it
// says it listens; stop ends it and returns what the command returned.
func startSinkCommand(t *testing.T, store string) (*syncBuffer, func() error) {
	t.Helper()
	errb := &syncBuffer{}
	g := &globals{stdout: &bytes.Buffer{}, stderr: errb, stdin: strings.NewReader("")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, g, []string{"sink", "--listen", "127.0.0.1:0", "--store", store}) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errb.String(), "listening on") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return errb, func() error { cancel(); return stopwait.Await("imsforensic sink", done) }
}

// TestSinkSaysWhatItQuarantinedAtStart: the leftovers a restart moves to
// broken/ are said once on stderr, with the folder, before "listening".
func TestSinkSaysWhatItQuarantinedAtStart(t *testing.T) {
	store := t.TempDir()
	orphan := "20000101T000000.000000Z-000001.eml"
	if err := os.WriteFile(filepath.Join(store, orphan), []byte("never acknowledged"), 0o644); err != nil {
		t.Fatal(err)
	}
	errb, stop := startSinkCommand(t, store)
	if err := stop(); err != nil {
		t.Fatalf("sink: %v\n%s", err, errb.String())
	}
	out := errb.String()
	want := "moved 1 unacknowledged leftover file(s) to " + filepath.Join(store, "broken")
	if !strings.Contains(out, want) || strings.Index(out, want) > strings.Index(out, "listening on") {
		t.Errorf("stderr lacks %q before listening:\n%s", want, out)
	}
	if _, err := os.Stat(filepath.Join(store, "broken", orphan)); err != nil {
		t.Errorf("orphan not in broken/: %v", err)
	}
}

// TestSecondSinkOnAStoreInUseExits1: a store another sink holds is a
// runtime refusal that names the holder and what to do (exit 1), not a
// usage error, and the running sink keeps its store.
func TestSecondSinkOnAStoreInUseExits1(t *testing.T) {
	store := t.TempDir()
	errb, stop := startSinkCommand(t, store)
	_, stderr, code := runCLI(t, "", "sink", "--listen", "127.0.0.1:0", "--store", store)
	if err := stop(); err != nil {
		t.Fatalf("first sink: %v\n%s", err, errb.String())
	}
	if code != exitError || !strings.Contains(stderr, "is in use by process") || !strings.Contains(stderr, "another --store") ||
		strings.Contains(stderr, "--help") {
		t.Errorf("second sink: exit %d, stderr:\n%s\nwant exit %d naming the holder and what to do", code, stderr, exitError)
	}
}
