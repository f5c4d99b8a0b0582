package parse

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
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

// source is the parser's read buffer and the hash of the bytes it hands
// out. Given a caller's *bufio.Reader of the parser's buffer size (scan's
// per-file reader, which already holds the file's first read), the parser
// reads from that buffer itself instead of copying it into a second one
// through a hashing tee: lines are cut from the buffered bytes (view), the
// reader is told what was read only before it must read on (sync), and the
// read bytes are hashed in place, in runs as long as the buffer, just
// before it refills (pend). Otherwise the reader is wrapped as before: a
// tee into the hash (and a limit for MaxBytes) under a pooled buffer of
// the parser's own.
type source struct {
	br *bufio.Reader
	// direct: br is the caller's; h is fed from pend, not by a tee.
	direct bool
	h      hash.Hash
	// view holds the buffered bytes not read yet, unless stale (br has
	// moved since: view is taken again on next use).
	view  []byte
	stale bool
	// unsynced counts bytes read from view that br has not been told of.
	unsynced int
	// pend is the run of read bytes not hashed yet: a slice of br's
	// buffer ending where reading stands (its capacity runs to the
	// buffer's end), valid until br fills again.
	pend []byte
	// size is the pooled buffer's size, for release (not direct); in
	// memory, the buffer size whose reads are emulated.
	size int
	// mem: the input is all (WholeReader), read at pos; end is what
	// reading past it returns (io.EOF or the reader's error). br is nil.
	mem    bool
	digest [sha256.Size]byte // in memory, the SHA-256 of all
	all    []byte
	pos    int
	end    error
	// nulAt is, in memory, the index of the first NUL in all at or after
	// where mayHoldNUL last searched (len(all): none); -1 before.
	nulAt int
}

// WholeReader is a reader whose bytes are all in memory already (a file
// read whole with one read): Parse then reads them in place, hashes them
// in one call and cuts its lines from them, as its own buffer of
// Options.LineBuffer bytes would have (lines longer than it in the same
// segments). WholeBytes returns the bytes and the error reading past them
// gives (nil: io.EOF), and leaves the reader at its end.
type WholeReader interface {
	io.Reader
	WholeBytes() ([]byte, error)
}

func newSource(r io.Reader, h hash.Hash, o *Options) *source {
	if w, ok := r.(WholeReader); ok && o.MaxBytes <= 0 {
		all, err := w.WholeBytes()
		if err == nil {
			err = io.EOF
		}
		// Parse reads to the end but for a MaxBytes limit (not here):
		// the hash of every byte read is the hash of all, taken at once
		// (sha256.Sum256: no digest and no sum allocated per file); h
		// is not used.
		return &source{mem: true, digest: sha256.Sum256(all), all: all, end: err, size: o.LineBuffer, nulAt: -1}
	}
	if h == nil {
		h = sha256.New()
	}
	if br, ok := r.(*bufio.Reader); ok && br.Size() == o.LineBuffer && o.MaxBytes <= 0 {
		s := &source{br: br, direct: true, h: h, stale: true}
		s.rebase()
		return s
	}
	var src io.Reader = io.TeeReader(r, h)
	if o.MaxBytes > 0 {
		src = io.LimitReader(src, o.MaxBytes+1)
	}
	return &source{br: getReader(src, o.LineBuffer), h: h, size: o.LineBuffer}
}

// release gives a pooled buffer back; a caller's reader is left past
// the bytes read, as if they had been read from it.
func (s *source) release() {
	if s.mem {
		return
	}
	if s.direct {
		s.sync()
	} else {
		putReader(s.br, s.size)
	}
}

// sync tells br of the bytes read from view, before anything else asks
// br; view is then stale.
func (s *source) sync() {
	if s.unsynced > 0 {
		s.br.Discard(s.unsynced) // buffered: never fails
		s.unsynced = 0
	}
	s.stale = true
}

// buffered is br.Buffered() as reading stands.
func (s *source) buffered() int {
	if s.mem {
		return len(s.all) - s.pos
	}
	if !s.direct || s.stale {
		return s.br.Buffered() - s.unsynced
	}
	return len(s.view)
}

// fresh takes view again after br moved.
func (s *source) fresh() {
	if s.stale {
		s.view, _ = s.br.Peek(s.br.Buffered()) // never fills
		s.stale = false
	}
}

// rebase starts pend where br reads, after anything that may have
// refilled the buffer (br synced).
func (s *source) rebase() {
	b, _ := s.br.Peek(0) // never fills
	s.pend = b
}

// flush hashes pend before the buffer may refill.
func (s *source) flush() {
	if len(s.pend) > 0 {
		s.h.Write(s.pend)
	}
	s.pend = s.pend[len(s.pend):]
}

// consumed marks the next k buffered bytes as read: pend grows over them.
func (s *source) consumed(k int) {
	s.pend = s.pend[:len(s.pend)+k]
}

