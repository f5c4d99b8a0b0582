package parse

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse/sniff"
)

// entity states
const (
	stHeader   = iota
	stPreamble // multipart, before the first delimiter
	stParts    // multipart, a child is open or about to open
	stEpilogue // multipart, after the close delimiter
	stLeaf     // leaf body
	stEmbedded // message/rfc822: the child entity holds the lines
)

// entity is one open MIME entity on the parse stack.
type entity struct {
	part  model.Part
	idx   int // index in Message.Parts; -1 when over MaxParts
	state int
	delim []byte // "--" + boundary, for multiparts
	body  *bodyScanner
	// spare is the body scanner of a part this entity served before,
	// reused by the next leaf it serves (newBodyScanner resets it whole).
	spare  *bodyScanner
	nonHdr int // consecutive non-header lines in the header block
	// nonHdrAnom is the index in Anomalies of the last non-header line of
	// this header block, -1 when none: a field after it makes it severe.
	nonHdrAnom int
	// lostFolds: a line of this header block was read as a continuation
	// without its fold's white space; the block's writer strips them, so
	// every later stray line after a field is read so too.
	lostFolds bool
	// preambleText: a non-blank preamble line has been seen.
	preambleText bool
	// fields counts the field lines of this header block so far.
	fields int
	// leadBlank counts the bytes of white-space-only lines that open the
	// header block, before any field (skipped as empty folds).
	leadBlank int64
	emptyRun  int64
	emptyAt   int64
	digest    bool // multipart/digest: children default to message/rfc822
	hdrStart  int64
}

// parser holds the state of one Parse.
type parser struct {
	opts  Options
	msg   *model.Message
	stack []*entity
	fb    fieldBuilder
	// header storage budgets
	fieldsKept int
	bytesKept  int64
	// line stats
	prevEmptyEnd int64
	lastByteOff  int64
	lastEOL      int
	base         int64 // file offset of the first byte read (ParseAt)
	lineLen      int64 // length of the current line across segments
	lineStart    int64
	sawBytes     bool
	longCand     []byte
	// lineHead holds the first bytes of the current line (line end
	// included when it fits) whenever it may be the last, so the last line
	// of the file can be quoted by rule no-final-crlf once EOF tells it
	// was the last.
	lineHead []byte
	// src is what the lines are read from.
	src *source
	// freeHeaders are empty Header slices of a recycled message (Recycle).
	freeHeaders [][]model.HeaderField
	// excerptFn is p.excerpt as a func value, made once per pooled parser
	// (a method value is an allocation each time it is taken: one per
	// leaf part, for its body scanner).
	excerptFn func(s *segment, i int)
}

// Parse reads one message file from r and returns what it found. The
// returned Message is non-nil whenever err is nil or ErrLimitExceeded; for
// other errors (I/O) it holds what was read before the error.
func Parse(r io.Reader, opts *Options) (*model.Message, error) {
	return ParseAt(r, 0, opts)
}

// ParseBytes is Parse of a message already in memory (the sink's lint,
// repair and redact): the same Message and error as Parse of a
// bytes.Reader over raw, read in place and hashed in one call (the
// WholeReader path) instead of copied through a buffer and a tee.
func ParseBytes(raw []byte, opts *Options) (*model.Message, error) {
	return ParseAt(&memInput{b: raw}, 0, opts)
}

// memInput is raw as a WholeReader; Read serves a MaxBytes limit, under
// which Parse reads through its buffer as from any reader.
type memInput struct{ b []byte }

func (r *memInput) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *memInput) WholeBytes() ([]byte, error) {
	b := r.b
	r.b = nil
	return b, nil
}

