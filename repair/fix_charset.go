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

// decoded is the part's body with its transfer encoding undone, leniently
// (a base64 body with stray bytes decodes what is decodable).
func (s *site) decoded(p *model.Part) []byte {
	a, b := s.body(p)
	raw := s.span(a, b)
	switch p.CTE {
	case "base64":
		clean := make([]byte, 0, len(raw))
		for _, c := range raw {
			if isB64(c) {
				clean = append(clean, c)
			}
		}
		clean = clean[:len(clean)/4*4]
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, _ := base64.StdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		return out
	}
	return raw
}

func isB64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// charsetOfBytes names the charset b is when that can be told from the
// bytes alone: us-ascii for 7-bit, utf-8 for valid UTF-8 with 8-bit bytes.
// Any other 8-bit text could be one of many charsets: why says so.
func charsetOfBytes(b []byte) (cs, why string) {
	ascii := true
	for _, c := range b {
		if c >= 0x80 || c == 0x1b {
			ascii = false
			break
		}
	}
	switch {
	case ascii:
		return "us-ascii", ""
	case bytes.IndexByte(b, 0x1b) >= 0:
		return "", "the text holds ISO 2022 escapes: which charset it is cannot be told from the bytes"
	case utf8.Valid(b):
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
			body := s.decoded(p)
			if p.IsMultipart() {
				body = s.span(p.BodyOffset, p.BodyOffset+p.BodyLength)
			}
			cs, why := charsetOfBytes(body)
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
