package readonly

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// TestOpenInfoIsOSStat: the information Open builds from its one fstat
// is what os.Stat gives, for regular files of odd modes and (through
// openFile) for the types Open refuses.
func TestOpenInfoIsOSStat(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "r")
	if err := os.WriteFile(reg, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "p")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 3, 14, 9, 26, 53, 123456789, time.UTC)
	for _, mode := range []os.FileMode{0o644, 0o400 | os.ModeSetuid, 0o750 | os.ModeSetgid | os.ModeSticky} {
		if err := os.Chmod(reg, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(reg, old, old); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{reg, fifo, dir, dir + "/"} {
			want, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			f, got, err := openFile(p)
			if err != nil {
				t.Fatal(err)
			}
			opened := f.fd >= 0
			f.close()
			if got == nil {
				t.Fatalf("%s: no information", p)
			}
			if got.Name() != want.Name() || got.Size() != want.Size() || got.Mode() != want.Mode() || !got.ModTime().Equal(want.ModTime()) ||
				got.IsDir() != want.IsDir() || opened != want.Mode().IsRegular() {
				t.Errorf("%s: got %q %d %v %v, os.Stat %q %d %v %v", p, got.Name(), got.Size(), got.Mode(), got.ModTime(), want.Name(), want.Size(), want.Mode(), want.ModTime())
			}
			if st, ok := got.Sys().(*syscall.Stat_t); !ok || st.Ino != want.Sys().(*syscall.Stat_t).Ino {
				t.Errorf("%s: Sys() = %T, want the *syscall.Stat_t of the file", p, got.Sys())
			}
		}
	}
}

// TestOpenClearsNonblockKeepsNoatime: a regular file read only by
// ReadAll keeps the O_NONBLOCK of its open (handle_linux.go); the one
// F_SETFL made before its *os.File is made clears it and keeps O_NOATIME
// (the owner may set it).
func TestOpenClearsNonblockKeepsNoatime(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, err := f.ReadAll(nil); err != nil || string(b) != "hello" {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}
	if flags, err := unix.FcntlInt(uintptr(f.h.fd), unix.F_GETFL, 0); err != nil || flags&unix.O_NONBLOCK == 0 {
		t.Errorf("after ReadAll: status flags %#x, %v: want O_NONBLOCK still set (no F_SETFL)", flags, err)
	}
	of, err := f.h.osFile("fcntl")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := of.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	var ferr error
	if err := rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0) }); err != nil || ferr != nil {
		t.Fatal(err, ferr)
	}
	if flags&unix.O_NONBLOCK != 0 || flags&unix.O_NOATIME == 0 {
		t.Errorf("status flags %#x: want O_NOATIME set and O_NONBLOCK clear", flags)
	}
}