// ParseAt is Parse for a message that starts base bytes into its file (one
// message of an mbox, see SplitMbox): r yields the message's bytes only,
// and every offset of the Message is a file offset, so a finding's
// evidence is still the file's bytes at its offset. Size and SHA256 are
// the message's own.
func ParseAt(r io.Reader, base int64, opts *Options) (*model.Message, error) {
	o := opts.withDefaults()
	br := newSource(r, nil, &o) // a SHA-256 of what is read
	defer br.release()
	m := model.NewMessage()
	m.Excerpts = map[int64]model.Text{}

	head, peekErr := br.Peek(o.EnvelopeWindow)
	eof := peekErr != nil
	d := detect(head, eof)
	m.Format = d.format
	m.Envelope = d.envelope
	if m.Envelope.To == nil {
		m.Envelope.To = []string{}
	}
	m.Anomalies = append(m.Anomalies, d.anomalies...)
	m.MessageOffset = d.msgOffset

	locateEnvelope(head, &m.Envelope, m.Excerpts)
	if base != 0 {
		// Only an mbox message starts inside its file, and its envelope
		// is the "From " line: nothing above refers into the window
		// but the message offset and the detection anomalies.
		m.MessageOffset += base
		for i := range m.Anomalies {
			m.Anomalies[i].Offset += base
		}
	}
	var consumed int64
	if needsLargeEnvelope(&d, eof) {
		// EwLs lies beyond the window: read the envelope to its end
		// (head is invalid from here on).
		before := len(m.Anomalies) - len(d.anomalies)
		consumed = readLargeEnvelope(br, &d, bytes.Index(head[:min(len(head), imCrWindow)], markImCr), o.EnvelopeWindow, m.Excerpts)
		m.Envelope = d.envelope
		m.Anomalies = append(m.Anomalies[:before:before], d.anomalies...)
		m.MessageOffset = d.msgOffset
	}

	p := newParser(o, m, base)
	p.src = br
	defer putParser(p)
	p.takeRecycled()
	lr := &lineReader{src: br, off: base + consumed}
	if d.msgOffset > consumed {
		n, err := br.Discard(int(d.msgOffset - consumed))
		lr.off = base + consumed + int64(n)
		if err != nil && err != io.EOF {
			return p.finish(lr, err)
		}
	}
	if d.msgOffset < 0 {
		// No message part at all: skip to the end, counting bytes.
		n, err := br.discardAll()
		lr.off += n
		if err != nil {
			return p.finish(lr, err)
		}
		m.Anomalies = append(m.Anomalies, model.Anomaly{Code: model.AnomNoMessage, Offset: base, Detail: "no RFC 822 header block found", Severe: true})
		return p.finish(lr, nil)
	}

	p.push(newEntity(p, "", 0, lr.off, false))
	// One segment for all lines: &s escapes (through the excerpt
	// callback), and a fresh one per line was a heap allocation per line.
	var s segment
	for p.base64Run(lr, &s); lr.next(&s); p.base64Run(lr, &s) {
		p.sawBytes = true
		p.rawStats(&s)
		p.line(&s)
		if o.MaxBytes > 0 && lr.off-base > o.MaxBytes {
			p.closeAll(lr.off)
			_, err := p.finish(lr, nil)
			if err != nil {
				return m, err
			}
			m.Size = o.MaxBytes
			return m, &LimitError{Limit: "MaxBytes", Max: o.MaxBytes}
		}
	}
	p.closeAll(lr.off)
	return p.finish(lr, lr.ioError())
}

// parsers keeps parsers for their buffers (the field builder's, the
// stack, the line heads): a fresh parser per file grew them again, five
// allocations per file.
var parsers sync.Pool

func newParser(o Options, m *model.Message, base int64) *parser {
	p, _ := parsers.Get().(*parser)
	if p == nil {
		p = new(parser)
	}
	fb := fieldBuilder{name: p.fb.name[:0], value: p.fb.value[:0], both: p.fb.both[:0], segments: p.fb.segments[:0]}
	excerpt := p.excerptFn
	if excerpt == nil {
		excerpt = p.excerpt // bound to p, which the pool hands out again
	}
	*p = parser{opts: o, msg: m, lastEOL: -1, base: base, fb: fb, excerptFn: excerpt,
		stack: p.stack[:0], longCand: p.longCand[:0], lineHead: p.lineHead[:0], freeHeaders: p.freeHeaders[:0]}
	return p
}

// putParser keeps p's buffers and drops everything else: nothing of the
// message refers into them (fields, excerpts and heads are copies).
func putParser(p *parser) {
	clear(p.stack[:cap(p.stack)])
	clear(p.freeHeaders[:cap(p.freeHeaders)]) // headers this parse did not use go to the collector
	if cap(p.fb.value) > 64<<10 || cap(p.lineHead) > 4<<10 || cap(p.longCand) > 4<<10 || cap(p.freeHeaders) > maxRecycledParts {
		return // a huge field: left to the collector
	}
	*p = parser{fb: fieldBuilder{name: p.fb.name[:0], value: p.fb.value[:0], both: p.fb.both[:0], segments: p.fb.segments[:0]},
		stack: p.stack[:0], longCand: p.longCand[:0], lineHead: p.lineHead[:0], excerptFn: p.excerptFn, freeHeaders: p.freeHeaders[:0]}
	parsers.Put(p)
}

