//go:build unix

package inventory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestScanWalkTypesFromListing: with the folder listing's types standing
// for an lstat per entry, a walk still reads regular files only, with the
// size and time lstat gives (an unreadable one too), walks into folders,
// and reports links (to a file or a folder) and FIFOs without following
// or opening them.
func TestScanWalkTypesFromListing(t *testing.T) {
	dir := t.TempDir()
	msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"
	write := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "IN", "A0000001"))
	write(filepath.Join(dir, "IN", "sub", "B0000001"))
	write(filepath.Join(dir, "OUT", "C0000001"))
	old := time.Date(2001, 3, 14, 9, 26, 53, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "OUT", "C0000001"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("A0000001", filepath.Join(dir, "IN", "L1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub", filepath.Join(dir, "IN", "L2")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "IN", "F1"), 0o644); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(dir, "OUT", "D0000001")
	write(unreadable)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	ms, err := Scan(context.Background(), []string{dir}, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range ms {
		rel, _ := filepath.Rel(dir, m.Path)
		got[rel] = m.Error
		info, err := os.Lstat(m.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !m.ModTime.Equal(info.ModTime().UTC()) || (info.Mode().IsRegular() && m.Size != info.Size()) {
			t.Errorf("%s: mtime %v size %d; lstat says %v %d", rel, m.ModTime, m.Size, info.ModTime().UTC(), info.Size())
		}
	}
	want := map[string]string{"IN/A0000001": "", "IN/sub/B0000001": "", "OUT/C0000001": "", "IN/L1": "not a regular file", "IN/L2": "not a regular file", "IN/F1": "not a regular file"}
	if os.Geteuid() != 0 {
		want["OUT/D0000001"] = "permission denied"
	} else {
		want["OUT/D0000001"] = ""
	}
	if len(got) != len(want) {
		t.Fatalf("records %q, want %q", got, want)
	}
	for p, w := range want {
		e, ok := got[p]
		if !ok || (w == "") != (e == "") || !strings.Contains(e, w) {
			t.Errorf("%s: error %q (listed %v), want one containing %q", p, e, ok, w)
		}
	}
}
