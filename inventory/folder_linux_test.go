package inventory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestScanEachClosesFolders: the workers open files relative to their
// folder's descriptor (readonly.Folder); every such descriptor is closed
// when ScanEach returns, after a whole walk of several folders and after
// a scan stopped part way by its callback, and every file is still read.
func TestScanEachClosesFolders(t *testing.T) {
	dir := t.TempDir()
	msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"
	n := 0
	for _, sub := range []string{"IN", "OUT", "IN/Archive", "Pickup"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			if err := os.WriteFile(filepath.Join(dir, sub, fmt.Sprintf("F%07d", i)), []byte(msg), 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	fds := func() int {
		es, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	before := fds()
	got := 0
	err := ScanEach(context.Background(), []string{dir}, Options{Workers: 2}, func(m *model.Message) error {
		if m.Error != "" || m.SHA256 == "" {
			t.Errorf("%s: %q", m.Path, m.Error)
		}
		got++
		return nil
	})
	if err != nil || got != n {
		t.Fatalf("ScanEach: %d of %d messages, %v", got, n, err)
	}
	if after := fds(); after != before {
		t.Errorf("%d descriptors open after ScanEach, %d before", after, before)
	}
	stop := fmt.Errorf("stop")
	err = ScanEach(context.Background(), []string{dir}, Options{Workers: 2}, func(m *model.Message) error {
		return stop
	})
	if err != stop {
		t.Fatalf("ScanEach stopped: %v", err)
	}
	if after := fds(); after != before {
		t.Errorf("%d descriptors open after a stopped ScanEach, %d before", after, before)
	}
}