// base64Run reads, from an input in memory, the plain lines of a base64
// leaf body that no analyser reads (bodyScanner.decodedUnread), as the
// loop of ParseAt would and with the same facts recorded (rawStats,
// line, bodyLine, bodyScanner.line), but in one loop: most of a queue's
// bytes are such lines. It stops at the first line that needs more than
// that: an empty, "." or long line, one starting "--" (a boundary?), a
// NUL or CR in it, the first bare LF, the input's last line (its head is
// kept), or no line end in sight; ParseAt's loop takes that line.
// TestCallersReaderParsesTheSame holds it to the reader path, which does
// not take it.
func (p *parser) base64Run(lr *lineReader, s *segment) {
	src := lr.src
	if !src.mem || lr.midLine || lr.err != nil || len(p.stack) == 0 {
		return
	}
	e := p.top()
	if e.state != stLeaf || e.body.cte != "base64" || !e.body.decodedUnread() {
		return
	}
	bs, sc := e.body, &p.msg.Scan
	for {
		rest := src.all[src.pos:]
		i := bytes.IndexByte(rest[:min(len(rest), 1001)], '\n')
		if i < 0 || i+1 >= len(rest) {
			return
		}
		end, eol := i, eolLF
		if end > 0 && rest[end-1] == '\r' {
			end, eol = end-1, eolCRLF
		}
		data := rest[:end]
		if len(data) < 2 || len(data) > 998 || data[0] == '-' && data[1] == '-' || eol == eolLF && sc.FirstBareLF < 0 {
			return
		}
		at := src.pos
		off := p.base + int64(at)
		src.pos += i + 1
		lr.off += int64(i + 1)
		p.sawBytes = true
		p.lineLen, p.lineStart = int64(len(data)), off
		sc.Lines++
		if eol == eolCRLF {
			sc.CRLF++
		} else {
			sc.BareLF++
		}
		p.lastEOL = eol
		if p.lineLen > sc.LongestLine {
			sc.LongestLine, sc.LongestLineAt = p.lineLen, off
		}
		e.emptyRun = 0
		chars := bs.b64.Chars()
		e.part.Body.DecodedSize += int64(bs.b64.Count(data, off))
		if bs.b64.Chars()-chars == int64(len(data)) {
			continue // every byte base64 or "=": no NUL, CR or bad byte
		}
		*s = segment{data: data, off: off, eol: eol, first: true, last: true, more: true}
		p.nulCR(s)
		if bad, ok := bs.b64.FirstBad(); ok && !bs.b64BadSeen {
			bs.b64BadSeen = true
			bs.quote(s, int(bad-off))
		}
	}
}

func (p *parser) finish(lr *lineReader, err error) (*model.Message, error) {
	m := p.msg
	if len(m.Parts) == 0 {
		m.Parts = nil // as without recycled storage (takeRecycled)
	}
	m.Size = lr.off - p.base
	m.SHA256 = hex.EncodeToString(lr.src.sum())
	if m.MessageOffset >= 0 {
		m.Scan.EndsWithCRLF = p.lastEOL == eolCRLF
		m.Scan.EndsWithLF = p.lastEOL == eolLF
		if p.sawBytes {
			m.Scan.FinalByteOffset = lr.off - 1
			m.Scan.FinalLineOffset = p.lineStart
			if _, ok := m.Excerpts[p.lineStart]; !ok {
				m.Excerpts[p.lineStart] = model.Text(p.lineHead)
			}
		}
	}
	if len(m.Parts) > 0 {
		r := &m.Parts[0]
		m.Subject, _ = headerValue(r.Header, "subject")
		m.SubjectDecoded = decodedSubject(m.Subject)
		m.From, _ = headerValue(r.Header, "from")
		if m.Envelope.Source == "" || m.Format == model.FormatMbox || m.Format == model.FormatRFC822 {
			envelopeFromHeaders(m, r.Header)
		}
	}
	if err != nil {
		m.Error = err.Error()
		return m, err
	}
	return m, nil
}

// readers reuses read buffers of the default size: a queue of 100,000
// small files would otherwise allocate 64 KiB per file.
var readers sync.Pool

func getReader(r io.Reader, size int) *bufio.Reader {
	if size == 64<<10 {
		if br, ok := readers.Get().(*bufio.Reader); ok {
			br.Reset(r)
			return br
		}
	}
	return bufio.NewReaderSize(r, size)
}

func putReader(br *bufio.Reader, size int) {
	if size == 64<<10 {
		br.Reset(nil)
		readers.Put(br)
	}
}

// excerpt records the bytes of s from index i as evidence for offset
// s.off+i.
func (p *parser) excerpt(s *segment, i int) {
	off := s.off + int64(i)
	if _, ok := p.msg.Excerpts[off]; ok {
		return
	}
	end := min(len(s.data), i+model.ExcerptLen)
	b := s.data[i:end]
	if end == len(s.data) && len(b) < model.ExcerptLen {
		b = append(b[:len(b):len(b)], s.eolBytes()...)
	}
	p.msg.Excerpts[off] = model.Text(b)
}

// rawStats updates the byte scan: line ends, NULs, line lengths.
func (p *parser) rawStats(s *segment) {
	sc := &p.msg.Scan
	if s.first {
		p.lineLen = 0
		p.lineStart = s.off
		if !s.more {
			// Only the last line's head is ever quoted (finish), and a
			// line with more bytes buffered after it is not the last.
			p.lineHead = append(p.lineHead[:0], s.data[:min(len(s.data), model.ExcerptLen)]...)
			if s.last && len(p.lineHead) < model.ExcerptLen {
				p.lineHead = append(p.lineHead, s.eolBytes()...)
			}
		}
		if len(s.data) > 998 || !s.last {
			// A candidate for the longest line: keep its first bytes
			// now, the line's length is known only at its end.
			p.longCand = append(p.longCand[:0], s.data[:min(len(s.data), model.ExcerptLen)]...)
		}
	}
	p.lineLen += int64(len(s.data))
	if at := int(s.off - p.base); p.src.mayHoldNUL(at, at+len(s.data)) {
		p.nul(s)
	}
	p.bareCR(s)
	if !s.last {
		return
	}
	sc.Lines++
	switch s.eol {
	case eolCRLF:
		sc.CRLF++
	case eolLF:
		sc.BareLF++
		if sc.FirstBareLF < 0 {
			sc.FirstBareLF = s.off + int64(len(s.data))
			p.msg.Excerpts[sc.FirstBareLF] = "\n"
		}
	}
	p.lastEOL = s.eol
	if p.lineLen > sc.LongestLine {
		sc.LongestLine = p.lineLen
		sc.LongestLineAt = p.lineStart
		if p.lineLen > 998 {
			p.msg.Excerpts[p.lineStart] = model.Text(p.longCand)
		}
	}
	if p.lineLen > 998 {
		sc.LinesOver998++
	}
}

