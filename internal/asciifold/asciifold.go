// Package asciifold lowers and compares header names without allocating
// on the hot path of a scan: header field names (RFC 5322 2.2) are ASCII
// in nearly every message, and strings.ToLower copies any name with an
// upper-case letter ("Content-Type"), once per field per rule. Every
// function gives exactly the strings.ToLower answer; a name with a byte
// above ASCII takes the strings.ToLower path itself (Unicode lowering can
// turn a non-ASCII rune into an ASCII letter, U+212A KELVIN SIGN into
// "k").
package asciifold

import "strings"

// Match returns the element of known (names given in lower case) that is
// strings.ToLower(s), or "" when none is: Lower for a caller that only
// wants to know which name s is, and that does not copy s to say "none"
// (the header fields a switch on names passes by are most of them).
func Match(s string, known []string) string {
	if isASCII(s) {
		for _, k := range known {
			if equalLower(s, k) {
				return k
			}
		}
		return ""
	}
	l := strings.ToLower(s)
	for _, k := range known {
		if k == l {
			return k
		}
	}
	return ""
}

// Lower returns strings.ToLower(s). When that is one of known (names
// given in lower case), it returns the element of known, allocating
// nothing.
func Lower(s string, known []string) string {
	if isASCII(s) {
		for _, k := range known {
			if equalLower(s, k) {
				return k
			}
		}
	}
	return strings.ToLower(s)
}

// In reports whether strings.ToLower(s) is one of names.
func In(s string, names []string) bool {
	if !isASCII(s) {
		l := strings.ToLower(s)
		for _, n := range names {
			if n == l {
				return true
			}
		}
		return false
	}
	for _, n := range names {
		if equalLower(s, n) {
			return true
		}
	}
	return false
}

// Is reports whether strings.ToLower(s) == lower.
func Is(s, lower string) bool {
	if !isASCII(s) {
		return strings.ToLower(s) == lower
	}
	return equalLower(s, lower)
}

// HasPrefix reports whether the ASCII b, its upper-case letters lowered,
// starts with the lower-case prefix. The caller checks that b is ASCII
// (IsASCII): unlike the other functions here it has no Unicode path.
func HasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && equalLower(b[:len(prefix)], prefix)
}

// equalLower reports whether the ASCII string s, lowered, equals k.
func equalLower[S ~string | ~[]byte](s S, k string) bool {
	if len(s) != len(k) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != k[i] {
			return false
		}
	}
	return true
}

// IsASCII reports whether b has no byte above ASCII.
func IsASCII(b []byte) bool { return isASCII(b) }

func isASCII[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
