package sniff

import (
	"bytes"
	"slices"
)

// QPResult is what a QP decoder found in one body.
type QPResult struct {
	// BadEscape is the file offset of the first "=" followed neither by
	// two hex digits nor by the end of the line (a soft line break). -1:
	// none.
	BadEscape int64
}

// QP decodes a quoted-printable body (RFC 2045 section 6.7) line by line.
// Lower-case hex digits are accepted (rule 1 says "should" be upper case;
// real encoders write both). A bad escape is recorded and its "=" kept as a
// literal byte, as lenient readers do, so decoding goes on.
//
// The zero value is ready to use; Reset makes it ready for the next part.
type QP struct {
	badSeen   bool
	badEscape int64
}

// Reset forgets everything, for the next part.
func (q *QP) Reset() { *q = QP{} }

// hexValue maps a hex digit of either case to its value, anything else to
// 0xFF.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

// Line decodes one body line, given without its line ending, whose first
// byte is at file offset lineOffset, and appends the result to out. Trailing
// spaces and tabs are deleted (rule 3: they may have been added by
// transport); a line then ending in "=" is a soft line break and gets no
// line ending, any other line gets CRLF.
//
// QUIRK: the CRLF is appended to the last line of the body too, though in a
// multipart it belongs to the delimiter; the decoded size is then 2 larger,
// which does not change its parity (rule qp-utf16-misaligned).
func (q *QP) Line(line []byte, lineOffset int64, out []byte) []byte {
	end := len(line)
	for end > 0 && (line[end-1] == ' ' || line[end-1] == '\t') {
		end--
	}
	line = line[:end]
	soft := end > 0 && line[end-1] == '='
	if soft {
		line = line[:end-1]
	}
	out = slices.Grow(out, len(line)+2)
	for i := 0; i < len(line); {
		j := bytes.IndexByte(line[i:], '=')
		if j < 0 {
			out = append(out, line[i:]...)
			break
		}
		out = append(out, line[i:i+j]...)
		i += j
		if i+2 < len(line) {
			if hi, lo := hexValue[line[i+1]], hexValue[line[i+2]]; hi|lo < 16 {
				out = append(out, hi<<4|lo)
				i += 3
				continue
			}
		}
		if !q.badSeen {
			q.badSeen, q.badEscape = true, lineOffset+int64(i)
		}
		out = append(out, '=')
		i++
	}
	if !soft {
		out = append(out, '\r', '\n')
	}
	return out
}

// Finish ends the body and returns the verdict. Call Reset before reusing q.
func (q *QP) Finish() QPResult {
	if q.badSeen {
		return QPResult{BadEscape: q.badEscape}
	}
	return QPResult{BadEscape: -1}
}
