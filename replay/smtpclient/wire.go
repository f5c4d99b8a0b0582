package smtpclient

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/textproto"
)

// wireView computes what an SMTP server receives from go-smtp's
// Client.Data: the bytes written are passed through the same
// net/textproto DotWriter the client uses (bare LF becomes CRLF, a final
// CRLF is added when missing, leading dots are doubled) and then
// dot-decoded with the state machine of go-smtp's server dataReader. Its
// hash is sha256_after: exact, without trusting a model of either side.
type wireView struct {
	dec *dotDecoder
	bw  *bufio.Writer
	dw  io.WriteCloser
}

func newWireView() *wireView {
	dec := &dotDecoder{h: sha256.New()}
	bw := bufio.NewWriter(dec)
	return &wireView{dec: dec, bw: bw, dw: textproto.NewWriter(bw).DotWriter()}
}

func (v *wireView) Write(b []byte) (int, error) { return v.dw.Write(b) }

// finish closes the simulated DATA and returns sha256 and size of the
// dot-decoded content.
func (v *wireView) finish() (string, int64) {
	v.dw.Close()
	v.bw.Flush()
	return hex.EncodeToString(v.dec.h.Sum(nil)), v.dec.n
}

// dotDecoder is go-smtp v0.26's server dataReader (data.go) as a writer:
// it hashes the bytes a go-smtp server hands to Session.Data.
type dotDecoder struct {
	h     hash.Hash
	n     int64
	state int
}

const (
	stBeginLine = iota
	stDot
	stDotCR
	stCR
	stData
	stEOF
)

func (d *dotDecoder) Write(b []byte) (int, error) {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if d.state == stEOF {
			break
		}
		switch d.state {
		case stBeginLine:
			if c == '.' {
				d.state = stDot
				continue
			}
			if c == '\r' {
				d.state = stCR
				break
			}
			d.state = stData
		case stDot:
			if c == '\r' {
				d.state = stDotCR
				continue
			}
			d.state = stData
		case stDotCR:
			if c == '\n' {
				d.state = stEOF
				continue
			}
			d.state = stData
		case stCR:
			if c == '\n' {
				d.state = stBeginLine
				break
			}
			d.state = stData
		case stData:
			if c == '\r' {
				d.state = stCR
			}
		}
		out = append(out, c)
	}
	d.h.Write(out)
	d.n += int64(len(out))
	return len(b), nil
}
