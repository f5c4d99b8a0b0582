package model

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Text is a string of bytes taken from a message as written; it may hold
// invalid UTF-8. Its JSON form is lossless and unambiguous (see Escape):
// Unescape(Escape(s)) == s for every byte string s, and two different
// strings never have the same form, while ordinary text and Windows paths
// are written as they are. encoding/json alone would write U+FFFD for an
// invalid byte, so a name "bad<0xFF>x" and a name "bad<U+FFFD>x" would look
// the same.
type Text string

// MarshalText implements encoding.TextMarshaler (used by encoding/json).
func (t Text) MarshalText() ([]byte, error) { return []byte(Escape(string(t))), nil }

// UnmarshalText undoes MarshalText: the bytes come back exactly.
func (t *Text) UnmarshalText(b []byte) error { *t = Text(Unescape(string(b))); return nil }

// Escape returns s with these bytes written as \xNN (lower-case hex):
//   - every byte of an invalid UTF-8 sequence (Python's "backslashreplace");
//   - C0 controls other than tab, and DEL, so the text prints safely on a
//     terminal;
//   - a backslash that starts the four characters \x and two hex digits,
//     written \x5c, so that a literal "\xff" in a name stays distinct from
//     the escaped byte 0xFF.
//
// Every other backslash is kept, so C:\Exchsrvr\Imcdata reads as it is.
// Unescape reverses it: every \xNN is the byte NN, every other character
// is itself.
func Escape(s string) string {
	if escapeClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if needsEscape(s, i) {
				writeHexEscape(&b, c)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			writeHexEscape(&b, c)
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

// EscapeVisible is Escape for text shown to people (the table, show, the
// HTML report, CSV): it also writes as \xNN the bytes of the characters
// that change how the text around them is displayed rather than showing
// themselves: the C1 controls (U+0080-U+009F; some terminals take U+009B
// as an escape sequence's start) and the bidirectional formatting marks
// (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). A hostile
// Subject or file name with U+202E cannot then show its text reversed
// ("Trojan Source", CVE-2021-42574) in a row the admin reads. Unescape
// still gives back the exact bytes; JSON keeps Escape's form.
func EscapeVisible(s string) string {
	e := Escape(s)
	if !hasDisplayControl(e) {
		return e
	}
	var b strings.Builder
	b.Grow(len(e) + 16)
	for i := 0; i < len(e); {
		r, n := utf8.DecodeRuneInString(e[i:])
		if isDisplayControl(r) {
			for k := 0; k < n; k++ {
				writeHexEscape(&b, e[i+k])
			}
		} else {
			b.WriteString(e[i : i+n])
		}
		i += n
	}
	return b.String()
}

// hasDisplayControl reports whether s holds a rune EscapeVisible escapes;
// all of them are outside ASCII, so ASCII text is passed over at once.
func hasDisplayControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			for _, r := range s[i:] {
				if isDisplayControl(r) {
					return true
				}
			}
			return false
		}
	}
	return false
}

func isDisplayControl(r rune) bool {
	switch {
	case 0x80 <= r && r <= 0x9f, r == 0x061c, r == 0x200e, r == 0x200f,
		0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
		return true
	}
	return false
}

// escapeClean reports whether Escape has nothing to change in s.
func escapeClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if needsEscape(s, i) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		i += n
	}
	return true
}

// needsEscape reports whether the ASCII byte s[i] is written as \xNN.
func needsEscape(s string, i int) bool {
	c := s[i]
	switch {
	case c < 0x20 && c != '\t' || c == 0x7f:
		return true
	case c == '\\':
		return IsHexEscape(s, i)
	}
	return false
}

// IsHexEscape reports whether s[i:] starts with \x and two hex digits:
// one byte as Escape writes it (a renderer that cuts escaped text to a
// width must not cut one in two).
func IsHexEscape(s string, i int) bool {
	return i+3 < len(s) && s[i] == '\\' && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func writeHexEscape(b *strings.Builder, c byte) {
	const hexd = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(hexd[c>>4])
	b.WriteByte(hexd[c&15])
}

// Unescape returns the bytes Escape was given: each \xNN (either case of
// hex) is the byte NN; everything else is kept as it is.
func Unescape(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if IsHexEscape(s, i) {
			v, _ := hex.DecodeString(s[i+2 : i+4])
			b.WriteByte(v[0])
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Bytes is binary data written as lower-case hex in JSON.
type Bytes []byte

func (b Bytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(b)), nil }

func (b *Bytes) UnmarshalText(t []byte) error {
	v, err := hex.DecodeString(string(t))
	if err != nil {
		return err
	}
	*b = v
	return nil
}
