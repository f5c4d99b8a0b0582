package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// MboxMessage is where one message of an mbox file lies: its ordinal
// (1-based), the file offset of its "From " line and its length in bytes
// (up to the next message's "From " line, or the end of the file), and
// what the split has to say about it.
type MboxMessage struct {
	Ordinal int
	Offset  int64
	Length  int64

	// ByLength: the message ends where its Content-Length field says
	// (mboxcl, mboxcl2), not at the first "From " line after an empty
	// line. Spanned counts the "From " lines after an empty line inside
	// it that the From-line split would have started a message at.
	ByLength bool
	Spanned  int
	// LengthIgnored is set when the header has a Content-Length field
	// that does not end at a message separator or at the end of the
	// file: it says why, and the message was split at "From " lines
	// instead. Empty when the field was used or is absent.
	LengthIgnored string
	// LengthField is the Content-Length field's line (without the line
	// end), LengthOffset its file offset and LengthEnd the file offset
	// where its length ends (-1: not a number), when LengthNote tells of
	// it; nil and zeros otherwise.
	LengthOffset, LengthEnd int64
	LengthField             []byte

	// Prologue is how many bytes before this message's "From " line
	// belong to no message: a UTF-8 byte-order mark or empty lines at
	// the start of the file (only message 1 can have them).
	Prologue int64
}

// SplitMbox reads an mbox file (RFC 4155: messages that each start with a
// "From " line) and returns where each message lies, as EachMbox splits
// it. The list grows with the message count (EachMbox does not).
func SplitMbox(r io.Reader) ([]MboxMessage, error) {
	var out []MboxMessage
	err := EachMbox(r, func(m MboxMessage) bool {
		out = append(out, m)
		return true
	})
	return out, err
}

// SizedReaderAt is a reader EachMbox can read ahead in
// (io.SectionReader, bytes.Reader, strings.Reader).
type SizedReaderAt interface {
	io.ReaderAt
	Size() int64
}

// EachMbox splits an mbox file and gives yield each message as soon as its
// end is known; false from yield stops the read.
//
// A message starts at a "From " line at the start of the file or after an
// empty line (mboxo and mboxrd writers escape a body's "From " lines as
// ">From "), or right after another line when it is a Mozilla "From - "
// line or a "From " line with an asctime date (isSeparator); an undated
// unescaped one without an empty line before it stays in its message. A
// message whose header has a Content-Length field (the mboxcl and mboxcl2
// variants of Solaris mailx, SVR4 mail and some mutt and Mail::Box
// configurations, which do not escape body lines) spans that many body
// bytes when they end exactly at the end of the file, or at a "From "
// line, or one line end before a "From " line or the end (the empty line
// writers put there, or the body's last line end; as mutt checks it); its
// body may then hold "From " lines after empty lines (Spanned). A length that lands anywhere else is
// not used and the message is split at "From " lines (LengthIgnored).
// Bytes before the first "From " line (a byte-order mark, empty lines, or
// anything else) belong to no message (Prologue). No byte is changed:
// ">From " lines stay as written, CRLF line ends are line ends.
//
// The split of a message depends on its own bytes only, so a reader that
// starts at a message's "From " line splits the rest of the file as the
// whole file's split does (offsets relative to that start). r is read
// once, in order, with bounded memory, when it is a SizedReaderAt (read
// from its offset 0; a Content-Length end is checked with one small
// positioned read; TeeMbox to see the bytes go by); any other reader is
// read into memory first.
func EachMbox(r io.Reader, yield func(MboxMessage) bool) error {
	ra, ok := r.(SizedReaderAt)
	if !ok {
		b, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("parse: read mbox: %w", err)
		}
		ra = bytes.NewReader(b)
	}
	var seq io.Reader = io.NewSectionReader(ra, 0, ra.Size())
	if t, ok := r.(*mboxTee); ok {
		seq = t
	}
	s := mboxScanner{ra: ra, size: ra.Size(), br: bufio.NewReaderSize(seq, 64<<10)}
	return s.run(yield)
}

