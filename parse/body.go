package parse

import (
	"bytes"
	"strings"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse/sniff"
)

// leadingLen is how many decoded bytes are kept for signature checks.
const leadingLen = 32

// bodyScanner streams one leaf part's body: transfer decoding, encoding
// validation, uuencode/BinHex detection and the content analysers. It
// holds O(1) memory whatever the body size.
type bodyScanner struct {
	part     *model.Part
	cte      string
	maxDec   int64 // decoded bytes fed to the analysers; <0 unlimited
	fed      int64
	identity bool

	b64 sniff.Base64
	qp  sniff.QP
	out []byte // reusable decode buffer

	tnef *sniff.TNEF
	rtf  *sniff.RTF
	href *sniff.Href
	dbcs *sniff.DBCS

	// uuencode state
	uuOpen   int // index in part.Body.Uuencode of an open block, -1 none
	uuClosed int // index of the last closed block awaiting junk check, -1 none
	inText   bool

	// excerpt records the segment's bytes from index i as the evidence of
	// offset s.off+i (parser.excerpt); nil records nothing. The body is
	// streamed, so evidence for an offset found here must be kept while
	// its line is at hand.
	excerpt    func(s *segment, i int)
	b64BadSeen bool  // the first bad base64 byte is quoted
	hrefQuoted bool  // the href finding is quoted
	dbcsQuoted int64 // the DBCS offset last quoted, -1 none
}

// newBodyScanner returns a scanner for the body of part p: reuse (a
// scanner of a closed part, nil for none) reset whole, its decode buffer
// and analysers included (the analysers' results may hold what they were
// fed), or a new one. A scanner per leaf part was a twelfth of the bytes
// a scan allocated.
func newBodyScanner(p *model.Part, maxDec int64, reuse *bodyScanner) *bodyScanner {
	bs := reuse
	if bs == nil {
		bs = new(bodyScanner)
	}
	*bs = bodyScanner{part: p, cte: p.CTE, maxDec: maxDec, uuOpen: -1, uuClosed: -1, dbcsQuoted: -1}
	p.Body.Base64BadChar = -1
	p.Body.QPBadEscape = -1
	p.Body.BinHexOffset = -1
	p.Body.HrefLeadingSpace = -1
	p.Body.DBCSInvalid = -1
	switch bs.cte {
	case "base64", "quoted-printable":
	default:
		bs.identity = true
	}
	mt := p.MediaType
	fn := strings.ToLower(string(p.Filename))
	if mt == "application/ms-tnef" || mt == "application/vnd.ms-tnef" || fn == "winmail.dat" {
		bs.tnef = &sniff.TNEF{}
	}
	switch mt {
	case "text/rtf", "application/rtf", "application/x-rtf", "text/richtext+rtf":
		bs.rtf = &sniff.RTF{}
	case "text/html":
		bs.href = &sniff.Href{}
	}
	if strings.HasPrefix(mt, "text/") {
		if cs := p.Param("charset"); cs != nil {
			bs.dbcs = sniff.NewDBCS(string(cs.Value))
		}
	}
	bs.inText = strings.HasPrefix(mt, "text/") || mt == "application/octet-stream" || mt == ""
	return bs
}

// line feeds one body line segment.
func (bs *bodyScanner) line(s *segment) {
	p := bs.part
	if s.first && bs.identity {
		bs.textLine(s)
	}
	if s.first && s.off == p.BodyOffset && !bs.identity && (bs.href != nil || bs.dbcs != nil) {
		// Decoded positions of an encoded body map to its first byte.
		bs.quote(s, 0)
	}
	var dec []byte
	switch bs.cte {
	case "base64":
		counted := bs.decodedUnread()
		if counted {
			p.Body.DecodedSize += int64(bs.b64.Count(s.data, s.off))
		} else {
			bs.out = bs.b64.Line(s.data, s.off, bs.out[:0])
			dec = bs.out
		}
		// The decoder finds the first bad byte as it goes: no second pass
		// over every line to quote it.
		if off, bad := bs.b64.FirstBad(); bad && !bs.b64BadSeen {
			bs.b64BadSeen = true
			bs.quote(s, int(off-s.off))
		}
		if counted {
			return
		}
	case "quoted-printable":
		if s.last {
			bs.out = bs.qp.Line(s.data, s.off, bs.out[:0])
		} else {
			// A line longer than the buffer: decode the segment as a
			// soft-broken piece so no CRLF is invented.
			bs.out = bs.qp.Line(append(s.data[:len(s.data):len(s.data)], '='), s.off, bs.out[:0])
		}
		dec = bs.out
	default:
		// Identity encodings: the decoded bytes are the file bytes, line
		// ends included, so decoded offsets map to file offsets.
		p.Body.DecodedSize += s.rawLen()
		bs.feed(s.data)
		if e := s.eolBytes(); e != nil {
			bs.feed(e)
		}
		bs.quoteAnalysers(s)
		return
	}
	p.Body.DecodedSize += int64(len(dec))
	bs.feed(dec)
}

// decodedUnread reports that feed would do nothing with more decoded
// bytes but count them: no content analyser and the leading bytes kept.
// Then a base64 line is only validated and counted (Base64.Count), which
// is most of the body bytes of a queue of attachments.
func (bs *bodyScanner) decodedUnread() bool {
	return bs.tnef == nil && bs.rtf == nil && bs.href == nil && bs.dbcs == nil && len(bs.part.Body.Leading) >= leadingLen
}

