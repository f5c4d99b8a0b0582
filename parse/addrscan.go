package parse

import "bytes"

// angleAddrByte marks the bytes allowed between the angle brackets of an
// envelope address: printable ASCII except "<" and ">" (the class of the
// former angleAddrRE, `<([\x21-\x3b\x3d\x3f-\x7e]*)>`).
var angleAddrByte = func() (t [256]bool) {
	for c := 0x21; c <= 0x7e; c++ {
		t[c] = c != '<' && c != '>'
	}
	return t
}()

// eachAngleAddr calls fn with the bounds of the text inside every "<...>"
// of b, left to right and without overlap, exactly where angleAddrRE's
// FindAllSubmatchIndex would match: start is the byte after "<", end the
// index of ">". A hand scan, because the regexp engine was a fifth of the
// scan time on envelopes of 32,767 recipients (docs/benchmarks.md).
func eachAngleAddr(b []byte, fn func(start, end int)) {
	for pos := 0; pos < len(b); {
		i := bytes.IndexByte(b[pos:], '<')
		if i < 0 {
			return
		}
		start := pos + i + 1
		j := start
		for j < len(b) && angleAddrByte[b[j]] {
			j++
		}
		if j < len(b) && b[j] == '>' {
			fn(start, j)
			pos = j + 1
			continue
		}
		pos = start
	}
}

// isEnvelopeAddr reports whether the text inside angle brackets is taken
// as an address: the null path, something with "@", or an IMCEA form.
func isEnvelopeAddr(a []byte) bool {
	return len(a) == 0 || bytes.IndexByte(a, '@') >= 0 || hasPrefixFold(a, "IMCEA")
}
