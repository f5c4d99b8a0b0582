package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// A checkpoint returns its last whole version; a torn write (here: bytes
// of the newer slot spoiled, as a crash in mid-write leaves them) falls
// back to the version before, and a file with no whole slot is not ok.
func TestCheckpointTornSlotKeepsPrevious(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ck")
	c, _, ok, err := OpenCheckpoint(path)
	if err != nil || ok {
		t.Fatalf("new checkpoint: ok=%v err=%v", ok, err)
	}
	for _, v := range []string{"one", "two", "three"} {
		if err := c.Write([]byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	reopen := func() (*Checkpoint, string, bool) {
		c, p, ok, err := OpenCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return c, string(p), ok
	}
	if _, p, ok := reopen(); !ok || p != "three" {
		t.Fatalf("reopened: %q ok=%v, want three", p, ok)
	}
	// "three" is the third write: slot 1 (writes alternate 1, 0, 1).
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("thr#e"), checkpointSlot+checkpointHeader); err != nil {
		t.Fatal(err)
	}
	f.Close()
	c2, p, ok := reopen()
	if !ok || p != "two" {
		t.Fatalf("after a torn slot: %q ok=%v, want two", p, ok)
	}
	// The next write goes to the slot after the valid one, never over it.
	c3, _, _, _ := OpenCheckpoint(path)
	if c3.seq != c2.seq {
		t.Fatalf("seq %d, want %d", c3.seq, c2.seq)
	}
	if err := c3.Write([]byte("four")); err != nil {
		t.Fatal(err)
	}
	c3.Close()
	if _, p, ok := reopen(); !ok || p != "four" {
		t.Fatalf("after rewriting: %q ok=%v, want four", p, ok)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte{0xff}, 2*checkpointSlot), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, p, ok := reopen(); ok {
		t.Fatalf("garbage read as %q", p)
	}
	if err := c3.Write(make([]byte, CheckpointMax+1)); err == nil {
		t.Error("an oversized payload was accepted")
	}
}
