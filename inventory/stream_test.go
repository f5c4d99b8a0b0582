package inventory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// ScanEach hands messages over in walk order (folders by name, depth
// first) whatever the number of workers, and holds only a window of them:
// with a consumer that is slow, the workers wait instead of piling up
// parsed messages.
func TestScanEachWalkOrderAndWindow(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for _, q := range []string{"IN", "OUT", "IN/Archive"} {
		os.MkdirAll(filepath.Join(dir, q), 0o755)
	}
	for _, q := range []string{"IN", "IN/Archive", "OUT"} {
		for i := 0; i < 40; i++ {
			p := filepath.Join(dir, q, fmt.Sprintf("M%03d", (i*37)%40))
			body := "From: a@x\r\nTo: b@x\r\nSubject: s\r\n\r\n" + strings.Repeat("x", i*50) + "\r\n"
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Walk order: IN's "Archive" folder sorts before its files ('A' < 'M').
	for _, q := range []string{"IN/Archive", "IN", "OUT"} {
		for i := 0; i < 40; i++ {
			want = append(want, filepath.Join(dir, q, fmt.Sprintf("M%03d", i)))
		}
	}
	for _, workers := range []int{1, 3, 8} {
		var got []string
		var started int
		err := ScanEach(context.Background(), []string{dir}, Options{Workers: workers, Slim: true,
			Progress: func(done, found int) { started = max(started, found-done) }}, func(m *model.Message) error {
			got = append(got, m.Path)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("workers %d: order\n%v\nwant\n%v", workers, got, want)
		}
		if started > workers*windowPerWorker {
			t.Errorf("workers %d: %d files found ahead of the consumer, want at most %d", workers, started, workers*windowPerWorker)
		}
	}
}

// The results waiting for an earlier, slower file hold at most about
// waitingBytes of file bytes: with 16 KiB files and a 64 KiB budget, a
// worker stops taking files after four wait, whatever the window, and the
// order is kept.
func TestScanEachBoundsWaitingBytes(t *testing.T) {
	dir := t.TempDir()
	var want []string
	body := "From: a@x\r\nTo: b@x\r\nSubject: s\r\n\r\n" + strings.Repeat("x", 16<<10) + "\r\n"
	for i := 0; i < 100; i++ {
		p := filepath.Join(dir, fmt.Sprintf("M%03d", i))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
	}
	old := waitingBytes
	waitingBytes = 64 << 10
	held := 0
	pendingHook = func(n int) { held = max(held, n) }
	defer func() { waitingBytes, pendingHook = old, nil }()
	const workers = 4
	var got []string
	err := ScanEach(context.Background(), []string{dir}, Options{Workers: workers, Slim: true}, func(m *model.Message) error {
		if len(got) == 0 {
			// The first file's consumer is slow: the others fill the budget.
			time.Sleep(100 * time.Millisecond)
		}
		got = append(got, m.Path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order\n%v\nwant\n%v", got, want)
	}
	if limit := 64/16 + workers + 1; held > limit || held == 0 {
		t.Errorf("%d results waited at once, want 1 to %d", held, limit)
	}
}

// An error from the consumer stops the scan and is returned.
func TestScanEachStopsOnConsumerError(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 50; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("F%02d", i)), []byte("Subject: x\r\n\r\nb\r\n"), 0o644)
	}
	n := 0
	stop := fmt.Errorf("stdout closed")
	err := ScanEach(context.Background(), []string{dir}, Options{Workers: 2}, func(*model.Message) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if err != stop || n != 5 {
		t.Errorf("err %v after %d messages, want the consumer's error after 5", err, n)
	}
}

// SkippedDir is told every folder the walk leaves out, at any depth, once
// each, and no other; a link to such a folder is not a folder of the walk.
func TestScanEachReportsSkippedDirs(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"IN/Log", "Logs", "OUT/x/BACKUP/y", "Pickup"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, d, "f"), []byte("Subject: x\r\n\r\nb\r\n"), 0o644)
	}
	// Windows makes symbolic links only with a privilege, and Wine 8.0's
	// CreateSymbolicLinkW says it made one and makes none: the link case
	// is Unix's (as in guard's and replay's tests).
	wantMessages := 1 // Pickup/f
	if runtime.GOOS != "windows" {
		if err := os.Symlink(filepath.Join(dir, "Logs"), filepath.Join(dir, "Pickup", "Log")); err != nil {
			t.Fatal(err)
		}
		wantMessages++ // Pickup/Log: a link, a record of its own
	}
	var got []string
	n := 0
	err := ScanEach(context.Background(), []string{dir}, Options{Workers: 2, SkippedDir: func(p string) { got = append(got, p) }},
		func(*model.Message) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "IN", "Log"), filepath.Join(dir, "Logs"), filepath.Join(dir, "OUT", "x", "BACKUP")}
	if !slices.Equal(got, want) || n != wantMessages {
		t.Errorf("skipped %v (%d messages), want %v", got, n, want)
	}
}