// nul counts the NULs of s and quotes the first of the message.
func (p *parser) nul(s *segment) {
	sc := &p.msg.Scan
	if i := bytes.IndexByte(s.data, 0); i >= 0 {
		if sc.FirstNUL < 0 {
			sc.FirstNUL = s.off + int64(i)
			p.excerpt(s, i)
		}
		sc.NUL += int64(bytes.Count(s.data, []byte{0}))
	}
}

// bareCR counts the CRs inside s (its line end excluded) and quotes the
// first of the message.
func (p *parser) bareCR(s *segment) {
	sc := &p.msg.Scan
	if i := bytes.IndexByte(s.data, '\r'); i >= 0 {
		if sc.FirstBareCR < 0 {
			sc.FirstBareCR = s.off + int64(i)
			p.excerpt(s, i)
		}
		sc.BareCR += int64(bytes.Count(s.data, []byte{'\r'}))
	}
}

// nulCR is rawStats' NUL and CR count for a line base64Run took.
func (p *parser) nulCR(s *segment) {
	p.nul(s)
	p.bareCR(s)
}

func newEntity(p *parser, path string, depth int, off int64, digestChild bool) *entity {
	e, _ := entities.Get().(*entity)
	if e == nil {
		e = new(entity)
	}
	*e = entity{idx: -1, state: stHeader, hdrStart: off, nonHdrAnom: -1, spare: e.spare}
	e.part = model.Part{Path: path, Depth: depth, Offset: off, PreambleHeaderOffset: -1, FirstBoundaryOffset: -1, Header: p.newHeader()}
	e.part.Body = model.BodyScan{Base64BadChar: -1, QPBadEscape: -1, BinHexOffset: -1, MaxEmptyRunOffset: -1, FirstLoneDot: -1, HrefLeadingSpace: -1, DBCSInvalid: -1}
	e.digest = digestChild
	sc := &p.msg.Scan
	sc.Parts++
	if depth > sc.MaxDepth {
		sc.MaxDepth = depth
	}
	if unlimitedInt(p.opts.MaxParts) || len(p.msg.Parts) < p.opts.MaxParts {
		e.idx = len(p.msg.Parts)
		p.msg.Parts = append(p.msg.Parts, model.Part{})
	} else if sc.Parts == int(p.opts.MaxParts)+1 {
		p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomLimit, Part: path, Offset: off, Detail: "MaxParts " + strconv.Itoa(p.opts.MaxParts) + ": further parts counted, not recorded"})
	}
	return e
}

func (p *parser) push(e *entity) { p.stack = append(p.stack, e) }

func (p *parser) top() *entity { return p.stack[len(p.stack)-1] }

// line dispatches one segment to the innermost entity, after checking
// whether it is a boundary delimiter of any open multipart.
func (p *parser) line(s *segment) {
	if s.first && len(s.data) >= 2 && s.data[0] == '-' && s.data[1] == '-' && s.last {
		if p.delimiter(s) {
			return
		}
	}
	e := p.top()
	switch e.state {
	case stHeader:
		p.headerLine(e, s)
	case stLeaf:
		p.bodyLine(e, s)
		e.body.line(s)
	case stPreamble:
		p.bodyLine(e, s)
		e.part.PreambleLength += s.rawLen()
		// Q217155's prolog is a body part whose boundary is missing: its
		// header is the first thing in the preamble. A header-like line
		// further down is prose about MIME, not a lost part.
		if s.first && !e.preambleText && e.part.PreambleHeaderOffset < 0 && looksLikeMIMEHeader(s.data) {
			e.part.PreambleHeaderOffset = s.off
			p.excerpt(s, 0)
		}
		if s.first && len(bytes.TrimSpace(s.data)) > 0 {
			e.preambleText = true
		}
	default:
		p.bodyLine(e, s)
	}
}

// bodyLine keeps the per-part line facts of body lines: runs of empty
// lines (Q235219) and lone "." lines (Q221384).
func (p *parser) bodyLine(e *entity, s *segment) {
	if !s.first || !s.last {
		if s.first {
			e.emptyRun = 0
		}
		return
	}
	b := &e.part.Body
	switch {
	case len(s.data) == 0:
		if e.emptyRun == 0 {
			e.emptyAt = s.off
		}
		e.emptyRun++
		if e.emptyRun > b.MaxEmptyRun {
			b.MaxEmptyRun = e.emptyRun
			b.MaxEmptyRunOffset = e.emptyAt
			if e.emptyRun == 1 {
				p.msg.Excerpts[e.emptyAt] = model.Text(s.eolBytes())
			}
		}
		return
	case len(s.data) == 1 && s.data[0] == '.':
		b.LoneDot++
		if b.FirstLoneDot < 0 {
			b.FirstLoneDot = s.off
			p.excerpt(s, 0)
		}
	}
	e.emptyRun = 0
}

