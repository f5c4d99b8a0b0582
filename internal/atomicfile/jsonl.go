package atomicfile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// JSONLWriter appends one JSON object per line to a file and fsyncs after
// each, so a record that Append returned nil for survives a crash. A crash
// during Append can leave a torn last line; readers must tolerate it (the
// replay journal moves such lines to "<journal>.broken").
//
// It is safe for concurrent use.
//
// Concurrent appenders share fsyncs (group commit): each waits until an
// fsync that started after its own write returned, so with N senders the
// journal costs about one fsync per round instead of one per record.
type JSONLWriter struct {
	mu      sync.Mutex // guards f and written
	f       *os.File
	path    string
	written uint64 // records written so far

	syncMu sync.Mutex // serialises fsyncs; guards synced
	synced uint64     // records known durable
}

// OpenJSONL opens path for appending, creating it (and fsyncing its
// directory, so the new name is durable) when it does not exist.
func OpenJSONL(path string) (*JSONLWriter, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("atomicfile: open journal %s: %w", path, err)
	}
	if statErr != nil {
		if err := SyncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &JSONLWriter{f: f, path: path}, nil
}

// Path is the file written.
func (w *JSONLWriter) Path() string { return w.path }

// Append writes v as one line and fsyncs. The line is written with a
// single write call so that concurrent appenders never interleave.
func (w *JSONLWriter) Append(v any) error { return w.append(v, true) }

// AppendBuffered writes v as one line without fsync, for records whose
// durability can wait for the next Sync (or the next Append).
func (w *JSONLWriter) AppendBuffered(v any) error { return w.append(v, false) }

// AppendLines writes n records that the caller encoded, each one JSON
// object and a newline, with one write call and without fsync (as
// AppendBuffered). A replay batch's records go in one write instead of
// one per record.
func (w *JSONLWriter) AppendLines(lines []byte, n int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("atomicfile: append to %s: %w", w.path, os.ErrClosed)
	}
	if _, err := w.f.Write(lines); err != nil {
		return fmt.Errorf("atomicfile: append to %s: %w", w.path, err)
	}
	w.written += uint64(n)
	return nil
}

// Sync fsyncs what was appended.
func (w *JSONLWriter) Sync() error {
	w.mu.Lock()
	seq := w.written
	closed := w.f == nil
	w.mu.Unlock()
	if closed {
		return fmt.Errorf("atomicfile: sync %s: %w", w.path, os.ErrClosed)
	}
	return w.syncTo(seq)
}

// syncTo returns once record seq is durable, fsyncing unless an fsync
// that began after record seq was written has already done so.
func (w *JSONLWriter) syncTo(seq uint64) error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.synced >= seq {
		return nil
	}
	w.mu.Lock()
	f, target := w.f, w.written
	w.mu.Unlock()
	if f == nil {
		return fmt.Errorf("atomicfile: fsync %s: %w", w.path, os.ErrClosed)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: fsync %s: %w", w.path, err)
	}
	w.synced = target
	return nil
}

func (w *JSONLWriter) append(v any, sync bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("atomicfile: encode record for %s: %w", w.path, err)
	}
	b = append(b, '\n')
	w.mu.Lock()
	if w.f == nil {
		w.mu.Unlock()
		return fmt.Errorf("atomicfile: append to %s: %w", w.path, os.ErrClosed)
	}
	if _, err := w.f.Write(b); err != nil {
		w.mu.Unlock()
		return fmt.Errorf("atomicfile: append to %s: %w", w.path, err)
	}
	w.written++
	seq := w.written
	w.mu.Unlock()
	if !sync {
		return nil
	}
	return w.syncTo(seq)
}

// Close closes the file. Appending after Close fails.
func (w *JSONLWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
