package smtpclient

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// transcriptMu serialises writes of all connections to shared writers.
var transcriptMu sync.Mutex

// transcript writes both directions of one connection, already
// line-oriented, with "c<N>: " before every line, so that concurrent
// connections can be told apart in one transcript.
type transcript struct {
	w         io.Writer
	prefix    []byte
	lineStart bool
	secret    string // the next line written is shown as placeholder
	holder    string
}

func newTranscript(w io.Writer, id int) *transcript {
	return &transcript{w: w, prefix: []byte(fmt.Sprintf("c%d: ", id)), lineStart: true}
}

// hide makes the next occurrence of line (a credential) appear as
// placeholder.
func (p *transcript) hide(line, placeholder string) {
	p.secret, p.holder = line+"\r\n", placeholder+"\r\n"
}

func (p *transcript) Write(b []byte) (int, error) {
	in := b
	if p.secret != "" && bytes.Contains(b, []byte(p.secret)) {
		in = bytes.Replace(b, []byte(p.secret), []byte(p.holder), 1)
		p.secret = ""
	}
	var out bytes.Buffer
	for _, c := range in {
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