// delimiter handles a "--boundary" line of any open multipart: it closes
// the entities inside that multipart and opens the next part. It reports
// false when the line matches no open boundary.
func (p *parser) delimiter(s *segment) bool {
	for k := len(p.stack) - 1; k >= 0; k-- {
		e := p.stack[k]
		if e.delim == nil || (e.state != stPreamble && e.state != stParts) {
			continue
		}
		closing, trailing, ok := matchDelimiter(s.data, e.delim)
		if !ok {
			continue
		}
		if trailing {
			// "--ab" under an inner boundary "a" and an outer "ab":
			// RFC 2046's delimiter is the boundary and padding only,
			// so an outer multipart the line matches exactly takes it
			// (as Python's email does), not the inner one it only
			// starts with.
			if j, c, ok := p.exactOuterDelimiter(s.data, k); ok {
				k, e, closing, trailing = j, p.stack[j], c, false
			}
		}
		if trailing {
			p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomDelimiterTrailing, Part: e.part.Path, Offset: s.off, Detail: "boundary delimiter line followed by other text"})
			p.excerpt(s, 0)
		}
		if t := p.top(); len(p.stack)-1 == k+1 && t.state == stHeader && t.part.HeaderLength == 0 {
			// The part just opened by a delimiter has not a single
			// header or blank line: two delimiter lines in a row.
			p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomDelimiterDoubled, Part: t.part.Path, Offset: s.off, Detail: "two boundary delimiter lines in a row (an empty body part)"})
			p.excerpt(s, 0)
		}
		for len(p.stack)-1 > k {
			p.closeTop(s.off)
		}
		e.part.BoundaryCount++
		if e.part.FirstBoundaryOffset < 0 {
			e.part.FirstBoundaryOffset = s.off
			p.excerpt(s, 0)
		}
		if closing {
			e.part.BoundaryCount--
			e.part.CloseBoundaryFound = true
			e.state = stEpilogue
			return true
		}
		e.state = stParts
		e.part.Children++
		path := strconv.Itoa(e.part.Children)
		if e.part.Path != "" {
			path = e.part.Path + "." + path
		}
		p.push(newEntity(p, path, e.part.Depth+1, s.off+s.rawLen(), e.digest))
		return true
	}
	return false
}

// exactOuterDelimiter looks for an open multipart outside stack level k
// whose boundary the line matches with nothing after it but padding.
func (p *parser) exactOuterDelimiter(line []byte, k int) (int, bool, bool) {
	for j := k - 1; j >= 0; j-- {
		e := p.stack[j]
		if e.delim == nil || (e.state != stPreamble && e.state != stParts) {
			continue
		}
		if closing, trailing, ok := matchDelimiter(line, e.delim); ok && !trailing {
			return j, closing, true
		}
	}
	return 0, false, false
}

// matchDelimiter reports whether line is "--boundary" (optionally followed
// by transport padding) or the close delimiter "--boundary--". trailing
// reports a delimiter followed by other text ("--b-->", "--b junk"):
// RFC 2046 5.1.1 tells implementors that the boundary at the start of a
// line is enough (a boundary must not occur inside the parts), while Go's
// mime/multipart and Python's email want padding only, so parsers
// disagree on where such a part ends. It is read as a delimiter, as the
// RFC says, and reported. Open multiparts are matched innermost first, so
// an inner boundary that extends an outer one is still told apart.
func matchDelimiter(line, delim []byte) (closing, trailing, ok bool) {
	if !bytes.HasPrefix(line, delim) {
		return false, false, false
	}
	rest := line[len(delim):]
	if bytes.HasPrefix(rest, []byte("--")) {
		closing = true
		rest = rest[2:]
	}
	return closing, len(bytes.Trim(rest, " \t")) > 0, true
}

// headerLine handles a line of a header block: the blank line that ends
// it, a fold or a long line's next segment (more of the open field), a
// new field, or a line that is none of these.
func (p *parser) headerLine(e *entity, s *segment) {
	top := len(p.stack) == 1
	if top {
		p.msg.Scan.HeaderBytes += s.rawLen()
	}
	e.part.HeaderLength += s.rawLen()
	if !s.first {
		// Continuation of a very long line: more value bytes.
		if p.fb.active {
			p.fb.rawLen += s.rawLen()
			p.fb.appendValue(s.data, s.off, p.valueCap())
		}
		p.count8bit(s, 0)
		return
	}
	if len(s.data) == 0 {
		p.endHeader(e, s.off+s.rawLen(), s.off)
		if top {
			p.msg.Scan.HeaderTerminated = true
		}
		return
	}
	if c := s.data[0]; c == ' ' || c == '\t' {
		if p.fb.active {
			p.foldedLine(e, s)
			return
		}
		p.anomaly(model.AnomContinuationFirst, e, s, "header block starts with a folded line")
		if s.last && e.fields == 0 && e.nonHdr == 0 && len(bytes.Trim(s.data, " \t")) == 0 {
			// Only white space before any field: an empty fold of no
			// field, which Python's email skips as a defect
			// (FirstHeaderLineIsContinuationDefect) and PHP's
			// mailparse and flanker read past. The header starts
			// after it; it is not the body of a message with no header.
			e.leadBlank += s.rawLen()
			return
		}
	}
	data, skip := p.skipBOM(e, s, top)
	name, valueAt, spaceBefore, ok := splitFieldLine(data)
	if !ok {
		p.nonFieldLine(e, s, top)
		return
	}
	p.fieldLine(e, s, fieldStart{data: data, skip: skip, name: name, valueAt: valueAt, spaceBefore: spaceBefore})
}

