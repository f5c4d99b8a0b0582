package repair

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse/sniff"
	"github.com/imsforensic/imsforensic/rules"
)

// findingFields returns each distinct header field a finding of s points
// into, with its part.
func (s *site) findingFields() ([]*model.Part, []*model.HeaderField) {
	var ps []*model.Part
	var out []*model.HeaderField
	seen := map[int64]bool{}
	for _, f := range s.fs {
		p, hf := s.field(f.Offset)
		if hf == nil || seen[hf.Offset] {
			continue
		}
		seen[hf.Offset] = true
		ps, out = append(ps, p), append(out, hf)
	}
	return ps, out
}

// substitute replaces single bytes of a field's value (index -> byte).
func substitute(p *model.Part, f *model.HeaderField, at []int, with byte, note string) []edit {
	var edits []edit
	for _, i := range at {
		edits = append(edits, edit{off: f.OffsetAt(i), del: 1, ins: []byte{with}, part: p.Path, note: note})
	}
	return edits
}

func fixAddressCommentSeparator(s *site) ([]edit, string) {
	var edits []edit
	ps, fs := s.findingFields()
	for k, f := range fs {
		v := string(f.Value)
		comments, _, _ := rules.AddressList(v)
		var at []int
		for _, cm := range comments {
			for i := cm[0]; i < cm[1]; i++ {
				if v[i] == ',' || v[i] == ';' {
					at = append(at, i)
				}
			}
		}
		edits = append(edits, substitute(ps[k], f, at, ' ', "list separator inside a comment of "+string(f.Name)+" made a blank")...)
	}
	return edits, ""
}

func fixAddressMixedSeparators(s *site) ([]edit, string) {
	var edits []edit
	ps, fs := s.findingFields()
	for k, f := range fs {
		_, _, semis := rules.AddressList(string(f.Value))
		edits = append(edits, substitute(ps[k], f, semis, ',', "';' separator of "+string(f.Name)+" made ','")...)
	}
	return edits, ""
}

func fixContentTypeInvalidChars(s *site) ([]edit, string) {
	var edits []edit
	ps, fs := s.findingFields()
	for k, f := range fs {
		v := []byte(f.Value)
		var at []int
		for n := 0; n < len(v); n++ {
			i := rules.InvalidContentTypeByte(string(v))
			if i < 0 {
				break
			}
			at, v[i] = append(at, i), '_'
		}
		edits = append(edits, substitute(ps[k], f, at, '_', "byte outside RFC 2045 syntax in Content-Type made '_'")...)
	}
	return edits, ""
}

