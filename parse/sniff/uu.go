package sniff

import "bytes"

// ParseUUBegin recognises a uuencode "begin MODE NAME" line (POSIX
// uuencode; rules uuencode-no-end and uuencode-junk-after-end, KB Q195971,
// Q164662). It is strict so that prose is not taken for a block: "begin"
// at the very start of the line, one or more spaces or tabs, a mode of 3
// or 4 octal digits, white space, and a non-empty name ("begin 2 weeks
// ago" and "begin 644" are not blocks). name is a subslice of line
// without trailing white space, not a copy.
func ParseUUBegin(line []byte) (mode string, name []byte, ok bool) {
	rest, found := bytes.CutPrefix(line, []byte("begin"))
	if !found {
		return "", nil, false
	}
	rest, spaced := cutBlanks(rest)
	if !spaced {
		return "", nil, false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '7' {
		n++
	}
	if n < 3 || n > 4 {
		return "", nil, false
	}
	digits := rest[:n]
	rest, spaced = cutBlanks(rest[n:])
	name = bytes.TrimRight(rest, " \t\r")
	if !spaced || len(name) == 0 {
		return "", nil, false
	}
	return string(digits), name, true
}

// cutBlanks removes leading spaces and tabs and reports whether there were
// any.
func cutBlanks(b []byte) ([]byte, bool) {
	t := bytes.TrimLeft(b, " \t")
	return t, len(t) < len(b)
}

// IsUUEnd reports whether line is a uuencode "end" line: "end" at the start
// of the line, then only white space.
func IsUUEnd(line []byte) bool {
	rest, found := bytes.CutPrefix(line, []byte("end"))
	return found && len(bytes.TrimLeft(rest, " \t\r")) == 0
}

// binHexMarker opens every BinHex 4.0 file (RFC 1741 section 2).
const binHexMarker = "(This file must be converted with BinHex"

// IsBinHexMarker reports whether line starts with the BinHex 4.0 marker
// "(This file must be converted with BinHex", in any case (rule
// binhex-part, KB Q170060).
func IsBinHexMarker(line []byte) bool {
	return len(line) >= len(binHexMarker) && bytes.EqualFold(line[:len(binHexMarker)], []byte(binHexMarker))
}
