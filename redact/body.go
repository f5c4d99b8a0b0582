package redact

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// isText reports a media type whose content is words (text/*, and
// message/* bodies that did not parse as a message).
func isText(mt string) bool {
	return strings.HasPrefix(mt, "text/") || strings.HasPrefix(mt, "message/")
}

// bodies prepares every leaf part's body: base64 is redacted through its
// decoded form, quoted-printable keeps its escapes, markup keeps its tag
// and control words, binary attachments are redacted byte by byte; plain
// text is left to the final word pass.
func (p *plan) bodies(m *model.Message) {
	for i := range m.Parts {
		pt := &m.Parts[i]
		if pt.IsMultipart() || pt.Children > 0 {
			continue
		}
		a, b := pt.BodyOffset, min(pt.BodyOffset+pt.BodyLength, int64(len(p.raw)))
		if a < 0 || a >= b {
			continue
		}
		switch pt.CTE {
		case "base64":
			p.base64Body(pt, a, b)
			continue
		case "quoted-printable":
			p.percentLike(a, b, '=')
			for j := a; j+1 < b; j++ {
				if p.raw[j] == '=' && (p.raw[j+1] == '\r' || p.raw[j+1] == '\n') {
					p.keep[j] = true // soft line break
				}
			}
		}
		switch {
		case pt.MediaType == "text/html":
			p.markupHTML(a, b)
		case isRTF(pt.MediaType):
			p.markupRTF(a, b)
		case !isText(pt.MediaType) && isIdentityCTE(pt.CTE):
			p.binaryRange(a, b)
		}
		p.uuencode(pt)
		if at := pt.Body.BinHexOffset; at >= a && at < b {
			// "(This file must be converted with BinHex 4.0)" is the
			// format's marker line, not content (rule binhex-part).
			e := bytes.IndexByte(p.raw[at:b], '\n')
			if e < 0 {
				e = int(b - at)
			}
			p.keepRange(at, at+int64(e))
		}
	}
}

func isIdentityCTE(cte string) bool {
	return cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"
}

// base64Body redacts a base64 body. A body that does not decode cleanly,
// or holds a byte that must be kept, is redacted in its encoded form, so a
// stray byte or bad padding stays where it was.
func (p *plan) base64Body(pt *model.Part, a, b int64) {
	if !p.anyKeep(a, b) {
		if pt.MediaType == "application/ms-tnef" || strings.EqualFold(string(pt.Filename), "winmail.dat") {
			if p.tnefBody(a, b) {
				return
			}
		} else if p.base64Text(a, b, func(dec []byte) bool { p.mp.redactDecoded(pt.MediaType, dec); return true }) {
			return
		}
	}
	p.binaryRange(a, b)
}

func (p *plan) anyKeep(a, b int64) bool {
	for i := a; i < b; i++ {
		if p.keep[i] || p.prot[i] {
			return true
		}
	}
	return false
}

// binaryRange redacts raw[a:b] byte by byte (letters for letters, digits
// for digits), the kept bytes aside.
func (p *plan) binaryRange(a, b int64) {
	buf := append([]byte(nil), p.raw[a:b]...)
	mask := make([]bool, b-a)
	for i := range mask {
		mask[i] = p.keep[a+int64(i)] || p.prot[a+int64(i)]
	}
	p.mp.redactBinary(buf, mask)
	copy(p.out[a:b], buf)
	for i := a; i < b; i++ {
		p.done[i] = true
	}
}

// tnefBody redacts a base64 TNEF stream attribute by attribute (MS-OXTNEF
// 2.1.3: level, id, length, data, checksum): the data is redacted byte by
// byte and a checksum that was right is computed again, so the TNEF walk of
// the rules sees the same structure; the signature and key stay.
func (p *plan) tnefBody(a, b int64) bool { return p.base64Text(a, b, p.mp.redactTNEF) }

// redactTNEF redacts a decoded TNEF stream in place; false when it is too
// short to hold the signature and key.
func (mp *mapper) redactTNEF(dec []byte) bool {
	if len(dec) < 6 {
		return false
	}
	for i := 6; i+9 <= len(dec); {
		n := int(binary.LittleEndian.Uint32(dec[i+5 : i+9]))
		if n < 0 || i+9+n+2 > len(dec) {
			mp.redactBinary(dec[i+9:], nil) // truncated: the rest is data
			break
		}
		data := dec[i+9 : i+9+n]
		ok := binary.LittleEndian.Uint16(dec[i+9+n:]) == checksum(data)
		mp.redactBinary(data, nil)
		if ok {
			binary.LittleEndian.PutUint16(dec[i+9+n:], checksum(data))
		}
		i += 9 + n + 2
	}
	return true
}