func fixIMCEAMalformed(s *site) ([]edit, string) {
	var edits []edit
	for _, fd := range s.fs {
		if fd.Offset < s.m.MessageOffset {
			return nil, "the malformed address is in the IMS envelope, which is kept byte for byte"
		}
	}
	ps, fs := s.findingFields()
	if len(fs) == 0 {
		return nil, "the malformed address is not in a header field"
	}
	for k, f := range fs {
		v := string(f.Value)
		rules.IMCEAAddrs(v, func(start, end int) {
			local := v[start:end]
			if at := strings.LastIndexByte(local, '@'); at >= 0 {
				local = local[:at]
			}
			for i := 0; i < len(local); i++ {
				if local[i] != '+' {
					continue
				}
				if i+2 < len(local) && isHex(local[i+1]) && isHex(local[i+2]) {
					i += 2
					continue
				}
				edits = append(edits, edit{off: f.OffsetAt(start+i) + 1, ins: []byte("2B"), part: ps[k].Path, note: "'+' written as its IMCEA escape +2B"})
			}
		})
	}
	return edits, ""
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func fixHeaderNonHeaderLine(s *site) ([]edit, string) {
	var edits []edit
	for _, f := range s.fs {
		if f.Offset > 0 && (f.Offset > s.raw.Len() || s.raw.At(f.Offset-1) != '\n') {
			return nil, "the line's start could not be located"
		}
		edits = append(edits, edit{off: f.Offset, ins: []byte("X-Repaired-Line: "), part: f.Part, note: "line given a field name so the header reads as fields"})
	}
	return edits, ""
}

func fixReceivedCommentDate(s *site) ([]edit, string) {
	var edits []edit
	ps, fs := s.findingFields()
	for k, f := range fs {
		edits = append(edits, edit{off: f.Offset, ins: []byte("X-"), part: ps[k].Path, note: "Received renamed X-Received: its comment holds a date the store parses"})
	}
	return edits, ""
}

func fixMacAttributes(s *site) ([]edit, string) {
	var edits []edit
	for _, fd := range s.fs {
		p, f := s.field(fd.Offset)
		if f == nil {
			return nil, "the Mac attribute could not be located"
		}
		n := strings.ToLower(string(f.Name))
		if n == "x-mac-type" || n == "x-mac-creator" {
			edits = append(edits, edit{off: f.Offset, del: f.RawLength, part: p.Path, note: string(f.Name) + " field removed"})
			continue
		}
		e, why := s.dropParam(p, fd.Offset)
		if why != "" {
			return nil, why
		}
		edits = append(edits, e)
	}
	return edits, ""
}

// dropParam removes the Content-Type parameter written at off, with the
// ';' before it.
func (s *site) dropParam(p *model.Part, off int64) (edit, string) {
	for i := range p.Params {
		pm := &p.Params[i]
		if pm.Offset != off {
			continue
		}
		_, b, quoted, ok := s.valueSpan(pm)
		if !ok {
			break
		}
		if quoted {
			b++
		}
		a := off
		for a > 0 && bytes.IndexByte([]byte(" \t\r\n"), s.raw.At(a-1)) >= 0 {
			a--
		}
		if a == 0 || s.raw.At(a-1) != ';' {
			break
		}
		return edit{off: a - 1, del: b - a + 1, part: p.Path, note: "parameter " + string(pm.Name) + " removed"}, ""
	}
	return edit{}, "the parameter could not be located"
}

func fixDBCSInvalid(s *site) ([]edit, string) {
	var edits []edit
	for _, f := range s.fs {
		if f.Offset < 0 || f.Offset+1 >= s.raw.Len() {
			return nil, "the lead byte could not be located"
		}
		if s.raw.At(f.Offset) == '=' && s.raw.At(f.Offset+1) == '?' {
			e, why := s.fixEncodedWordDBCS(f)
			if why != "" {
				return nil, why
			}
			edits = append(edits, e)
			continue
		}
		if s.raw.At(f.Offset) < 0x80 {
			return nil, "the lead byte is inside a transfer-encoded body: re-encoding the body is not a small change"
		}
		edits = append(edits, edit{off: f.Offset, del: 1, ins: []byte("?"), part: f.Part, note: "lone DBCS lead byte made '?'"})
	}
	return edits, ""
}

// fixEncodedWordDBCS rewrites the B-encoded word at the finding's offset
// with each lone lead byte made '?', in the same charset and encoding.
func (s *site) fixEncodedWordDBCS(f model.Finding) (edit, string) {
	// The word ends before the line does: look no further than the
	// line (bytes.Index over the rest of the file found the same).
	eol := s.raw.IndexAny(f.Offset, "\r\n")
	lim := s.raw.Len()
	if eol >= 0 {
		lim = eol + 1
	}
	end := s.raw.Index(f.Offset, lim, []byte("?="))
	if end < 0 || (eol >= 0 && eol < end) {
		return edit{}, "the encoded word could not be located"
	}
	word := string(s.raw.Span(f.Offset+2, end)) // cs?B?text
	parts := strings.SplitN(word, "?", 3)
	if len(parts) != 3 || !strings.EqualFold(parts[1], "B") {
		return edit{}, "the lead byte is in a Q-encoded word: only B words are rewritten"
	}
	dec, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return edit{}, "the encoded word's base64 does not decode"
	}
	cs := parts[0]
	if i := strings.IndexByte(cs, '*'); i >= 0 {
		cs = cs[:i]
	}
	for n := 0; n < len(dec); n++ {
		bad := sniff.ValidDBCSString(cs, dec)
		if bad < 0 || bad >= len(dec) {
			break
		}
		dec[bad] = '?'
	}
	at := f.Offset + 2 + int64(len(parts[0])+len(parts[1])+2)
	return edit{off: at, del: int64(len(parts[2])), ins: []byte(base64.StdEncoding.EncodeToString(dec)), part: f.Part,
		note: "lone DBCS lead byte in an encoded word made '?', the word re-encoded in " + cs}, ""
}

