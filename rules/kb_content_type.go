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
	if printableASCII(v) {
		return -1 // no byte the loop below could stop at (0x1B included)
	}
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

// printableASCII reports a string of bytes 0x20-0x7E only, eight at a
// time: a Content-Type value nearly always is, and the byte loop of
// invalidCTByte was 0.5% of a one-core scan.
func printableASCII(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte below 0x20 (the classic "has less than"), or above 0x7E
		// (adding 1 sets the top bit of 0x7F; bytes with it set already
		// count through the OR).
		if (w-0x20*ones)&^w&highs != 0 || ((w+ones)|w)&highs != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
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
