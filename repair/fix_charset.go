package repair

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/rules"
)

// eachDecoded calls fn with the part's body, its transfer encoding undone
// leniently (a base64 body with stray bytes decodes what is decodable), a
// piece at a time: a 1 GiB body is never held whole.
func (s *site) eachDecoded(p *model.Part, fn func([]byte)) {
	a, b := s.body(p)
	switch p.CTE {
	case "base64":
		// The base64 characters alone, decoded four at a time; a rest of
		// fewer than four is dropped.
		var quad []byte
		out := make([]byte, 0, 48<<10)
		var dec [3]byte
		s.raw.each(a, b, func(chunk []byte) bool {
			for _, c := range chunk {
				if !isB64(c) {
					continue
				}
				if quad = append(quad, c); len(quad) == 4 {
					n, _ := base64.StdEncoding.Decode(dec[:], quad)
					out, quad = append(out, dec[:n]...), quad[:0]
				}
			}
			fn(out)
			out = out[:0]
			return true
		})
	case "quoted-printable":
		r := quotedprintable.NewReader(io.NewSectionReader(s.raw.readerAt(), a, max(b-a, 0)))
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			fn(buf[:n])
			if err != nil {
				return
			}
		}
	default:
		s.raw.each(a, b, func(chunk []byte) bool { fn(chunk); return true })
	}
}

func isB64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// charsetOfBytes names the charset b is when that can be told from the
// bytes alone: us-ascii for 7-bit, utf-8 for valid UTF-8 with 8-bit bytes.
// Any other 8-bit text could be one of many charsets: why says so.
func charsetOfBytes(b []byte) (cs, why string) {
	var c charsetScan
	c.write(b)
	return c.result()
}

// charsetScan is charsetOfBytes a piece at a time.
type charsetScan struct {
	eightBit, esc, invalid bool
	carry                  []byte // an incomplete UTF-8 character at a piece's end
}

func (c *charsetScan) write(b []byte) {
	if !c.esc && bytes.IndexByte(b, 0x1b) >= 0 {
		c.esc = true
	}
	if !c.eightBit {
		for _, x := range b {
			if x >= 0x80 {
				c.eightBit = true
				break
			}
		}
	}
	if c.invalid || !c.eightBit && len(c.carry) == 0 {
		return
	}
	buf := append(c.carry, b...)
	cut := len(buf)
	// Valid UTF-8 is self-synchronising: a byte that is not a
	// continuation starts a character, so the text up to the last such
	// byte is checked now and an incomplete character waits for the next
	// piece.
	for k := len(buf) - 1; k >= 0 && k >= len(buf)-3; k-- {
		if utf8.RuneStart(buf[k]) {
			if !utf8.FullRune(buf[k:]) {
				cut = k
			}
			break
		}
	}
	if !utf8.Valid(buf[:cut]) {
		c.invalid = true
	}
	c.carry = append(c.carry[:0:0], buf[cut:]...)
}

func (c *charsetScan) result() (cs, why string) {
	if len(c.carry) > 0 {
		c.invalid = true
	}
	switch {
	case !c.eightBit && !c.esc:
		return "us-ascii", ""
	case c.esc:
		return "", "the text holds ISO 2022 escapes: which charset it is cannot be told from the bytes"
	case !c.invalid:
		return "utf-8", ""
	}
	return "", "the text is 8-bit and not UTF-8: which charset it is cannot be told from the bytes"
}

// relabel sets the charset parameters of the finding's parts that bad
// matches to the charset the part's bytes are.
func relabel(s *site, bad func(v string, pm *model.Param) bool, what string) ([]edit, string) {
	var edits []edit
	for _, p := range s.findingParts() {
		for _, pm := range rules.ContentTypeParams(p) {
			if !strings.EqualFold(string(pm.Name), "charset") || !bad(string(pm.Value), pm) {
				continue
			}
			var scan charsetScan
			if p.IsMultipart() {
				s.raw.each(p.BodyOffset, p.BodyOffset+p.BodyLength, func(b []byte) bool { scan.write(b); return true })
			} else {
				s.eachDecoded(p, scan.write)
			}
			cs, why := scan.result()
			if why != "" {
				return nil, "part " + partName(p.Path) + ": " + why
			}
			a, b, quoted, ok := s.valueSpan(pm)
			if !ok {
				return nil, "the charset parameter's value could not be located in the file (an unclosed quote?)"
			}
			if !quoted && b > a {
				// An unquoted label ends at a blank or a comment: replace
				// only the label ("US-ASCII (Plain Text)" keeps its comment).
				b = a + int64(len(label(s.span(a, b))))
			}
			edits = append(edits, edit{off: a, del: b - a, ins: []byte(cs), part: p.Path, note: what + " set to " + cs + ": the part's bytes are " + bytesAre(cs)})
		}
	}
	return edits, ""
}

func label(b []byte) []byte {
	if i := bytes.IndexAny(b, " \t("); i >= 0 {
		return b[:i]
	}
	return b
}

func bytesAre(cs string) string {
	if cs == "us-ascii" {
		return "7-bit"
	}
	return "valid UTF-8"
}

func partName(path string) string {
	if path == "" {
		return "top"
	}
	return path
}

func fixBlankCharset(s *site) ([]edit, string) {
	return relabel(s, func(v string, pm *model.Param) bool {
		return strings.Trim(v, " \t\r\n") == "" && strings.Contains(string(pm.Raw), "=")
	}, "blank charset")
}

func fixCharsetUnknown(s *site) ([]edit, string) {
	return relabel(s, func(v string, pm *model.Param) bool {
		// The findings quote the parameter at its offset; a known label
		// in the same part is left alone.
		for _, f := range s.fs {
			if f.Offset == pm.Offset {
				return true
			}
		}
		return false
	}, "unknown charset label")
}

// fixDigestForeignCharset turns multipart/digest into multipart/mixed when
// every child says its own Content-Type, so nothing relied on the digest's
// default of message/rfc822 (RFC 2046 5.1.5).
func fixDigestForeignCharset(s *site) ([]edit, string) {
	var edits []edit
	for i := range s.m.Parts {
		d := &s.m.Parts[i]
		if d.MediaType != "multipart/digest" {
			continue
		}
		for j := range s.m.Parts {
			c := &s.m.Parts[j]
			if c.Depth == d.Depth+1 && (d.Path == "" || strings.HasPrefix(c.Path, d.Path+".")) && c.ContentType == "" {
				// The digest's default (RFC 2046 5.1.5) written out, so
				// mixed reads the part as the digest did.
				edits = append(edits, edit{off: c.Offset, ins: []byte("Content-Type: message/rfc822\r\n"), part: c.Path, note: "the digest's default type written out"})
			}
		}
		_, f := s.field(d.ContentTypeOffset)
		if f == nil {
			return nil, "the digest's Content-Type could not be located"
		}
		k := strings.Index(strings.ToLower(string(f.Value)), "digest")
		if k < 0 {
			return nil, "the digest's Content-Type could not be located"
		}
		edits = append(edits, edit{off: f.OffsetAt(k), del: int64(len("digest")), ins: []byte("mixed"), part: d.Path,
			note: "multipart/digest read as multipart/mixed, every part with its type"})
	}
	return edits, ""
}