// TeeMbox is r for EachMbox, which then writes every byte of it to w as
// it reads them, once and in order (a hash of the whole file in the same
// pass). An io.TeeReader would hide r's ReaderAt, and EachMbox would read
// the file into memory.
func TeeMbox(r SizedReaderAt, w io.Writer) io.Reader {
	return &mboxTee{SizedReaderAt: r, seq: io.TeeReader(io.NewSectionReader(r, 0, r.Size()), w)}
}

// mboxTee reads its file in order through the tee; ReadAt (EachMbox's
// look at a Content-Length's end) goes around it.
type mboxTee struct {
	SizedReaderAt
	seq io.Reader
}

func (t *mboxTee) Read(p []byte) (int, error) { return t.seq.Read(p) }

// mboxScanner reads an mbox line by line; off is the file offset of the
// next byte br gives.
type mboxScanner struct {
	ra   io.ReaderAt
	size int64
	br   *bufio.Reader
	off  int64
	// lineStart: the next byte starts a line; prevEmpty: the line before
	// it was empty (at the start of the file too).
	lineStart, prevEmpty bool
	// cl is the header's Content-Length fields, peek the bytes read at a
	// length's end: reused for every message.
	cl   clField
	peek [2 + len("From ")]byte
}

// line returns the next line or segment of one (at most the buffer's
// size, for a longer line) and its offset. It returns nil at the end.
func (s *mboxScanner) line() ([]byte, int64, error) {
	at := s.off
	chunk, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || err == io.EOF {
		err = nil
	}
	if err != nil {
		return nil, at, fmt.Errorf("parse: read mbox: %w", err)
	}
	if len(chunk) == 0 {
		return nil, at, nil
	}
	s.off += int64(len(chunk))
	return chunk, at, nil
}

// isSeparator reports whether chunk, read at a line start or not (start),
// is a line a message can start at; the line state is still the one
// before chunk. After an empty line (or at the start) any "From " line is
// one: mboxo and mboxrd, "From MAILER-DAEMON" and Gmail's "From
// 1844347792267117879@xxx" lines without a date too. Right after another
// line only a Mozilla "From - " line or a complete "From " line with its
// asctime date is (fromMarker): Netscape and Thunderbird write the next
// "From - <date>" line right after a body's last line, mutt splits at any
// dated "From " line, and a body line that holds nothing but such a line
// is not text people write; an unescaped "From here on" line stays in its
// body.
func (s *mboxScanner) isSeparator(chunk []byte, start bool) bool {
	return start && bytes.HasPrefix(chunk, fromLine) && (s.prevEmpty || fromMarker.Match(chunk))
}

var fromLine = []byte("From ")

// fromMarker is a Mozilla "From - " line (with or without the date), or a
// "From " line with a sender and an asctime date (RFC 4155; mutt's
// is_from): weekday, month, day, time with or without seconds, an
// optional zone name or offset, the year, and UUCP's "remote from" tail.
// "From - Mon Jun  3 12:50:27 1996", "From MAILER-DAEMON Fri Jul  8
// 12:08:34 2011", "From markov Wed Feb  9 22:02 MET 2000".
var fromMarker = regexp.MustCompile(`^From (?:- *|\S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d\d(?::\d\d)? +(?:[A-Z]{1,5} +|[+-]\d{4} +)?\d{4}(?: +[+-]\d{4})?(?: +remote from \S+)? *)\r?\n$`)

// advance updates the line state after chunk, read at a line start or not.
func (s *mboxScanner) advance(chunk []byte, start bool) {
	complete := chunk[len(chunk)-1] == '\n'
	if start {
		s.prevEmpty = complete && isEmptyLine(chunk)
	} else {
		s.prevEmpty = false
	}
	s.lineStart = complete
}

func isEmptyLine(b []byte) bool {
	return len(b) == 1 && b[0] == '\n' || len(b) == 2 && b[0] == '\r' && b[1] == '\n'
}

