package smtpsink

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// transcriptWriter records one connection's raw bytes. Each line starts
// with "C: " (client to sink) or "S: " (sink to client) and the bytes after
// the prefix are exactly the wire bytes, line ends included. When the
// direction changes in the middle of a line (a line without its LF yet),
// a "\n" is inserted so the next prefix starts a line; it is the only byte
// the transcript adds.
type transcriptWriter struct {
	mu        sync.Mutex
	f         *os.File
	w         *bufio.Writer
	dir       byte
	lineStart bool
}

func openTranscript(dir, connID string) (*transcriptWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("smtpsink: create transcripts dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, connID+".log"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: create transcript: %w", err)
	}
	return &transcriptWriter{f: f, w: bufio.NewWriter(f), lineStart: true}, nil
}

func (t *transcriptWriter) record(dir byte, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return
	}
	if dir != t.dir && !t.lineStart {
		t.w.WriteByte('\n')
		t.lineStart = true
	}
	t.dir = dir
	for len(b) > 0 {
		if t.lineStart {
			t.w.WriteByte(dir)
			t.w.WriteString(": ")
			t.lineStart = false
		}
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if i < len(b) {
			t.w.Write(b[:i+1])
			t.lineStart = true
			b = b[i+1:]
			continue
		}
		t.w.Write(b)
		b = nil
	}
}

func (t *transcriptWriter) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return
	}
	t.w.Flush()
	t.f.Close()
	t.f = nil
}