func checksum(b []byte) uint16 {
	var s uint16
	for _, c := range b {
		s += uint16(c)
	}
	return s
}

// markupHTML keeps tag names and attribute names (rules read href="...").
func (p *plan) markupHTML(a, b int64) { markupHTML(p.raw[a:b], p.keep[a:b]) }

// markupRTF keeps RTF control words (\rtf1, \par, \b0).
func (p *plan) markupRTF(a, b int64) { markupRTF(p.raw[a:b], p.keep[a:b]) }

func setRange(keep []bool, a, b int) {
	for i := max(a, 0); i < min(b, len(keep)); i++ {
		keep[i] = true
	}
}

// markupHTML marks in keep the tag and attribute names of the HTML in b.
func markupHTML(b []byte, keep []bool) {
	n := len(b)
	for i := 0; i < n; i++ {
		if b[i] != '<' {
			continue
		}
		j := i + 1
		for j < n && (b[j] == '/' || b[j] == '!') {
			j++
		}
		k := j
		for k < n && isWordByte(b[k]) {
			k++
		}
		setRange(keep, j, k)
		end := bytes.IndexByte(b[k:], '>')
		if end < 0 {
			end = n - k
		}
		for t := k; t < k+end; t++ {
			if !isWordByte(b[t]) {
				continue
			}
			u := t
			for u < k+end && (isWordByte(b[u]) || b[u] == '-') {
				u++
			}
			v := u
			for v < k+end && (b[v] == ' ' || b[v] == '\t') {
				v++
			}
			if v < k+end && b[v] == '=' {
				setRange(keep, t, u)
			}
			t = u
		}
		i = k + end
	}
}

// markupRTF marks in keep the control words of the RTF in b.
func markupRTF(b []byte, keep []bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		j := i + 1
		for j < len(b) && isWordByte(b[j]) && b[j] < 0x80 {
			j++
		}
		setRange(keep, i, j)
		i = j - 1
	}
}

// redactDecoded redacts a part's decoded content by its media type: text
// (markup keeping its tag and control words) or binary.
func (mp *mapper) redactDecoded(mt string, dec []byte) {
	keep := make([]bool, len(dec))
	switch {
	case isRTF(mt):
		markupRTF(dec, keep)
	case mt == "text/html":
		markupHTML(dec, keep)
	case !isText(mt):
		mp.redactBinary(dec, nil)
		return
	}
	mp.redactText(dec, keep)
}

// isRTF reports the media types parse checks as RTF (rule rtf-corrupt).
func isRTF(mt string) bool {
	switch mt {
	case "text/rtf", "application/rtf", "application/x-rtf", "text/richtext+rtf":
		return true
	}
	return false
}

// uuencode keeps each begin line's keyword and mode and the first
// character of every data line (the line's byte count); the file name
// keeps its extension.
func (p *plan) uuencode(pt *model.Part) {
	for _, u := range pt.Body.Uuencode {
		if u.Offset < 0 || u.Offset >= int64(len(p.raw)) {
			continue
		}
		line := p.raw[u.Offset:]
		if e := bytes.IndexByte(line, '\n'); e >= 0 {
			line = line[:e]
		}
		head := int64(len("begin ") + len(u.Mode) + 1)
		p.keepRange(u.Offset, u.Offset+min(head, int64(len(line))))
		if dot := bytes.LastIndexByte(line, '.'); dot >= 0 && len(line)-dot <= 12 {
			p.keepRange(u.Offset+int64(dot), u.Offset+int64(len(line)))
		}
		end := u.EndOffset
		if end < 0 {
			end = pt.BodyOffset + pt.BodyLength
		}
		for off := u.Offset + int64(len(line)) + 1; off < min(end, int64(len(p.raw))); {
			p.keep[off] = true
			e := bytes.IndexByte(p.raw[off:], '\n')
			if e < 0 {
				break
			}
			off += int64(e) + 1
		}
	}
}
