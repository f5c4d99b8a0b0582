package readonly

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenFIFOReportsNotReads: a plain open of a FIFO without a writer
// blocks forever; Open returns at once with ErrNotRegular.
func TestOpenFIFOReportsNotReads(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := Open(p)
		if err == nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Fatalf("Open(fifo) = %v, want ErrNotRegular", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Open(fifo) blocked")
	}
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("Open(folder) = %v, want ErrNotRegular", err)
	}
}

// TestReadStopsAtOpenSizeAndReportsGrowth: bytes appended after Open are
// not read, and the growth is reported.
func TestReadStopsAtOpenSizeAndReportsGrowth(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString(" world")
	w.Close()
	b, err := io.ReadAll(f)
	if string(b) != "hello" || !errors.Is(err, ErrChanged) {
		t.Fatalf("read %q, %v; want \"hello\" and ErrChanged", b, err)
	}

	// Unchanged: a clean EOF.
	g, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if b, err := io.ReadAll(g); err != nil || string(b) != "hello world" {
		t.Fatalf("read %q, %v", b, err)
	}
}

// TestReadKeepsAccessTime: on Linux with relatime (an access time not
// after the modification time is updated on read), reading through Open
// leaves it alone.
func TestReadKeepsAccessTime(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("evidence"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 3, 14, 15, 30, 0, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile(p, 0)
	if err != nil || string(b) != "evidence" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if got := Atime(t, p); !got.Equal(old) {
		t.Fatalf("access time %s after the read, want %s", got, old)
	}
}

// Atime is the access time of path.
func Atime(t *testing.T, path string) time.Time {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
}