// Peek is bufio.Reader.Peek.
func (s *source) Peek(n int) ([]byte, error) {
	if s.mem {
		// n is at most the buffer size: bufio's Peek gives n bytes, or
		// all that is left and the error after them.
		if rest := s.all[s.pos:]; n > len(rest) {
			return rest, s.end
		}
		return s.all[s.pos : s.pos+n], nil
	}
	if !s.direct {
		return s.br.Peek(n)
	}
	if s.fresh(); n <= len(s.view) {
		return s.view[:n], nil
	}
	s.sync()
	s.flush()
	b, err := s.br.Peek(n)
	s.rebase()
	return b, err
}

// Discard is bufio.Reader.Discard.
func (s *source) Discard(n int) (int, error) {
	if s.mem {
		k := min(n, len(s.all)-s.pos)
		s.pos += k
		if k < n {
			return k, s.end
		}
		return k, nil
	}
	if !s.direct {
		return s.br.Discard(n)
	}
	s.sync()
	done := 0
	for {
		k := min(n-done, s.br.Buffered())
		s.consumed(k)
		s.br.Discard(k) // buffered: never fails
		done += k
		if done == n {
			return done, nil
		}
		s.flush()
		_, err := s.br.Peek(1)
		s.rebase()
		if s.br.Buffered() == 0 {
			return done, err
		}
	}
}

// discardAll reads to the end, as io.Copy(io.Discard, br) does.
func (s *source) discardAll() (int64, error) {
	if s.mem {
		n := len(s.all) - s.pos
		s.pos = len(s.all)
		if s.end == io.EOF {
			return int64(n), nil
		}
		return int64(n), s.end
	}
	if !s.direct {
		return io.Copy(io.Discard, s.br)
	}
	s.sync()
	var n int64
	for {
		k := s.br.Buffered()
		s.consumed(k)
		s.br.Discard(k)
		n += int64(k)
		s.flush()
		_, err := s.br.Peek(1)
		s.rebase()
		if s.br.Buffered() == 0 {
			if err == io.EOF {
				err = nil
			}
			return n, err
		}
	}
}

// readSlice is bufio.Reader.ReadSlice('\n').
func (s *source) readSlice() ([]byte, error) {
	if s.mem {
		// bufio's ReadSlice finds the line end among the next s.size
		// bytes at most: a longer line comes as full buffers.
		rest := s.all[s.pos:]
		if i := bytes.IndexByte(rest[:min(len(rest), s.size)], '\n'); i >= 0 {
			s.pos += i + 1
			return rest[:i+1], nil
		}
		if len(rest) >= s.size {
			s.pos += s.size
			return rest[:s.size], bufio.ErrBufferFull
		}
		s.pos = len(s.all)
		return rest, s.end
	}
	if !s.direct {
		return s.br.ReadSlice('\n')
	}
	if s.fresh(); len(s.view) > 0 {
		if i := bytes.IndexByte(s.view, '\n'); i >= 0 {
			// The line is buffered whole: it is cut from view.
			line := s.view[:i+1]
			s.view = s.view[i+1:]
			s.unsynced += i + 1
			s.consumed(i + 1)
			return line, nil
		}
	}
	s.sync()
	s.flush()
	line, err := s.br.ReadSlice('\n')
	// Everything before line was hashed; line itself is read, and its
	// capacity runs to the buffer's end.
	s.pend = line
	return line, err
}

// unreadByte is bufio.Reader.UnreadByte right after a readSlice that
// returned bufio.ErrBufferFull (that readSlice asked br itself).
func (s *source) unreadByte() error {
	if s.mem {
		s.pos-- // only after a full buffer
		return nil
	}
	if err := s.br.UnreadByte(); err != nil {
		return err
	}
	if s.direct {
		s.pend = s.pend[:len(s.pend)-1]
	}
	return nil
}

// mayHoldNUL reports whether the bytes from index from to index to of the
// input may hold a NUL (from never decreases from call to call). In
// memory one search of the input answers for every line up to its next
// NUL, where a search per line was a third of the parser's byte scans.
func (s *source) mayHoldNUL(from, to int) bool {
	if !s.mem {
		return true
	}
	if s.nulAt < from {
		if i := bytes.IndexByte(s.all[from:], 0); i >= 0 {
			s.nulAt = from + i
		} else {
			s.nulAt = len(s.all)
		}
	}
	return s.nulAt < to
}

// sum is the hash of every byte read.
func (s *source) sum() []byte {
	if s.direct {
		s.flush()
	}
	if s.mem {
		return s.digest[:]
	}
	return s.h.Sum(nil)
}

// lineReader splits a stream into line segments without ever holding more
// than one buffer. A CR at the end of a full buffer is pushed back, so CRLF
// is never split across segments.
type lineReader struct {
	src     *source
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
	buf, err := lr.src.readSlice()
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
		s.more = lr.src.buffered() > 0
	case errors.Is(err, bufio.ErrBufferFull):
		if len(buf) > 1 && buf[len(buf)-1] == '\r' {
			// Keep the CR with the LF that may follow.
			if lr.src.unreadByte() == nil {
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