func (s *mboxScanner) run(yield func(MboxMessage) bool) error {
	s.lineStart, s.prevEmpty = true, true
	// The prologue: anything before the first separator, a UTF-8
	// byte-order mark at the very start read as no byte of a line.
	at := int64(-1)
	for at < 0 {
		chunk, off, err := s.line()
		if err != nil || chunk == nil {
			return err
		}
		start := s.lineStart
		if off == 0 && bytes.HasPrefix(chunk, utf8BOM) {
			chunk, off = chunk[len(utf8BOM):], off+int64(len(utf8BOM))
		}
		if len(chunk) == 0 {
			continue
		}
		if s.isSeparator(chunk, start) {
			at = off
		}
		s.advance(chunk, start)
	}
	cur := MboxMessage{Ordinal: 1, Offset: at, Prologue: at}
	for {
		next, err := s.message(&cur)
		if cur.LengthField == nil {
			cur.LengthOffset, cur.LengthEnd = 0, 0 // nothing to tell
		}
		if next < 0 || err != nil {
			cur.Length = s.off - cur.Offset
			yield(cur)
			return err
		}
		cur.Length = next - cur.Offset
		if !yield(cur) {
			return nil
		}
		cur = MboxMessage{Ordinal: cur.Ordinal + 1, Offset: next}
	}
}

// message reads message m, whose "From " line's first line or segment has
// been read (and the line state advanced past it), and returns the offset
// of the next message's "From " line, whose first segment it has read
// too, or -1 at the end of the file.
func (s *mboxScanner) message(m *MboxMessage) (int64, error) {
	// The rest of a "From " line longer than the buffer.
	for !s.lineStart {
		chunk, _, err := s.line()
		if err != nil || chunk == nil {
			return -1, err
		}
		s.advance(chunk, false)
	}
	// The header, to its empty line: the Content-Length fields.
	cl := &s.cl
	*cl = clField{line: cl.line[:0]}
	bodyStart := int64(-1)
	for bodyStart < 0 {
		chunk, off, err := s.line()
		if err != nil || chunk == nil {
			return -1, err
		}
		start := s.lineStart
		if s.isSeparator(chunk, start) {
			// A dated "From " line in a header that has not ended: the
			// next message (this one is cut short).
			s.advance(chunk, start)
			return off, nil
		}
		if start && isEmptyLine(chunk) {
			bodyStart = s.off
		} else if start {
			cl.add(chunk, off)
		}
		s.advance(chunk, start)
	}
	end := int64(-1)
	if cl.n > 0 {
		end = s.lengthEnd(m, cl, bodyStart)
	}
	// The body, to the next separator, or to the length's end when it
	// holds.
	for {
		chunk, off, err := s.line()
		if err != nil || chunk == nil {
			if err == nil && end >= 0 && end != s.off {
				return -1, fmt.Errorf("parse: read mbox: the file ended at %d, before the Content-Length end %d (it shrank while read)", s.off, end)
			}
			if end >= 0 && m.Spanned > 0 {
				m.LengthField = bytes.Clone(cl.line)
			}
			return -1, err
		}
		sep := s.isSeparator(chunk, s.lineStart)
		s.advance(chunk, s.lineStart)
		switch {
		case end >= 0 && off == end:
			if m.Spanned > 0 {
				m.LengthField = bytes.Clone(cl.line)
			}
			return off, nil
		case end >= 0:
			if sep {
				m.Spanned++
			}
		case sep:
			return off, nil
		}
	}
}

// clField collects the Content-Length fields of one header; line is the
// first one's text, in a buffer the scanner reuses.
type clField struct {
	n      int
	value  int64 // -1: not a number
	differ bool
	off    int64
	line   []byte
}

var clName = []byte("content-length:")

func (c *clField) add(line []byte, off int64) {
	if len(line) < len(clName) || !bytes.EqualFold(line[:len(clName)], clName) {
		return
	}
	text := bytes.TrimRight(line, "\r\n")
	v := digits(bytes.Trim(text[len(clName):], " \t"))
	c.n++
	if c.n == 1 {
		c.value, c.off, c.line = v, off, append(c.line[:0], text...)
	} else if v != c.value {
		c.differ = true
	}
}