// foldedLine adds a folded line (RFC 5322 2.2.3) to the open field.
func (p *parser) foldedLine(e *entity, s *segment) {
	p.fb.rawLen += s.rawLen()
	p.fb.lines++
	p.fb.appendValue(s.data, s.off, p.valueCap())
	p.count8bit(s, 0)
	e.nonHdr = 0
}

// skipBOM returns the line to read as a field and how many bytes were
// skipped at its start. A UTF-8 byte-order mark before the first field
// (an editor or a web form that saved the message as "UTF-8 with BOM") is
// three bytes in front of a field name, not a header that is missing: the
// header is read from after it and the mark reported (header-bom).
func (p *parser) skipBOM(e *entity, s *segment, top bool) ([]byte, int) {
	data := s.data
	if top && e.part.HeaderLength == s.rawLen()+e.leadBlank && bytes.HasPrefix(data, utf8BOM) {
		if _, _, _, ok := splitFieldLine(data[len(utf8BOM):]); ok {
			p.anomaly(model.AnomHeaderBOM, e, s, "UTF-8 byte-order mark before the first header field")
			return data[len(utf8BOM):], len(utf8BOM)
		}
	}
	return data, 0
}

// nonFieldLine handles a line of the header block that is neither a
// field nor a fold: no message at all when it is the first line, the end
// of a header without its blank line when it is the second such line in a
// row, and otherwise a stray line (Q166026) inside the header.
func (p *parser) nonFieldLine(e *entity, s *segment, top bool) {
	sc := &p.msg.Scan
	if top && e.part.HeaderLength == s.rawLen()+e.leadBlank {
		// The first line is not a header field: there is no
		// message here (binary junk, only an envelope).
		p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomNoMessage, Offset: s.off, Detail: "first line of the message part is not a header field", Severe: true})
		p.excerpt(s, 0)
		sc.HeaderBytes -= s.rawLen()
		e.part.HeaderLength -= s.rawLen()
		p.toBody(e, s.off, s.off)
		p.line(s)
		return
	}
	if e.fields > 0 && p.ownDelimiter(e, s.data) {
		// "--boundary" of this header's own Content-Type: the body has
		// begun without its blank line (a generator wrote " " there,
		// rspamd's fws_fn.eml), as Python's email reads it; not
		// Q166026's stray line, even with part headers after it.
		if top {
			sc.HeaderBytes -= s.rawLen()
		}
		e.part.HeaderLength -= s.rawLen()
		if e.nonHdr > 0 && e.nonHdrAnom >= 0 {
			p.msg.Anomalies[e.nonHdrAnom].Severe = false
		}
		p.anomaly(model.AnomHeaderNoBlankLine, e, s, "header block not followed by a blank line")
		p.endHeader(e, s.off, s.off)
		p.line(s)
		return
	}
	if e.nonHdr == 0 && p.fb.active && (e.lostFolds || lostFold(p.fb.name, p.fb.value)) && continuesValue(p.fb.name, p.fb.value, s.data) {
		// The open field is evidently not finished (see lostFold): this
		// line is its continuation with the fold's white space lost, as
		// the KB articles print their examples (Q293288's "charset =
		// \"\"" under "Content-Type: text/plain;") and as gateways that
		// strip leading blanks write them. Reading it as a stray line
		// would hide the parameter the KB rules look for.
		e.lostFolds = true
		p.anomaly(model.AnomUnindentedFold, e, s, "line continues "+string(p.fb.name)+" without the fold's leading white space")
		p.foldedLine(e, s)
		return
	}
	e.nonHdr++
	if e.nonHdr >= 2 {
		// Two lines in a row that are no header fields: the header
		// ended without its blank line (Q175841) and this is body.
		if top {
			sc.HeaderBytes -= s.rawLen()
		}
		e.part.HeaderLength -= s.rawLen()
		if e.nonHdrAnom >= 0 {
			// The stray line before this one began the body.
			p.msg.Anomalies[e.nonHdrAnom].Severe = false
		}
		p.anomaly(model.AnomHeaderNoBlankLine, e, s, "header block not followed by a blank line")
		p.endHeader(e, s.off, s.off)
		p.line(s)
		return
	}
	p.flushField(e)
	e.nonHdrAnom = len(p.msg.Anomalies)
	p.anomaly(model.AnomNonHeaderLine, e, s, "line in the header block is neither a field nor a continuation")
	// In the message header, after a field, it is Q166026's stray
	// line (severe), unless the next line is no field either: then
	// the header ran into the body (Q175841) and the flag is
	// cleared. With no field before it the entity has no header at
	// all and this is its body. In a part header it is severe only
	// once a field follows it (set in fieldLine): a line right before the
	// part's blank line is where a generator left that blank line
	// out and the part's content begins, which parsers split on but
	// which is not Q166026's header (the KB's is the message's).
	p.msg.Anomalies[e.nonHdrAnom].Severe = e.fields > 0 && top
	p.count8bit(s, 0)
}

