package replay

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// transcriptMu serialises writes of all connections to shared writers.
var transcriptMu sync.Mutex

// transcriptPrefixer writes go-smtp's client debug stream (both
// directions, already line-oriented) with "c<N>: " before every line, so
// concurrent connections can be told apart in one transcript.
type transcriptPrefixer struct {
	w         io.Writer
	prefix    []byte
	lineStart bool
}

func newTranscriptPrefixer(w io.Writer, id int) *transcriptPrefixer {
	return &transcriptPrefixer{w: w, prefix: []byte(fmt.Sprintf("c%d: ", id)), lineStart: true}
}

func (p *transcriptPrefixer) Write(b []byte) (int, error) {
	var out bytes.Buffer
	for _, c := range b {
		if p.lineStart {
			out.Write(p.prefix)
			p.lineStart = false
		}
		out.WriteByte(c)
		if c == '\n' {
			p.lineStart = true
		}
	}
	transcriptMu.Lock()
	defer transcriptMu.Unlock()
	if _, err := p.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}