// feed hands decoded bytes to the analysers, within MaxDecodedBytes.
func (bs *bodyScanner) feed(d []byte) {
	if len(d) == 0 {
		return
	}
	p := bs.part
	if n := len(p.Body.Leading); n < leadingLen {
		k := min(leadingLen-n, len(d))
		p.Body.Leading = append(p.Body.Leading, d[:k]...)
	}
	if bs.maxDec >= 0 && bs.fed >= bs.maxDec {
		return
	}
	if bs.maxDec >= 0 && bs.fed+int64(len(d)) > bs.maxDec {
		d = d[:bs.maxDec-bs.fed]
	}
	bs.fed += int64(len(d))
	if bs.tnef != nil {
		bs.tnef.Write(d)
	}
	if bs.rtf != nil {
		bs.rtf.Write(d)
	}
	if bs.href != nil {
		bs.href.Write(d)
	}
	if bs.dbcs != nil {
		bs.dbcs.Write(d)
	}
}

// textLine looks for uuencode and BinHex blocks in an identity-encoded
// body (KB Q195971, Q164662, Q170060).
func (bs *bodyScanner) textLine(s *segment) {
	p := bs.part
	d := s.data
	if len(d) > 0 && d[0] == '(' && sniff.IsBinHexMarker(d) && p.Body.BinHexOffset < 0 {
		p.Body.BinHexOffset = s.off
		bs.quote(s, 0)
	}
	if bs.uuOpen >= 0 {
		if sniff.IsUUEnd(d) {
			p.Body.Uuencode[bs.uuOpen].EndOffset = s.off
			bs.uuClosed = bs.uuOpen
			bs.uuOpen = -1
		}
		return
	}
	if len(d) >= 6 && d[0] == 'b' {
		if mode, name, ok := sniff.ParseUUBegin(d); ok {
			p.Body.Uuencode = append(p.Body.Uuencode, model.UUBlock{Offset: s.off, Mode: mode, Name: model.Text(name), EndOffset: -1, JunkAfterEnd: -1})
			bs.quote(s, 0)
			bs.uuOpen = len(p.Body.Uuencode) - 1
			bs.uuClosed = -1
			return
		}
	}
	if bs.uuClosed >= 0 && len(bytes.TrimSpace(d)) > 0 {
		if b := &p.Body.Uuencode[bs.uuClosed]; b.JunkAfterEnd < 0 {
			b.JunkAfterEnd = s.off
			bs.quote(s, 0)
		}
	}
}

// finish completes the scan at the end of the part.
func (bs *bodyScanner) finish() {
	p := bs.part
	switch bs.cte {
	case "base64":
		var r sniff.Base64Result
		bs.out, r = bs.b64.Finish(bs.out[:0])
		p.Body.DecodedSize += int64(len(bs.out))
		bs.feed(bs.out)
		p.Body.Base64BadChar = r.BadChar
		p.Body.Base64BadPadding = r.BadPadding
		p.Body.Base64BadLength = r.BadLength
		p.Body.Base64Chars = r.Chars
	case "quoted-printable":
		p.Body.QPBadEscape = bs.qp.Finish().BadEscape
	}
	if bs.tnef != nil {
		r := bs.tnef.Result()
		r.Corrupt = bs.tnef.Problems()&(sniff.TNEFBadChecksum|sniff.TNEFBadLevel) != 0
		p.Body.TNEF = &r
	}
	if bs.rtf != nil {
		r := bs.rtf.Result()
		p.Body.RTF = &r
	}
	if bs.href != nil {
		if at := bs.href.Result(); at >= 0 {
			p.Body.HrefLeadingSpace = bs.fileOffset(at)
		}
	}
	if bs.dbcs != nil {
		if at := bs.dbcs.Result(); at >= 0 {
			p.Body.DBCSInvalid = bs.fileOffset(at)
		}
	}
}

// fileOffset maps a decoded offset to a file offset: exact for identity
// encodings, the body start otherwise.
func (bs *bodyScanner) fileOffset(decoded int64) int64 {
	if bs.identity {
		return bs.part.BodyOffset + decoded
	}
	return bs.part.BodyOffset
}

// quote keeps the bytes of s from index i as evidence, when a recorder is
// set.
func (bs *bodyScanner) quote(s *segment, i int) {
	if bs.excerpt != nil && i >= 0 && i <= len(s.data) {
		bs.excerpt(s, i)
	}
}

// quoteAnalysers keeps the evidence of an href or DBCS finding of an
// identity-encoded body while its line is at hand: decoded offsets are
// file offsets there. A finding whose bytes lie in an earlier segment is
// left without an excerpt.
func (bs *bodyScanner) quoteAnalysers(s *segment) {
	inSegment := func(at int64) (int, bool) {
		off := bs.part.BodyOffset + at
		if off < s.off || off >= s.off+int64(len(s.data)) {
			return 0, false
		}
		return int(off - s.off), true
	}
	if bs.href != nil && !bs.hrefQuoted {
		if at := bs.href.Result(); at >= 0 {
			bs.hrefQuoted = true
			if i, ok := inSegment(at); ok {
				bs.quote(s, i)
			}
		}
	}
	if bs.dbcs != nil {
		if at := bs.dbcs.Result(); at >= 0 && at != bs.dbcsQuoted {
			bs.dbcsQuoted = at
			if i, ok := inSegment(at); ok {
				bs.quote(s, i)
			}
		}
	}
}
