package parse

import (
	"bufio"
	"errors"
	"io"
)

// line endings of a segment
const (
	eolNone = iota // the line continues in the next segment, or EOF
	eolLF          // bare LF
	eolCRLF
)

// segment is a piece of a line: the whole line when it fits in the read
// buffer, else consecutive pieces of it. data excludes the line ending.
type segment struct {
	data  []byte
	off   int64 // file offset of data[0]
	eol   int
	first bool // first segment of its line
	last  bool // ends its line (eol != eolNone, or EOF)
}

// lineReader splits a stream into line segments without ever holding more
// than one buffer. A CR at the end of a full buffer is pushed back, so CRLF
// is never split across segments.
type lineReader struct {
	br      *bufio.Reader
	off     int64
	midLine bool // the previous segment did not end its line
	err     error
}

func (lr *lineReader) next() (segment, bool) {
	if lr.err != nil {
		return segment{}, false
	}
	buf, err := lr.br.ReadSlice('\n')
	s := segment{off: lr.off, first: !lr.midLine}
	switch {
	case err == nil:
		n := len(buf)
		s.eol = eolLF
		end := n - 1
		if end > 0 && buf[end-1] == '\r' {
			s.eol = eolCRLF
			end--
		}
		s.data = buf[:end]
		s.last = true
	case errors.Is(err, bufio.ErrBufferFull):
		if len(buf) > 1 && buf[len(buf)-1] == '\r' {
			// Keep the CR with the LF that may follow.
			if lr.br.UnreadByte() == nil {
				buf = buf[:len(buf)-1]
			}
		}
		s.data = buf
	default:
		s.data = buf
		s.last = true
		if err != io.EOF {
			lr.err = err
		} else {
			lr.err = io.EOF
		}
		if len(buf) == 0 {
			lr.midLine = false
			return segment{}, false
		}
	}
	lr.off += int64(len(buf))
	lr.midLine = !s.last
	return s, true
}

// rawLen is the number of file bytes the segment covers.
func (s *segment) rawLen() int64 {
	switch s.eol {
	case eolLF:
		return int64(len(s.data)) + 1
	case eolCRLF:
		return int64(len(s.data)) + 2
	}
	return int64(len(s.data))
}

func (s *segment) eolBytes() []byte {
	switch s.eol {
	case eolLF:
		return lfBytes
	case eolCRLF:
		return crlfBytes
	}
	return nil
}

var (
	lfBytes   = []byte("\n")
	crlfBytes = []byte("\r\n")
)

// ioError returns the reader's error unless it is a clean EOF.
func (lr *lineReader) ioError() error {
	if lr.err == nil || lr.err == io.EOF {
		return nil
	}
	return lr.err
}
