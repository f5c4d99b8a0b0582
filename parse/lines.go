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
	// more: the bytes after this line are already buffered, so this line
	// is not the stream's last (its head need not be kept for the
	// no-final-crlf excerpt).
	more bool
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

// next fills s with the next segment and reports false at the end. s is
// filled in place: the parser's one segment lives on the heap (the excerpt
// callback takes its address), and returning a segment by value copied it
// there once per line, a tenth of the parser's time.
func (lr *lineReader) next(s *segment) bool {
	if lr.err != nil {
		return false
	}
	buf, err := lr.br.ReadSlice('\n')
	s.off, s.first = lr.off, !lr.midLine
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
		s.more = lr.br.Buffered() > 0
	case errors.Is(err, bufio.ErrBufferFull):
		if len(buf) > 1 && buf[len(buf)-1] == '\r' {
			// Keep the CR with the LF that may follow.
			if lr.br.UnreadByte() == nil {
				buf = buf[:len(buf)-1]
			}
		}
		s.data, s.eol, s.last, s.more = buf, eolNone, false, false
	default:
		s.data, s.eol, s.last, s.more = buf, eolNone, true, false
		if err != io.EOF {
			lr.err = err
		} else {
			lr.err = io.EOF
		}
		if len(buf) == 0 {
			lr.midLine = false
			*s = segment{}
			return false
		}
	}
	lr.off += int64(len(buf))
	lr.midLine = !s.last
	return true
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
