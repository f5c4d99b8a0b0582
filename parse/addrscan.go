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

// findMTSID returns the leftmost X.400 MTS-ID of b, as in Q190709
// ("c=US;a= ;p=Microsoft;l=RAYDEN9711051951WKA6D6YM"), exactly what the
// regexp it replaced found (mtsIDRE in addrscan_test.go):
//
//	c=[\x20-\x3a\x3c-\x7e]{0,16};a=[same]{0,64};p=[same]{0,64};l=[\x21-\x7e]{1,128}
//
// The c, a and p values are printable ASCII without ";", so each ends at
// the first byte outside that class, no shorter choice of length could let
// the ";a=" that follows match, and a scan decides each start without
// backtracking; the l value takes up to 128 printable bytes. The regexp
// was 3% of scan's CPU (perf record, 2,000 spool files).
func findMTSID(b []byte) []byte {
	for pos := 0; ; {
		i := bytes.Index(b[pos:], []byte("c="))
		if i < 0 {
			return nil
		}
		start := pos + i
		if end := mtsIDAt(b, start); end > 0 {
			return b[start:end]
		}
		pos = start + 1
	}
}

// mtsIDAt returns the end of the MTS-ID that starts at b[start:] (which
// begins "c="), or 0.
func mtsIDAt(b []byte, start int) int {
	j := start
	for _, f := range [...]struct {
		key string
		max int
	}{{"c=", 16}, {";a=", 64}, {";p=", 64}} {
		if !bytes.HasPrefix(b[j:], []byte(f.key)) {
			return 0
		}
		j += len(f.key)
		n := 0
		for j+n < len(b) && mtsValueByte(b[j+n]) {
			n++
		}
		if n > f.max {
			return 0
		}
		j += n
	}
	if !bytes.HasPrefix(b[j:], []byte(";l=")) {
		return 0
	}
	j += 3
	n := 0
	for j+n < len(b) && n < 128 && 0x21 <= b[j+n] && b[j+n] <= 0x7e {
		n++
	}
	if n == 0 {
		return 0
	}
	return j + n
}

// mtsValueByte: [\x20-\x3a\x3c-\x7e], printable ASCII and space but ";".
func mtsValueByte(c byte) bool { return 0x20 <= c && c <= 0x7e && c != ';' }
