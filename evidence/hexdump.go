package evidence

import (
	"encoding/hex"
	"regexp"
	"strings"
)

// hexDumpLine is one line of Event Viewer's data view: an offset, a colon,
// then either bytes ("74 00 05 00 0e 00 07 80") or DWORDs
// ("00140667 80040115"), optionally followed (after three or more spaces)
// by the ASCII rendering.
var hexDumpLine = regexp.MustCompile(`^\s*[0-9A-Fa-f]{4,8}:\s(.*)$`)

var asciiColumn = regexp.MustCompile(`\s{3,}|\t`)

// parseHexDumpLine decodes the bytes of one data line. DWORDs of the
// "Words" view are little-endian in the record, so each is written back as
// its four bytes in file order.
func parseHexDumpLine(line string) ([]byte, bool) {
	m := hexDumpLine.FindStringSubmatch(line)
	if m == nil {
		return nil, false
	}
	hexPart := strings.TrimLeft(m[1], " ")
	if loc := asciiColumn.FindStringIndex(hexPart); loc != nil {
		hexPart = hexPart[:loc[0]]
	}
	var out []byte
	for _, tok := range strings.Fields(hexPart) {
		b, err := hex.DecodeString(tok)
		if err != nil {
			break
		}
		switch len(b) {
		case 1:
			out = append(out, b[0])
		case 4:
			out = append(out, b[3], b[2], b[1], b[0])
		default:
			return out, len(out) > 0
		}
	}
	return out, len(out) > 0
}
