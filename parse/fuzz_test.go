package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks the invariants of Parse on arbitrary input: no panic, a
// non-nil Message, the size and sha256 of the input, valid part paths,
// and excerpts and field offsets that are the input's bytes.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\xf7ImCr<a@b>EwLs"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n\r\n--a--"))
	f.Add([]byte("From a Mon\nFrom: a@b\n\nx\n\nFrom b Tue\nSubject: s\n\ny\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 1<<20 {
			return
		}
		m, err := Parse(bytes.NewReader(raw), &Options{LineBuffer: 4096, EnvelopeWindow: 4096, MaxParts: 50, MaxDepth: 20})
		if err != nil {
			t.Fatalf("unexpected error on in-memory input: %v", err)
		}
		if m == nil {
			t.Fatal("nil message")
		}
		sum := sha256.Sum256(raw)
		if m.Size != int64(len(raw)) || m.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("size/sha256 mismatch: %d %s", m.Size, m.SHA256)
		}
		if len(m.Parts) > 50 {
			t.Fatalf("%d parts recorded over MaxParts 50", len(m.Parts))
		}
		for i, p := range m.Parts {
			if i == 0 && p.Path != "" || i > 0 && (p.Path == "" || strings.HasPrefix(p.Path, ".") || strings.HasSuffix(p.Path, ".")) {
				t.Fatalf("bad part path %q at %d", p.Path, i)
			}
			if p.Depth > 21 {
				t.Fatalf("depth %d over MaxDepth", p.Depth)
			}
		}
		checkExcerpts(t, "fuzz", m, raw)
		checkMboxSplit(t, raw)
	})
}

// checkMboxSplit: the messages of an mbox follow each other without gap
// to the end of the input, and each one parsed at its offset quotes the
// input's bytes.
func checkMboxSplit(t *testing.T, raw []byte) {
	parts, err := SplitMbox(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("SplitMbox: %v", err)
	}
	for i, p := range parts {
		end := int64(len(raw))
		if i+1 < len(parts) {
			end = parts[i+1].Offset
		}
		if p.Ordinal != i+1 || p.Length <= 0 || p.Offset+p.Length != end || !bytes.HasPrefix(raw[p.Offset:], []byte("From ")) {
			t.Fatalf("mbox message %d: %+v (next at %d)", i+1, p, end)
		}
		m, err := ParseAt(bytes.NewReader(raw[p.Offset:end]), p.Offset, &Options{LineBuffer: 4096, EnvelopeWindow: 4096, MaxParts: 50, MaxDepth: 20})
		if err != nil || m.Size != p.Length {
			t.Fatalf("ParseAt message %d: size %d, %v", i+1, m.Size, err)
		}
		checkExcerpts(t, "fuzz mbox", m, raw)
	}
}