// unstructured fields may carry RFC 2047 encoded words anywhere.
func unstructured(name string) bool {
	n := strings.ToLower(name)
	return n == "subject" || n == "comments" || n == "keywords" || strings.HasPrefix(n, "x-")
}

func fixHeader8Bit(s *site) ([]edit, string) {
	var edits []edit
	for _, f := range s.m.Header() {
		val := unfoldValue(s.fieldBytes(&f), len(f.Name))
		if !has8Bit(val) {
			continue
		}
		if !unstructured(string(f.Name)) {
			return nil, "8-bit bytes in " + string(f.Name) + ", a structured field: encoding them needs its syntax rewritten"
		}
		cs := "utf-8"
		if !utf8.Valid(val) {
			if cs = s.declaredCharset(val); cs == "" {
				return nil, "8-bit bytes in " + string(f.Name) + " are not UTF-8 and the message declares no charset they fit: which charset they are cannot be told"
			}
		}
		nf := string(f.Name) + ": " + encodeWords(val, cs) + "\r\n"
		edits = append(edits, edit{off: f.Offset, del: f.RawLength, ins: []byte(nf), note: string(f.Name) + " RFC 2047-encoded as " + cs})
	}
	return edits, ""
}

func has8Bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// unfoldValue is a field's value from its raw bytes: after "Name:", folds
// removed, leading blanks and the line end dropped.
func unfoldValue(raw []byte, nameLen int) []byte {
	if nameLen+1 > len(raw) {
		return nil
	}
	v := raw[nameLen+1:]
	v = bytes.ReplaceAll(v, []byte("\r\n"), nil)
	v = bytes.ReplaceAll(v, []byte("\n"), nil)
	return bytes.TrimLeft(v, " \t")
}

// declaredCharset is the first charset the message declares that the
// 8-bit header text v fits: a single-byte one (iso-8859-*, windows-125*),
// or a DBCS one in which v is valid; for ISO-2022-JP mail Shift_JIS, the
// form its raw 8-bit headers take in practice (as rule
// dbcs-invalid-sequence reads them). "" when none.
func (s *site) declaredCharset(v []byte) string {
	for _, p := range s.m.Parts {
		pm := p.Param("charset")
		if pm == nil {
			continue
		}
		cs := strings.ToLower(strings.Trim(string(pm.Value), " \t\""))
		switch {
		case strings.HasPrefix(cs, "iso-8859-") || strings.HasPrefix(cs, "windows-125"):
			return cs
		case cs == "iso-2022-jp":
			cs = "shift_jis"
		}
		if sniff.NewDBCS(cs) != nil && sniff.ValidDBCSString(cs, v) < 0 {
			return cs
		}
	}
	return ""
}

// encodeWords writes v as RFC 2047 B encoded words of at most 75
// characters, folded onto continuation lines, never splitting a UTF-8
// character.
func encodeWords(v []byte, cs string) string {
	prefix, suffix := "=?"+cs+"?B?", "?="
	max := (75 - len(prefix) - len(suffix)) / 4 * 3
	var words []string
	for len(v) > 0 {
		n := min(max, len(v))
		if cs == "utf-8" {
			for n < len(v) && n > 0 && !utf8.RuneStart(v[n]) {
				n--
			}
		}
		words = append(words, prefix+base64.StdEncoding.EncodeToString(v[:n])+suffix)
		v = v[n:]
	}
	return strings.Join(words, "\r\n ")
}
