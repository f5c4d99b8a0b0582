package redact

import (
	"bytes"
	"encoding/base64"
	"strings"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/rules"
)

// plan is what one redaction pass keeps and how it treats each part.
type plan struct {
	raw  []byte
	out  []byte
	keep []bool // bytes copied as they are
	done []bool // bytes already redacted by a part-specific pass
	mp   *mapper
	// prot are the bytes kept because a finding needs them; keep alone is
	// what is kept because it is syntax, not content.
	prot []bool
}

// untouched marks the bytes the pass left as they were for what redaction
// changes: kept as syntax or for a finding, or redacted by a part's own
// pass. The words left in the copy are looked for outside them. It is
// made in keep's place, so the plan's masks are spent: call it last.
func (p *plan) untouched() []bool {
	skip := p.keep
	for i := range skip {
		skip[i] = skip[i] || p.done[i]
	}
	p.keep, p.done = nil, nil
	return skip
}

func (p *plan) keepRange(a, b int64) {
	a, b = max(a, 0), min(b, int64(len(p.keep)))
	for i := a; i < b; i++ {
		p.keep[i] = true
	}
}

// structural fields are kept whole: they describe the MIME structure or the
// transport, and hold nothing about the people (RFC 2045, 5322 3.6.1).
func structural(name string) bool {
	switch strings.ToLower(name) {
	case "mime-version", "content-transfer-encoding", "date", "x-mac-type", "x-mac-creator", "content-length", "lines":
		return true
	}
	return false
}

// headers marks what every header field keeps: its name and colon, the
// whole value of structural fields, the Content-Type and -Disposition
// values but for file names, and the syntax of encoded words (whose text
// is redacted in its encoding).
func (p *plan) headers(m *model.Message) {
	// A byte-order mark before the first field (header-bom) is syntax,
	// not a word: it is kept like the field names.
	for _, a := range m.Anomalies {
		if a.Code == model.AnomHeaderBOM {
			p.keepRange(a.Offset, a.Offset+3)
		}
	}
	for i := range m.Parts {
		pt := &m.Parts[i]
		for j := range pt.Header {
			f := &pt.Header[j]
			p.keepRange(f.Offset, f.ValueOffset)
			name := strings.ToLower(string(f.Name))
			end := f.Offset + f.RawLength
			switch {
			case structural(name):
				p.keepRange(f.Offset, end)
			case name == "content-type" || name == "content-disposition":
				p.keepRange(f.Offset, end)
				p.unkeepNames(f, pt)
			case name == "received":
				// The date after the last ";" is trace timing, not
				// content, and triage reads it.
				if k := bytes.LastIndexByte(p.raw[f.Offset:end], ';'); k >= 0 {
					a, b := f.Offset+int64(k), end
					if c := bytes.IndexByte(p.raw[a:b], '('); c >= 0 {
						b = a + int64(c) // a comment after the date is content
					}
					p.keepRange(a, b)
				}
				p.encodedWords(f.Offset, end)
			default:
				p.encodedWords(f.Offset, end)
				p.imceaEscapes(f)
			}
		}
	}
	p.unrecordedNames(m)
}

// unrecordedNames keeps the name and colon of the top-level fields parse
// counted but did not record (past its header budget, MaxHeaderFields or
// MaxHeaderBytes: a message of 2,000,000 fields has 10,000 recorded),
// which were redacted as text: field names are syntax wherever they are.
// Only a line that starts a field and is inside no recorded one counts.
func (p *plan) unrecordedNames(m *model.Message) {
	if len(m.Parts) == 0 || m.Scan.HeaderFields <= len(m.Parts[0].Header) {
		return
	}
	top := &m.Parts[0]
	start, end := max(top.Offset, 0), min(top.BodyOffset, int64(len(p.raw)))
	k := 0
	for i := start; i < end; {
		lineEnd := end
		if j := bytes.IndexByte(p.raw[i:end], '\n'); j >= 0 {
			lineEnd = i + int64(j) + 1
		}
		for k < len(top.Header) && top.Header[k].Offset+top.Header[k].RawLength <= i {
			k++
		}
		if k == len(top.Header) || top.Header[k].Offset > i {
			p.keepRange(i, i+int64(fieldNameEnd(p.raw[i:lineEnd])))
		}
		i = lineEnd
	}
}

