package evidence

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
)

// Text evidence arrives as ANSI (kept byte for byte), UTF-8 with or without
// a BOM, or UTF-16LE: Event Viewer on Windows 2000/2003 saves "Unicode"
// text exports. Everything is turned into one byte stream before parsing.

type textEncoding int

const (
	encBytes textEncoding = iota // ANSI or UTF-8, no BOM
	encUTF8BOM
	encUTF16LE
	encUTF16BE
)

func sniffEncoding(head []byte) textEncoding {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return encUTF8BOM
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return encUTF16LE
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return encUTF16BE
	case len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		return encUTF16LE // no BOM, ASCII text in UTF-16LE
	}
	return encBytes
}

// decodeHead turns the head of a file into text for Detect.
func decodeHead(head []byte) string {
	switch sniffEncoding(head) {
	case encUTF8BOM:
		return string(head[3:])
	case encUTF16LE, encUTF16BE:
		b, _ := io.ReadAll(newTextReader(bytes.NewReader(head), head))
		return string(b)
	}
	return string(head)
}

// newTextReader returns r as a UTF-8 (or untouched ANSI) byte stream,
// the BOM removed. head is the start of r, used only to sniff.
func newTextReader(r io.Reader, head []byte) io.Reader {
	switch sniffEncoding(head) {
	case encUTF8BOM:
		br := bufio.NewReader(r)
		_, _ = br.Discard(3)
		return br
	case encUTF16LE:
		return &utf16Reader{r: bufio.NewReader(r), skipBOM: true}
	case encUTF16BE:
		return &utf16Reader{r: bufio.NewReader(r), skipBOM: true, bigEndian: true}
	}
	return r
}

// utf16Reader decodes a UTF-16 stream to UTF-8, one code unit at a time;
// unpaired surrogates and an odd last byte become U+FFFD.
type utf16Reader struct {
	r         *bufio.Reader
	bigEndian bool
	skipBOM   bool
	started   bool
	pending   []byte
	err       error
}

func (u *utf16Reader) unit() (uint16, error) {
	a, err := u.r.ReadByte()
	if err != nil {
		return 0, err
	}
	b, err := u.r.ReadByte()
	if err != nil {
		if err == io.EOF {
			return utf8.RuneError, nil
		}
		return 0, err
	}
	if u.bigEndian {
		return uint16(a)<<8 | uint16(b), nil
	}
	return uint16(b)<<8 | uint16(a), nil
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(u.pending) > 0 {
			c := copy(p[n:], u.pending)
			u.pending = u.pending[c:]
			n += c
			continue
		}
		if u.err != nil {
			break
		}
		c, err := u.unit()
		if err != nil {
			u.err = err
			break
		}
		if !u.started {
			u.started = true
			if u.skipBOM && c == 0xFEFF {
				continue
			}
		}
		r := rune(c)
		if utf16.IsSurrogate(r) {
			if c2, err := u.unit(); err == nil {
				r = utf16.DecodeRune(r, rune(c2))
			} else {
				u.err = err
				r = utf8.RuneError
			}
		}
		u.pending = utf8.AppendRune(u.pending[:0], r)
	}
	if n == 0 && u.err != nil {
		return 0, u.err
	}
	return n, nil
}

// limitReader returns a LimitError once more than max bytes would be read.
type limitReader struct {
	r   io.Reader
	n   int64 // bytes still allowed
	max int64
	err error // sticky: once over the limit, always over
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.n <= 0 {
		var probe [1]byte
		k, err := io.ReadFull(l.r, probe[:])
		switch {
		case k > 0:
			l.err = &LimitError{Limit: "MaxFileBytes", Max: l.max}
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			l.err = io.EOF
		default:
			l.err = err
		}
		return 0, l.err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// textLine is one line of a text evidence file, without its CR LF.
type textLine struct {
	text   string
	no     int   // line number, from 1
	offset int64 // of the line's first byte in the (decoded) text
	cut    bool  // longer than Options.MaxRecordBytes, cut there
}

// lines is the one line iterator of the text readers: it yields every
// line of r, each cut at o.MaxRecordBytes (the first cut line is an error
// wrapping ErrLimitExceeded), and records a read error other than EOF in p. The last line
// is yielded even without a final LF.
func lines(r io.Reader, o *Options, p *problems) iter.Seq[textLine] {
	return func(yield func(textLine) bool) {
		lr := &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: o.MaxRecordBytes}
		warned := false
		for {
			l, err := lr.next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					p.addf("line %d: %w", l.no, err)
				}
				return
			}
			if l.cut && !warned {
				warned = true
				p.addf("line %d: longer than %d bytes, cut: %w", l.no, o.MaxRecordBytes, &LimitError{Limit: "MaxRecordBytes", Max: int64(o.MaxRecordBytes)})
			}
			if !yield(l) {
				return
			}
		}
	}
}

// at starts an event of kind located at line l of file name.
func (l textLine) event(kind, name string) model.Event {
	ev := newEvent(kind, name+":"+strconv.Itoa(l.no))
	ev.Line, ev.Offset = l.no, l.offset
	return ev
}

// lineReader reads lines cut at max bytes and counts them from 1.
type lineReader struct {
	br     *bufio.Reader
	max    int
	line   int
	offset int64 // of the next line
	buf    []byte
	err    error // a read error held back until the line before it is out
}

// next returns the next line. At the end it returns io.EOF (a last line
// without LF is returned first); on a read error the returned line's no is
// the line the error hit.
func (l *lineReader) next() (textLine, error) {
	if l.err != nil {
		return textLine{no: l.line + 1}, l.err
	}
	l.buf = l.buf[:0]
	cut := false
	var n int64
	emit := func() (textLine, error) {
		l.line++
		t := textLine{text: string(trimEOL(l.buf)), no: l.line, offset: l.offset, cut: cut}
		l.offset += n
		return t, nil
	}
	for {
		frag, err := l.br.ReadSlice('\n')
		n += int64(len(frag))
		if room := l.max - len(l.buf); room > 0 {
			if len(frag) > room {
				l.buf = append(l.buf, frag[:room]...)
				cut = true
			} else {
				l.buf = append(l.buf, frag...)
			}
		} else if len(frag) > 0 && !(len(frag) == 1 && frag[0] == '\n') {
			cut = true
		}
		switch err {
		case nil:
			return emit()
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if n > 0 {
				return emit()
			}
			return textLine{}, io.EOF
		default:
			l.err = err
			if n > 0 {
				return emit()
			}
			return textLine{no: l.line + 1}, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