// ownDelimiter reports a "--boundary" line (or its close form) whose
// boundary a Content-Type field of e's header block, the open one
// included, names. Only lines that are no field reach it.
func (p *parser) ownDelimiter(e *entity, line []byte) bool {
	if len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return false
	}
	b := bytes.TrimSuffix(bytes.TrimRight(line[2:], " \t"), []byte("--"))
	if len(b) == 0 {
		return false
	}
	if p.fb.active && bytes.EqualFold(p.fb.name, []byte("content-type")) && bytes.Contains(p.fb.value, b) {
		return true
	}
	for i := range e.part.Header {
		if f := &e.part.Header[i]; f.NameFold(model.FieldContentType) && strings.Contains(string(f.Value), string(b)) {
			return true
		}
	}
	return false
}

// fieldStart is a line that begins a header field, as splitFieldLine
// cut it: data is the line after any skipped byte-order mark (skip bytes).
type fieldStart struct {
	data        []byte
	skip        int
	name        []byte
	valueAt     int
	spaceBefore bool
}

// fieldLine closes the open field and opens the one this line begins.
func (p *parser) fieldLine(e *entity, s *segment, f fieldStart) {
	if e.nonHdr > 0 && e.nonHdrAnom >= 0 && e.fields > 0 {
		// A field after the stray line: it sits inside the header block.
		p.msg.Anomalies[e.nonHdrAnom].Severe = true
	}
	e.fields++
	e.nonHdr = 0
	p.flushField(e)
	if f.spaceBefore {
		p.anomaly(model.AnomSpaceBeforeColon, e, s, "white space before the colon of "+string(f.name))
	}
	fb := &p.fb
	fb.active = true
	fb.name = append(fb.name[:0], f.name...)
	fb.offset = s.off + int64(f.skip)
	fb.valueOff = fb.offset + int64(f.valueAt)
	fb.rawLen = s.rawLen() - int64(f.skip)
	fb.lines = 1
	fb.appendValue(f.data[f.valueAt:], fb.valueOff, p.valueCap())
	if len(f.name) == 0 {
		p.anomaly(model.AnomEmptyFieldName, e, s, "empty field name")
	}
	p.count8bit(s, f.skip)
}

// utf8BOM is the UTF-8 encoding of U+FEFF.
var utf8BOM = []byte("\xEF\xBB\xBF")

func (p *parser) valueCap() int {
	if unlimitedInt(p.opts.MaxFieldValue) {
		return -1
	}
	return p.opts.MaxFieldValue
}

func (p *parser) count8bit(s *segment, from int) {
	sc := &p.msg.Scan
	if asciiOnly(s.data[min(from, len(s.data)):]) {
		return // most header lines: eight bytes tested at a time
	}
	for i := from; i < len(s.data); i++ {
		if s.data[i] >= 0x80 {
			if sc.FirstHeader8Bit < 0 {
				sc.FirstHeader8Bit = s.off + int64(i)
				p.excerpt(s, i)
			}
			sc.Header8Bit++
		}
	}
}

// asciiOnly reports whether b has no byte of 0x80 or more.
func asciiOnly(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func (p *parser) anomaly(code string, e *entity, s *segment, detail string) {
	p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: code, Part: e.part.Path, Offset: s.off, Detail: detail})
	p.excerpt(s, 0)
}

// flushField stores the field being built, within the header budgets.
func (p *parser) flushField(e *entity) {
	fb := &p.fb
	if !fb.active {
		return
	}
	if len(p.stack) == 1 && e == p.stack[0] {
		p.msg.Scan.HeaderFields++
	}
	keep := (unlimitedInt(p.opts.MaxHeaderFields) || p.fieldsKept < p.opts.MaxHeaderFields) &&
		(unlimitedInt64(p.opts.MaxHeaderBytes) || p.bytesKept < p.opts.MaxHeaderBytes)
	if keep || isStructural(fb.name) {
		f := fb.build()
		p.fieldsKept++
		p.bytesKept += int64(len(f.Value))
		e.part.Header = append(e.part.Header, f)
	}
	fb.reset()
}

// isStructural reports fields the MIME tree needs even when the header
// budget is spent.
func isStructural(name []byte) bool {
	for _, n := range []string{"content-type", "content-transfer-encoding", "content-disposition"} {
		if strings.EqualFold(string(name), n) {
			return true
		}
	}
	return false
}

