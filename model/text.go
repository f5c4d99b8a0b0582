package model

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Text is a string of bytes taken from a message as written; it may hold
// invalid UTF-8. Its JSON form never loses a byte: valid UTF-8 is written as
// is and every byte of an invalid sequence as the four characters \xNN
// (Python's "backslashreplace"), where encoding/json would write U+FFFD.
type Text string

// MarshalText implements encoding.TextMarshaler (used by encoding/json).
func (t Text) MarshalText() ([]byte, error) { return []byte(Escape(string(t))), nil }

// UnmarshalText keeps the escaped form: consumers that need the raw bytes
// read them from the file at the recorded offset.
func (t *Text) UnmarshalText(b []byte) error { *t = Text(b); return nil }

// Escape returns s with every byte of an invalid UTF-8 sequence written as
// \xNN, and C0 controls other than tab as \xNN too, so an excerpt can be
// printed on a terminal safely.
func Escape(s string) string {
	clean := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				clean = false
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	const hexd = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				b.WriteString(`\x`)
				b.WriteByte(hexd[c>>4])
				b.WriteByte(hexd[c&15])
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b.WriteString(`\x`)
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
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
