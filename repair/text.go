package repair

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
)

// text is one version of the file a repair works on: in memory (b), or in
// a file read through a window (the evidence opened read-only, or a
// version spilled to a temporary file), so a 1 GiB message costs a window,
// not a gigabyte. Offsets are the version's own, from 0 to Len.
//
// Every read goes through these methods, and every method gives the same
// answer for both kinds: a fixer cannot tell them apart, which is what
// TestStreamMatchesMemory checks over the corpora with a tiny window.
type text struct {
	b   []byte
	r   io.ReaderAt // nil when in memory
	off int64       // start of this version in r
	n   int64
	// The cached window: win holds the bytes at winAt.
	win   []byte
	winAt int64
	size  int // window size
	err   error
	st    *atomicfile.Staged // the spilled file holding it, if any
}

// defaultWindow is the bytes a file-backed text reads at a time.
const defaultWindow = 64 << 10

func memText(b []byte) *text { return &text{b: b, n: int64(len(b))} }

// fileText is the n bytes of r from off, read window bytes at a time.
func fileText(r io.ReaderAt, off, n int64, window int) *text {
	if window <= 0 {
		window = defaultWindow
	}
	return &text{r: r, off: off, n: n, size: window, winAt: -1}
}

func (t *text) Len() int64 { return t.n }

// inMemory reports a text whose bytes are b.
func (t *text) inMemory() bool { return t.r == nil }

// Err is the first read error of a file-backed text: the bytes read after
// it are zeros, so a repair that met one is reported as an error.
func (t *text) Err() error { return t.err }

// fill loads the window holding i.
func (t *text) fill(i int64) {
	at := i - i%int64(t.size)
	if cap(t.win) < t.size {
		t.win = make([]byte, t.size)
	}
	n := int(min(int64(t.size), t.n-at))
	t.win = t.win[:n]
	k, err := t.r.ReadAt(t.win, t.off+at)
	if k < n {
		clear(t.win[k:])
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if t.err == nil {
			t.err = fmt.Errorf("repair: read at %d: %w", t.off+at+int64(k), err)
		}
	}
	t.winAt = at
}

// At is the byte at i (0 <= i < Len).
func (t *text) At(i int64) byte {
	if t.r == nil {
		return t.b[i]
	}
	if t.winAt < 0 || i < t.winAt || i >= t.winAt+int64(len(t.win)) {
		t.fill(i)
	}
	return t.win[i-t.winAt]
}

// Span is a copy of the bytes a..b clipped to the text (nil when empty);
// in memory, the bytes themselves.
func (t *text) Span(a, b int64) []byte {
	a, b = max(a, 0), min(b, t.n)
	if a >= b {
		return nil
	}
	if t.r == nil {
		return t.b[a:b]
	}
	out := make([]byte, 0, b-a)
	t.each(a, b, func(p []byte) bool { out = append(out, p...); return true })
	return out
}

// each calls fn with the bytes a..b in order, a window at a time, until fn
// returns false.
func (t *text) each(a, b int64, fn func([]byte) bool) {
	a, b = max(a, 0), min(b, t.n)
	if t.r == nil {
		if a < b {
			fn(t.b[a:b])
		}
		return
	}
	for a < b {
		t.At(a)
		w := t.win[a-t.winAt : min(int64(len(t.win)), b-t.winAt)]
		if !fn(w) {
			return
		}
		a += int64(len(w))
	}
}

// Index is the offset of the first sep at or after from and ending at or
// before end, or -1: bytes.Index(raw[from:end], sep)+from.
func (t *text) Index(from, end int64, sep []byte) int64 {
	from, end = max(from, 0), min(end, t.n)
	if from > end {
		return -1
	}
	if t.r == nil {
		if k := bytes.Index(t.b[from:end], sep); k >= 0 {
			return from + int64(k)
		}
		return -1
	}
	// A match may straddle two windows: keep the last len(sep)-1 bytes.
	var carry []byte
	at := from // offset of carry[0]
	found := int64(-1)
	t.each(from, end, func(p []byte) bool {
		buf := append(carry, p...)
		if k := bytes.Index(buf, sep); k >= 0 {
			found = at + int64(k)
			return false
		}
		keep := min(len(buf), max(len(sep)-1, 0))
		at += int64(len(buf) - keep)
		carry = append(carry[:0:0], buf[len(buf)-keep:]...)
		return true
	})
	return found
}

// LastIndex is the offset of the last sep inside from..end, or -1.
func (t *text) LastIndex(from, end int64, sep []byte) int64 {
	from, end = max(from, 0), min(end, t.n)
	if from > end {
		return -1
	}
	if t.r == nil {
		if k := bytes.LastIndex(t.b[from:end], sep); k >= 0 {
			return from + int64(k)
		}
		return -1
	}
	last := int64(-1)
	for at := from; at <= end; {
		k := t.Index(at, end, sep)
		if k < 0 {
			break
		}
		last, at = k, k+1
	}
	return last
}

// IndexAny is the offset of the first byte of chars at or after from, or
// -1.
func (t *text) IndexAny(from int64, chars string) int64 {
	found := int64(-1)
	at := max(from, 0)
	t.each(at, t.n, func(p []byte) bool {
		if k := bytes.IndexAny(p, chars); k >= 0 {
			found = at + int64(k)
			return false
		}
		at += int64(len(p))
		return true
	})
	return found
}

// WriteTo writes the bytes a..b to w.
func (t *text) WriteRange(w io.Writer, a, b int64) error {
	var err error
	t.each(a, b, func(p []byte) bool {
		_, err = w.Write(p)
		return err == nil
	})
	if err == nil {
		err = t.err
	}
	return err
}

// Sum is the lower-case hex sha256 of the bytes a..b.
func (t *text) Sum(a, b int64) string {
	h := sha256.New()
	t.each(a, b, func(p []byte) bool { h.Write(p); return true })
	return hex.EncodeToString(h.Sum(nil))
}

// Reader reads the whole text (for parse).
func (t *text) Reader() io.Reader {
	if t.r == nil {
		return bytes.NewReader(t.b)
	}
	return io.NewSectionReader(t.r, t.off, t.n)
}

// Sub is the bytes a..b as a text of their own (one message of an mbox).
func (t *text) Sub(a, b int64) *text {
	if t.r == nil {
		return memText(t.b[a:b])
	}
	return fileText(t.r, t.off+a, b-a, t.size)
}

// readerAt reads the text's bytes at its own offsets.
func (t *text) readerAt() io.ReaderAt {
	if t.r == nil {
		return bytes.NewReader(t.b)
	}
	return io.NewSectionReader(t.r, t.off, t.n)
}