// endHeader finishes the header block of e; the body starts at bodyOff.
func (p *parser) endHeader(e *entity, bodyOff, lineOff int64) {
	p.flushField(e)
	p.toBody(e, bodyOff, lineOff)
}

// toBody derives the part's MIME facts from its header and switches e to
// the matching body state.
func (p *parser) toBody(e *entity, bodyOff, _ int64) {
	p.describe(e)
	e.part.BodyOffset = bodyOff
	pt := &e.part
	switch {
	case pt.IsMultipart() && pt.HasBoundaryParam && pt.Boundary != "":
		if p.tooDeep(e) {
			break
		}
		e.delim = append([]byte("--"), pt.Boundary...)
		e.digest = pt.MediaType == "multipart/digest"
		e.state = stPreamble
		return
	case (pt.MediaType == "message/rfc822" || pt.MediaType == "message/global") && isIdentityCTE(pt.CTE):
		if p.tooDeep(e) {
			break
		}
		e.state = stEmbedded
		path := "1"
		if pt.Path != "" {
			path = pt.Path + ".1"
		}
		p.push(newEntity(p, path, pt.Depth+1, bodyOff, false))
		return
	}
	e.state = stLeaf
	e.body = newBodyScanner(&e.part, p.opts.MaxDecodedBytes, e.spare)
	e.spare = nil
	e.body.excerpt = p.excerptFn
}

func (p *parser) tooDeep(e *entity) bool {
	if unlimitedInt(p.opts.MaxDepth) || e.part.Depth < p.opts.MaxDepth {
		return false
	}
	p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomLimit, Part: e.part.Path, Offset: e.part.Offset, Detail: "MaxDepth " + strconv.Itoa(p.opts.MaxDepth) + ": deeper entities scanned as one body"})
	return true
}

func isIdentityCTE(cte string) bool {
	return cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"
}

// closeTop finishes the innermost entity; end is the offset where it ends.
func (p *parser) closeTop(end int64) {
	e := p.top()
	p.stack = p.stack[:len(p.stack)-1]
	switch e.state {
	case stHeader:
		p.flushField(e)
		p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomHeaderUnterminated, Part: e.part.Path, Offset: e.part.Offset, Detail: "part ended inside its header block"})
		p.describe(e)
		e.part.BodyOffset = end
	case stLeaf:
		e.body.finish()
	case stPreamble, stParts:
		p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomMultipartUnclosed, Part: e.part.Path, Offset: e.part.Offset, Detail: "multipart ended without its close delimiter", Severe: e.part.BoundaryCount == 0})
		if e.part.BoundaryCount == 0 {
			// Severe even when the body is empty or only blank lines
			// (a header kept without its body): poison-rules.md makes
			// "a boundary parameter that never occurs in the body"
			// missing-boundary-prolog (Q217155) whatever the body, and
			// no IMS build is known to read such a message safely.
			detail := "boundary " + strconv.Quote(string(e.part.Boundary)) + " never occurs in the body"
			if !e.preambleText {
				detail += ", which is empty or blank"
			}
			p.msg.Anomalies = append(p.msg.Anomalies, model.Anomaly{Code: model.AnomBoundaryNotFound, Part: e.part.Path, Offset: e.part.ContentTypeOffset, Detail: detail, Severe: true})
		}
	}
	if e.part.BodyOffset > 0 || e.part.Path == "" {
		e.part.BodyLength = max(0, end-e.part.BodyOffset)
	}
	if e.idx >= 0 {
		if len(e.part.Header) == 0 {
			e.part.Header = nil // as without recycled storage (newHeader)
		}
		p.msg.Parts[e.idx] = e.part
	}
	// Nothing refers to a closed entity (its part was copied above, its
	// body scanner is its own): it serves the next part or parse, and its
	// body scanner the next leaf body it meets.
	spare := e.body
	if spare == nil {
		spare = e.spare
	}
	*e = entity{spare: spare}
	entities.Put(e)
}

// entities holds closed entities for newEntity: an entity holds a whole
// model.Part, and one per part was a tenth of the bytes a scan allocated.
var entities sync.Pool

func (p *parser) closeAll(end int64) {
	if len(p.stack) > 0 && p.stack[0].state == stHeader && p.fb.active {
		// EOF inside the top-level header: the header is what was read.
		p.msg.Scan.HeaderTerminated = false
	}
	for len(p.stack) > 0 {
		p.closeTop(end)
	}
}

// looksLikeMIMEHeader reports a preamble line that is really a MIME header
// (the missing boundary prolog of Q217155).
func looksLikeMIMEHeader(b []byte) bool {
	return hasPrefixFold(b, "Content-Type:") || hasPrefixFold(b, "Content-Transfer-Encoding:") || hasPrefixFold(b, "Content-Disposition:")
}

// decodedSubject decodes the RFC 2047 words of a Subject, once, for every
// renderer; "" when there are none or one does not decode (the raw subject
// is then what people see).
func decodedSubject(s model.Text) model.Text {
	if !strings.Contains(string(s), "=?") {
		return ""
	}
	d, ok := sniff.DecodeHeaderValue([]byte(s))
	if !ok || d == string(s) {
		return ""
	}
	return model.Text(d)
}
