package rules

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse/sniff"
)

// DBCS text with a lead byte missing its trail byte (KB Q266638, Q282796).

var ruleDBCSInvalidSequence = Rule{
	ID: "dbcs-invalid-sequence", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q266638", "Q282796"},
	Doc: "Shift_JIS / ISO-2022-JP / other DBCS text (body, headers, display names) with a lead byte missing its trail byte",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if at := p.Body.DBCSInvalid; at >= 0 {
				ev, off := bodyEvidence(m, at)
				emit(p.Path, off, ev, "lead byte without its trail byte in a "+charsetOf(p)+" body")
			}
			for j := range p.Header {
				f := &p.Header[j]
				if k, cs := badEncodedWordDBCS(string(f.Value)); k >= 0 {
					ev, off := valueEvidence(f, k)
					emit(p.Path, off, ev, fmt.Sprintf("%s: encoded word in %s decodes to a lead byte without its trail byte (AV in HrEncodeString)", f.Name, cs))
				}
			}
		}
		// Raw 8-bit header bytes in a message that declares a DBCS
		// charset: read as that charset (as Shift_JIS for ISO-2022-JP
		// mail, whose raw 8-bit headers are Shift_JIS in practice).
		cs := declaredDBCS(m)
		if cs == "" {
			return
		}
		for j, h := 0, m.Header(); j < len(h); j++ {
			f := &h[j]
			if firstNonASCII(string(f.Value)) < 0 {
				continue // no raw 8-bit byte: nothing to read as cs (and no copy of the value)
			}
			if k := sniff.ValidDBCSString(cs, []byte(f.Value)); k >= 0 {
				ev, off := valueEvidence(f, k)
				emit("", off, ev, fmt.Sprintf("%s: raw 8-bit bytes are not valid %s (lead byte without its trail byte)", f.Name, cs))
			}
		}
	},
}

func charsetOf(p *model.Part) string {
	if cs := p.Param("charset"); cs != nil {
		return charsetKey(string(cs.Value))
	}
	return "DBCS"
}

// declaredDBCS returns the DBCS charset a part of m declares ("" when
// none); ISO-2022-JP is mapped to shift_jis, the 8-bit form raw header
// bytes take.
func declaredDBCS(m *model.Message) string {
	for i := range m.Parts {
		cs := m.Parts[i].Param("charset")
		if cs == nil || !sniff.KnownDBCS(string(cs.Value)) {
			continue
		}
		k := charsetKey(string(cs.Value))
		if strings.HasPrefix(k, "iso-2022-jp") || k == "csiso2022jp" || k == "jis" {
			return "shift_jis"
		}
		return k
	}
	return ""
}

// badEncodedWordDBCS decodes the RFC 2047 words of v that name a DBCS
// charset to that charset's bytes and returns the index of the first word
// whose bytes hold a lead byte without its trail byte, and its charset;
// -1 when none.
func badEncodedWordDBCS(v string) (int, string) {
	for from := 0; ; {
		k := strings.Index(v[from:], "=?")
		if k < 0 {
			return -1, ""
		}
		start := from + k
		parts := strings.SplitN(v[start+2:], "?", 3)
		if len(parts) < 3 {
			return -1, ""
		}
		cs, enc := parts[0], strings.ToUpper(parts[1])
		end := strings.Index(parts[2], "?=")
		if end < 0 {
			return -1, ""
		}
		text := parts[2][:end]
		from = start + 2 + len(cs) + 1 + len(parts[1]) + 1 + end + 2
		if i := strings.IndexByte(cs, '*'); i >= 0 {
			cs = cs[:i] // RFC 2231 language suffix
		}
		if !sniff.KnownDBCS(cs) {
			continue
		}
		var raw []byte
		switch enc {
		case "B":
			b, err := base64.StdEncoding.DecodeString(text)
			if err != nil {
				b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
				if err != nil {
					continue // encoded-word-invalid's business
				}
			}
			raw = b
		case "Q":
			raw = decodeQ(text)
		default:
			continue
		}
		if sniff.ValidDBCSString(cs, raw) >= 0 {
			return start, charsetKey(cs)
		}
	}
}

// decodeQ undoes RFC 2047 Q encoding ("_" is space, =XX a byte); bad
// escapes are kept as written.
func decodeQ(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			out = append(out, unhexByte(s[i+1])<<4|unhexByte(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func unhexByte(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
