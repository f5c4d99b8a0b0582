package inventory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanSkipReadsOnce checks that the head shown to Options.Skip is the
// file's first bytes and that a file kept is parsed whole, head included
// (its sha256 and size cover every byte).
func TestScanSkipReadsOnce(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "IN")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("a line of body text that is long enough\r\n", 100)
	keep := []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: kept\r\n\r\n" + body)
	skip := []byte("SKIPME\r\n" + body)
	if err := os.WriteFile(filepath.Join(in, "KEEP0001"), keep, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "SKIP0001"), skip, 0o644); err != nil {
		t.Fatal(err)
	}
	var heads [][]byte
	opts := Options{Workers: 1, Skip: func(_ string, head []byte) bool {
		heads = append(heads, append([]byte(nil), head...))
		return bytes.HasPrefix(head, []byte("SKIPME"))
	}}
	ms, err := Scan(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Name != "KEEP0001" {
		t.Fatalf("got %d messages, want only KEEP0001", len(ms))
	}
	if len(heads) != 2 {
		t.Fatalf("Skip was asked %d times, want 2", len(heads))
	}
	for _, h := range heads {
		if len(h) != skipHeadLen || !(bytes.HasPrefix(keep, h) || bytes.HasPrefix(skip, h)) {
			t.Errorf("head %q is not the first %d bytes of a file", h[:20], skipHeadLen)
		}
	}
	sum := sha256.Sum256(keep)
	if m := ms[0]; m.SHA256 != hex.EncodeToString(sum[:]) || m.Size != int64(len(keep)) || m.Subject != "kept" || m.Queue != "IN" {
		t.Errorf("kept message: sha256 %s size %d subject %q queue %q; want %x, %d, kept, IN", m.SHA256, m.Size, m.Subject, m.Queue, sum, len(keep))
	}
}

// TestScanNamedFileNotSkipped checks that a file named on the command
// line is scanned even when Skip would leave it out of a folder walk.
func TestScanNamedFileNotSkipped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.eml")
	if err := os.WriteFile(p, []byte("SKIPME\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, err := Scan(context.Background(), []string{p}, Options{Skip: func(string, []byte) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("got %d messages, want 1", len(ms))
	}
}
