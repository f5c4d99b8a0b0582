package atomicfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
)

// Checkpoint is a small record rewritten in place, many times a second,
// whose last durable version survives any crash whole: the file holds two
// slots of one block each, written in turn, each with a sequence number
// and a CRC-32C, and a read takes the valid slot with the higher number.
// A write torn by a crash spoils only the slot it was writing; the other
// one holds the version before. Nothing is created or renamed per write
// (a Committer's BeforeSync returns File so that each group-commit step's
// own sync makes the record durable, at no sync of its own), and no
// version is trusted that does not check out: the write is atomic in
// what a reader can see, which is what a temporary name and a rename give
// a whole file.
type Checkpoint struct {
	mu  sync.Mutex
	f   *os.File
	seq uint64
}

// checkpointSlot is one slot: a block, so that writing one slot never
// rewrites the other's sector.
const checkpointSlot = 4096

var checkpointMagic = [8]byte{'I', 'M', 'S', 'F', 'C', 'K', 'P', '1'}

// checkpointHeader: magic, sequence (8), payload length (4), CRC-32C (4)
// of everything before it and the payload.
const checkpointHeader = 8 + 8 + 4 + 4

// CheckpointMax is the largest payload a Checkpoint holds.
const CheckpointMax = checkpointSlot - checkpointHeader

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// OpenCheckpoint opens (or creates) the checkpoint file at path and
// returns its last valid payload; ok is false when no slot is valid (a
// new file, or one that was never written whole).
func OpenCheckpoint(path string) (c *Checkpoint, payload []byte, ok bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, false, fmt.Errorf("atomicfile: open checkpoint: %w", err)
	}
	c = &Checkpoint{f: f}
	buf := make([]byte, 2*checkpointSlot)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, nil, false, fmt.Errorf("atomicfile: read checkpoint %s: %w", path, err)
	}
	buf = buf[:n]
	for lo := 0; lo < len(buf); lo += checkpointSlot {
		seq, p, valid := parseSlot(buf[lo:min(len(buf), lo+checkpointSlot)])
		if valid && (!ok || seq > c.seq) {
			c.seq, payload, ok = seq, p, true
		}
	}
	return c, payload, ok, nil
}

func parseSlot(b []byte) (uint64, []byte, bool) {
	if len(b) < checkpointHeader || !bytes.Equal(b[:8], checkpointMagic[:]) {
		return 0, nil, false
	}
	seq := binary.LittleEndian.Uint64(b[8:16])
	n := int(binary.LittleEndian.Uint32(b[16:20]))
	if n > CheckpointMax || len(b) < checkpointHeader+n {
		return 0, nil, false
	}
	h := crc32.Update(crc32.Checksum(b[:20], castagnoli), castagnoli, b[checkpointHeader:checkpointHeader+n])
	if h != binary.LittleEndian.Uint32(b[20:24]) {
		return 0, nil, false
	}
	return seq, append([]byte(nil), b[checkpointHeader:checkpointHeader+n]...), true
}

// Write puts payload in the slot not holding the last version. It does
// not sync: the caller's next sync (a group-commit step's, or Sync) makes
// it durable, and until then a crash leaves the version before.
func (c *Checkpoint) Write(payload []byte) error {
	if len(payload) > CheckpointMax {
		return fmt.Errorf("atomicfile: checkpoint payload of %d bytes (at most %d)", len(payload), CheckpointMax)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := make([]byte, checkpointHeader+len(payload))
	copy(b, checkpointMagic[:])
	binary.LittleEndian.PutUint64(b[8:16], c.seq+1)
	binary.LittleEndian.PutUint32(b[16:20], uint32(len(payload)))
	copy(b[checkpointHeader:], payload)
	h := crc32.Update(crc32.Checksum(b[:20], castagnoli), castagnoli, payload)
	binary.LittleEndian.PutUint32(b[20:24], h)
	if _, err := c.f.WriteAt(b, int64((c.seq+1)%2)*checkpointSlot); err != nil {
		return fmt.Errorf("atomicfile: write checkpoint %s: %w", c.f.Name(), err)
	}
	c.seq++
	return nil
}

// File is the checkpoint's file, for a Committer's BeforeSync.
func (c *Checkpoint) File() *os.File { return c.f }

// Sync makes the last Write durable.
func (c *Checkpoint) Sync() error {
	if err := c.f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: fsync checkpoint %s: %w", c.f.Name(), err)
	}
	return nil
}

// Close closes the file (without a sync).
func (c *Checkpoint) Close() error { return c.f.Close() }