// fieldNameEnd is the length of the field name, the colon and the blanks
// after it at the start of line (RFC 5322 3.6.8: printable ASCII but the
// colon; blanks before the colon as obsolete syntax allows), 0 when line
// does not start a field.
func fieldNameEnd(line []byte) int {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 {
		return 0
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i == len(line) || line[i] != ':' {
		return 0
	}
	i++
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

// imceaEscapes keeps the +XX escapes and the IMCEA<type>- prefix of the
// encapsulated addresses in f (rule imcea-malformed reads them).
func (p *plan) imceaEscapes(f *model.HeaderField) {
	v := string(f.Value)
	rules.IMCEAAddrs(v, func(start, end int) {
		if dash := strings.IndexByte(v[start:end], '-'); dash >= 0 {
			for i := start; i <= start+dash; i++ {
				p.keepRange(f.OffsetAt(i), f.OffsetAt(i)+1)
			}
		}
		for i := start; i < end; i++ {
			// A malformed escape is kept as well: it is what the rule
			// reports, and redacting it could make it valid.
			if v[i] == '+' {
				for k := i; k < min(i+3, end); k++ {
					p.keepRange(f.OffsetAt(k), f.OffsetAt(k)+1)
				}
				i += 2
			}
		}
	})
}

// unkeepNames releases the file-name parameter values of a Content-Type or
// Content-Disposition field for redaction (their extension is kept).
func (p *plan) unkeepNames(f *model.HeaderField, pt *model.Part) {
	params := pt.Params
	if strings.EqualFold(string(f.Name), "content-disposition") {
		params = pt.DispositionParams
	}
	for _, pm := range params {
		n := strings.ToLower(string(pm.Name))
		if !(n == "name" || n == "filename" || strings.HasPrefix(n, "name*") || strings.HasPrefix(n, "filename*")) {
			continue
		}
		if pm.Offset < f.Offset || pm.Offset >= f.Offset+f.RawLength {
			continue
		}
		a := pm.Offset + int64(len(pm.Name))
		b := int64(bytes.IndexAny(p.raw[a:f.Offset+f.RawLength], ";\r\n"))
		if b < 0 {
			b = f.Offset + f.RawLength - a
		}
		b += a
		if dot := bytes.LastIndexByte(p.raw[a:b], '.'); dot >= 0 && b-(a+int64(dot)) <= 11 {
			b = a + int64(dot) // the extension says what kind of file, not whose
		}
		for i := a; i < b; i++ {
			p.keep[i] = false
		}
		p.encodedWords(a, b)
		// RFC 2231 charset'lang' prefix and %XX escapes are syntax.
		if strings.HasSuffix(n, "*") || strings.Contains(n, "*") {
			p.percentEscapes(a, b)
		}
	}
}

// encodedWords marks the syntax of RFC 2047 encoded words in raw[a:b] as
// kept and redacts their text in its encoding: B text is decoded, redacted
// and encoded again (the same length), Q text keeps its =XX escapes.
func (p *plan) encodedWords(a, b int64) {
	for i := a; i < b; {
		k := bytes.Index(p.raw[i:b], []byte("=?"))
		if k < 0 {
			return
		}
		s := i + int64(k)
		q1 := bytes.IndexByte(p.raw[s+2:b], '?')
		if q1 < 0 {
			return
		}
		encAt := s + 2 + int64(q1) + 1
		if encAt+1 >= b || p.raw[encAt+1] != '?' {
			i = s + 2
			continue
		}
		textAt := encAt + 2
		e := bytes.Index(p.raw[textAt:b], []byte("?="))
		if e < 0 {
			return
		}
		textEnd := textAt + int64(e)
		p.keepRange(s, textAt)
		p.keepRange(textEnd, textEnd+2)
		switch p.raw[encAt] {
		case 'B', 'b':
			p.base64Text(textAt, textEnd, func(dec []byte) bool { p.mp.redactText(dec, nil); return true })
		case 'Q', 'q':
			p.percentLike(textAt, textEnd, '=')
			for j := textAt; j < textEnd; j++ {
				if p.raw[j] == '_' {
					p.keep[j] = true
				}
			}
		}
		i = textEnd + 2
	}
}

// percentEscapes keeps the %XX escapes of an RFC 2231 value and its
// charset'language' prefix.
func (p *plan) percentEscapes(a, b int64) {
	if q := bytes.IndexByte(p.raw[a:b], '\''); q >= 0 {
		if q2 := bytes.IndexByte(p.raw[a+int64(q)+1:b], '\''); q2 >= 0 {
			p.keepRange(a, a+int64(q)+1+int64(q2)+1)
		}
	}
	p.percentLike(a, b, '%')
}

// percentLike keeps each escape byte esc with the two hex digits after it.
func (p *plan) percentLike(a, b int64, esc byte) {
	for j := a; j+2 < b+1 && j < b; j++ {
		if p.raw[j] == esc && j+2 < b && isHex(p.raw[j+1]) && isHex(p.raw[j+2]) {
			p.keepRange(j, j+3)
			j += 2
		}
	}
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// base64Text redacts base64 text in raw[a:b] through its decoded form
// (with redact), keeping its layout: the same characters
// at the same places, line ends and padding included. Base64 that does not
// decode is redacted in its encoded form instead (letters for letters,
// digits for digits), which keeps every stray byte and padding error.
func (p *plan) base64Text(a, b int64, redact func(dec []byte) bool) bool {
	var pos []int64
	var enc []byte
	for i := a; i < b; i++ {
		if c := p.raw[i]; isB64(c) || c == '=' {
			pos, enc = append(pos, i), append(enc, c)
		}
	}
	dec, err := base64.StdEncoding.DecodeString(string(enc))
	if err != nil || !validLayout(p.raw[a:b]) || !redact(dec) {
		return false
	}
	re := base64.StdEncoding.EncodeToString(dec)
	if len(re) != len(enc) {
		return false
	}
	for k, at := range pos {
		p.out[at] = re[k]
		p.done[at] = true
	}
	return true
}

// validLayout reports base64 whose only other bytes are line ends and
// blanks.
func validLayout(b []byte) bool {
	for _, c := range b {
		if !isB64(c) && c != '=' && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

func isB64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// delimiters keeps every boundary delimiter line of every multipart.
func (p *plan) delimiters(m *model.Message) {
	for i := range m.Parts {
		pt := &m.Parts[i]
		if !pt.IsMultipart() || pt.Boundary == "" {
			continue
		}
		d := []byte("--" + string(pt.Boundary))
		body := p.raw[min(pt.BodyOffset, int64(len(p.raw))):min(pt.BodyOffset+pt.BodyLength, int64(len(p.raw)))]
		for k := 0; k < len(body); {
			j := bytes.Index(body[k:], d)
			if j < 0 {
				break
			}
			at := k + j
			if at == 0 || body[at-1] == '\n' {
				e := bytes.IndexByte(body[at:], '\n')
				if e < 0 {
					e = len(body) - at
				}
				p.keepRange(pt.BodyOffset+int64(at), pt.BodyOffset+int64(at+e))
			}
			k = at + len(d)
		}
	}
}

// preambles keeps the field names of header-like lines in each
// multipart's preamble (rule missing-boundary-prolog looks for a MIME
// header there, Q217155).
func (p *plan) preambles(m *model.Message) {
	for i := range m.Parts {
		pt := &m.Parts[i]
		if !pt.IsMultipart() {
			continue
		}
		end := pt.BodyOffset + pt.BodyLength
		if pt.BoundaryCount > 0 && pt.FirstBoundaryOffset > pt.BodyOffset {
			end = pt.FirstBoundaryOffset
		}
		end = min(end, int64(len(p.raw)))
		for off := pt.BodyOffset; off < end; {
			e := int64(bytes.IndexByte(p.raw[off:end], '\n'))
			if e < 0 {
				e = end - off
			}
			line := p.raw[off : off+e]
			if c := bytes.IndexByte(line, ':'); c > 0 && isFieldName(line[:c]) {
				p.keepRange(off, off+int64(c)+1)
			}
			off += e + 1
		}
	}
}

func isFieldName(b []byte) bool {
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// envelope redacts the addresses, HELO host and X.400 MTS-ID of the bytes
// before the RFC 822 part, and keeps every other byte there: the IMS
// envelope layout is undocumented (ims-kb.md 1.5), so only what can be
// recognised in it is touched, each string to one of the same length.
func (p *plan) envelope(m *model.Message) {
	end := max(m.MessageOffset, 0)
	if m.MessageOffset < 0 {
		end = int64(len(p.raw))
	}
	p.keepRange(0, end)
	pre := p.raw[:end]
	release := func(a, b int64) {
		for i := a; i < b; i++ {
			p.keep[i] = false
		}
	}
	if m.Format != model.FormatIMSSpool {
		// X-Sender/X-Receiver lines, an mbox From line, SMTP commands:
		// the words after the command or field name.
		for off := int64(0); off < end; {
			e := int64(bytes.IndexByte(pre[off:], '\n'))
			if e < 0 {
				e = end - off
			}
			line := pre[off : off+e]
			if bytes.HasPrefix(line, []byte("From ")) {
				// mbox: "From ADDR DATE"; the date is timing, not content.
				addr := bytes.IndexByte(line[5:], ' ')
				if addr < 0 {
					addr = len(line) - 5
				}
				release(off+5, off+5+int64(addr))
			} else if c := bytes.IndexAny(line, ":<"); c >= 0 {
				release(off+int64(c)+1, off+e)
			} else if sp := bytes.IndexByte(line, ' '); sp >= 0 {
				release(off+int64(sp)+1, off+e) // HELO host
			}
			off += e + 1
		}
		p.keepSMTPWords(0, end)
		return
	}
	for i := 0; i < len(pre); i++ {
		if pre[i] != '<' {
			continue
		}
		j := bytes.IndexByte(pre[i:], '>')
		if j < 0 || bytes.ContainsAny(pre[i:i+j], "\x00\r\n") {
			continue
		}
		release(int64(i+1), int64(i+j))
		i += j
	}
	for _, s := range []string{m.Envelope.Helo, m.Envelope.MTSID} {
		if len(s) < 2 {
			continue
		}
		for k := 0; ; {
			i := bytes.Index(pre[k:], []byte(s))
			if i < 0 {
				break
			}
			release(int64(k+i), int64(k+i+len(s)))
			k += i + len(s)
		}
	}
	// IMCEA escapes (+XX), well-formed or not, are syntax of the
	// encapsulated address.
	for i := int64(0); i < end; i++ {
		if pre[i] == '+' {
			p.keepRange(i, min(i+3, end))
		}
	}
}

var smtpWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("MAIL FROM RCPT TO DATA HELO EHLO QUIT RSET SIZE BODY 8BITMIME 7BIT BINARYMIME SMTPUTF8 NOTIFY ORCPT RET ENVID AUTH SUCCESS FAILURE DELAY NEVER HDRS FULL rfc822 RFC822") {
		m[w] = true
	}
	return m
}()

// keepSMTPWords keeps the upper-case keywords of SMTP commands and ESMTP
// parameters (MAIL FROM, SIZE=, BODY=8BITMIME) in raw[a:b].
func (p *plan) keepSMTPWords(a, b int64) {
	for i := a; i < b; {
		if !isWordByte(p.raw[i]) {
			i++
			continue
		}
		j := i
		for j < b && isWordByte(p.raw[j]) {
			j++
		}
		if smtpWords[string(p.raw[i:j])] {
			p.keepRange(i, j)
		}
		i = j
	}
}
