package rules

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Content-Type syntax (KB Q304024).

// invalidCTByte returns the index of the first byte of a raw unfolded
// Content-Type value that RFC 2045 token, tspecials, quoted-string and
// white space syntax do not allow: 8-bit bytes and controls other than
// HTAB. -1: none.
//
// QUIRK: an ISO-2022 escape (ESC $ B, ESC ( B, ...) inside a quoted
// string is let through: Japanese mailers of the time wrote raw
// ISO-2022-JP file names in name="...", which clean queues are full of,
// and the rule is crash class. 8-bit bytes are never let through.
func invalidCTByte(v string) int {
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted:
			i++
		case c >= 0x80, c == 0x7F:
			return i
		case c == 0x1B && quoted && isISO2022Escape(v[i+1:]):
			i += 2
		case c < 0x20 && c != '\t':
			return i
		}
	}
	return -1
}

// isISO2022Escape reports the designations of ISO-2022-JP (RFC 1468).
func isISO2022Escape(rest string) bool {
	for _, e := range []string{"$B", "$@", "(B", "(J", "(I", "$A", "$(D"} {
		if strings.HasPrefix(rest, e) {
			return true
		}
	}
	return false
}

var ruleContentTypeInvalidChars = Rule{
	ID: "content-type-invalid-chars", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q304024"},
	Doc: "a Content-Type value with bytes outside RFC 2045 syntax (8-bit bytes, controls)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !f.NameFold(model.FieldContentType) {
					continue
				}
				if k := invalidCTByte(string(f.Value)); k >= 0 {
					ev, off := valueEvidence(f, k)
					emit(p.Path, off, ev, fmt.Sprintf("Content-Type holds byte 0x%02X at column %d (IS stop / AV before 5.5.2655.27)", f.Value[k], k))
				}
			}
		}
	},
}