// digits is the value of b, a decimal number of at most 18 digits, or -1.
func digits(b []byte) int64 {
	if len(b) == 0 || len(b) > 18 {
		return -1
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

// lengthEnd checks m's Content-Length, whose body starts at bodyStart, and
// returns the offset of the next message's "From " line (or the end of
// the file) it gives, or -1 when it does not hold; m says which.
func (s *mboxScanner) lengthEnd(m *MboxMessage, cl *clField, bodyStart int64) int64 {
	m.LengthOffset, m.LengthEnd = cl.off, -1
	ignore := func(why string) int64 {
		m.LengthIgnored = why
		m.LengthField = bytes.Clone(cl.line)
		return -1
	}
	switch {
	case cl.differ:
		return ignore(fmt.Sprintf("%d Content-Length fields that differ", cl.n))
	case cl.value < 0:
		return ignore("not a number")
	}
	end := bodyStart + cl.value
	m.LengthEnd = end
	switch {
	case cl.value > s.size-bodyStart:
		return ignore(fmt.Sprintf("it runs %d bytes past the end of the file: a truncated message, or a wrong length", cl.value-(s.size-bodyStart)))
	case end == s.size:
		m.ByLength = true
		return end
	}
	// The bytes at the end: a "From " line, or one line end (the empty
	// line writers put after a message, or the body's own last line end
	// that Netscape's lengths leave out; mutt checks for "From " one
	// byte past the length) and then a "From " line or the end.
	b := s.peek[:]
	n, err := s.ra.ReadAt(b, end-1)
	if err != nil && err != io.EOF {
		return ignore(fmt.Sprintf("reading at its end: %v", err))
	}
	after := b[1:n]
	switch {
	case bytes.HasPrefix(after, fromLine) && b[0] == '\n':
	case bytes.HasPrefix(after, []byte("\n")) && s.separatorOrEnd(end+1):
		end++
	case bytes.HasPrefix(after, []byte("\r\n")) && s.separatorOrEnd(end+2):
		end += 2
	default:
		return ignore("it ends neither at a From line, nor one line end before one, nor at the end of the file")
	}
	m.ByLength = true
	return end
}

// LengthNote says what the split made of the message's Content-Length
// field, for a finding: "" when there is nothing to tell (no field, or
// one that agrees with the From-line split). Its offsets are m's, so a
// caller that split a part of a file adds the part's offset first.
func (m *MboxMessage) LengthNote() string {
	switch {
	case m.LengthIgnored != "" && m.LengthEnd >= 0:
		return fmt.Sprintf("%s (its end, file offset %d) is not used: %s; the message was split at From lines (mboxo/mboxrd)", m.LengthField, m.LengthEnd, m.LengthIgnored)
	case m.LengthIgnored != "":
		return fmt.Sprintf("%s is not used: %s; the message was split at From lines (mboxo/mboxrd)", m.LengthField, m.LengthIgnored)
	case m.ByLength && m.Spanned > 0:
		return fmt.Sprintf("%s holds (its end, file offset %d, is at a message separator): the message is read to there (mboxcl2), over %d \"From \" line(s) inside its body that a From-line split would start a message at", m.LengthField, m.LengthEnd, m.Spanned)
	}
	return ""
}

// separatorOrEnd reports whether the file ends at off or a "From " line
// starts there.
func (s *mboxScanner) separatorOrEnd(off int64) bool {
	if off == s.size {
		return true
	}
	b := s.peek[:len(fromLine)]
	n, _ := s.ra.ReadAt(b, off)
	return bytes.Equal(b[:n], fromLine)
}

// Shift moves m's offsets by base: m was split from a reader that starts
// base bytes into its file (the rest of an mbox, inventory's mboxRest).
func (m *MboxMessage) Shift(base int64) {
	m.Offset += base
	if m.LengthField != nil {
		m.LengthOffset += base
		if m.LengthEnd >= 0 {
			m.LengthEnd += base
		}
	}
}

// MboxHead reports whether head, the first bytes of a file, starts an
// mbox: a "From " line, after at most a UTF-8 byte-order mark and empty
// lines (a file saved as "UTF-8 with BOM", or copied with a leading line
// end), which EachMbox leaves out of every message (Prologue).
func MboxHead(head []byte) bool {
	head = bytes.TrimPrefix(head, utf8BOM)
	for {
		switch {
		case bytes.HasPrefix(head, []byte("\n")):
			head = head[1:]
		case bytes.HasPrefix(head, []byte("\r\n")):
			head = head[2:]
		default:
			return bytes.HasPrefix(head, fromLine)
		}
	}
}
