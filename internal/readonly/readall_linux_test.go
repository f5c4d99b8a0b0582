package readonly

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadAllIsReadToEnd: ReadAll gives the bytes and the error that
// reading with Read to the end gives (io.ReadAll's nil for a clean end),
// for a file unchanged, grown, shrunk or rewritten after the open, empty,
// larger than the buffer it is given, and for the size-0 files of /proc
// (one readable, one whose every read fails).
func TestReadAllIsReadToEnd(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := strings.Repeat("0123456789abcdef", 20000) // 320,000 bytes
	cases := []struct {
		name  string
		path  string
		after func(p string) // run once both files are open
	}{
		{"unchanged", write("u", "hello world"), nil},
		{"empty", write("e", ""), nil},
		{"big", write("b", big), nil},
		{"grown", write("g", "hello"), func(p string) { appendTo(t, p, " world") }},
		{"big grown", write("bg", big), func(p string) { appendTo(t, p, "x") }},
		{"shrunk", write("s", "hello world"), func(p string) {
			if err := os.Truncate(p, 3); err != nil {
				t.Fatal(err)
			}
		}},
		{"rewritten", write("r", "hello"), func(p string) {
			if err := os.WriteFile(p, []byte("HELLO"), 0o644); err != nil {
				t.Fatal(err)
			}
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(p, later, later); err != nil {
				t.Fatal(err)
			}
		}},
		{"proc stat", "/proc/self/stat", nil},
		{"proc mem", "/proc/self/mem", nil},
	}
	for _, c := range cases {
		for _, buf := range [][]byte{nil, make([]byte, 0, 4)} {
			a, err := Open(c.path)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			b, err := Open(c.path)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if c.after != nil {
				c.after(c.path)
			}
			wantB, wantErr := io.ReadAll(a)
			gotB, gotErr := b.ReadAll(buf)
			// /proc/self/stat's text differs between two reads (times):
			// its length and the errors must not.
			if c.path == "/proc/self/stat" {
				wantB, gotB = []byte(fmt.Sprint(len(wantB) > 0)), []byte(fmt.Sprint(len(gotB) > 0))
			}
			if string(gotB) != string(wantB) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("%s (buffer cap %d): ReadAll %d bytes, %v; Read to the end %d bytes, %v",
					c.name, cap(buf), len(gotB), gotErr, len(wantB), wantErr)
			}
			// After ReadAll, Read says the same end.
			if _, err := b.Read(make([]byte, 1)); fmt.Sprint(err) != fmt.Sprint(orEOF(wantErr)) {
				t.Errorf("%s: Read after ReadAll: %v, want %v", c.name, err, orEOF(wantErr))
			}
			a.Close()
			b.Close()
			if c.after != nil {
				break // the change is made once
			}
		}
	}
}

func appendTo(t *testing.T, p, s string) {
	t.Helper()
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func orEOF(err error) error {
	if err == nil {
		return io.EOF
	}
	return err
}

// TestClosedFileIsOSClosed: a File read with ReadAll only (its bare
// descriptor, no os.File made) and one read with Read answer after Close
// as an os.File does: a second Close, Read, ReadAt and Seek give
// os.ErrClosed, ReadAll an error, and none of them reads through the
// closed descriptor's number, which the next open takes.
func TestClosedFileIsOSClosed(t *testing.T) {
	dir := t.TempDir()
	p, q := filepath.Join(dir, "f"), filepath.Join(dir, "other")
	if err := os.WriteFile(p, []byte("hello world"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(q, []byte("another file"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, viaRead := range []bool{false, true} {
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if viaRead {
			if _, err := io.ReadAll(f); err != nil {
				t.Fatal(err)
			}
		} else if b, err := f.ReadAll(nil); err != nil || string(b) != "hello world" {
			t.Fatalf("ReadAll = %q, %v", b, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		other, err := os.Open(q) // takes the number f's descriptor had
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); !errors.Is(err, os.ErrClosed) {
			t.Errorf("viaRead=%v: second Close = %v, want os.ErrClosed", viaRead, err)
		}
		if _, err := f.Seek(0, io.SeekStart); !errors.Is(err, os.ErrClosed) {
			t.Errorf("viaRead=%v: Seek after Close = %v, want os.ErrClosed", viaRead, err)
		}
		if n, err := f.ReadAt(make([]byte, 4), 0); n != 0 || !errors.Is(err, os.ErrClosed) {
			t.Errorf("viaRead=%v: ReadAt after Close = %d, %v, want os.ErrClosed", viaRead, n, err)
		}
		if b, err := f.ReadAll(nil); err == nil || len(b) != 0 {
			t.Errorf("viaRead=%v: ReadAll after Close = %q, %v, want no bytes and an error", viaRead, b, err)
		}
		if n, err := f.Read(make([]byte, 4)); n != 0 || err == nil {
			t.Errorf("viaRead=%v: Read after Close = %d, %v, want an error", viaRead, n, err)
		}
		other.Close()
	}
}
