package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/imsforensic/imsforensic/internal/asciifold"
	"github.com/imsforensic/imsforensic/model"
)

// Header-line triggers (KB Q166026, Q301690, Q190084, Q252624, Q194505).

var ruleHeaderNonHeaderLine = Rule{
	ID: "header-non-header-line", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q166026", "Q301690"},
	Doc: "a line in the message header block that is neither a field nor a continuation (e.g. `sender x@y )`); in a part header only with a field after it (a part's first content line before its missing blank line is header-body-no-separator's)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for _, a := range m.Anomalies {
			// A stray line with fields after it is Q166026's; one where
			// the header runs into the body is header-body-no-separator's.
			if a.Code == model.AnomNonHeaderLine && a.Severe {
				ev, off := bodyEvidence(m, a.Offset)
				emit(a.Part, off, ev, "header line that is neither a field nor a continuation (AV reading the header)")
			}
		}
	},
}

var (
	monthRE = `(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)`
	// commentDateRE matches the dates a Received comment may carry:
	// 14Feb98 / 14-Feb-1998 / 14 Feb 1998, "Feb 14 1998" (ctime style),
	// 1998-02-14, and 2/14/98. Version numbers (8.9.3/8.9.3, 5.5.2653.13,
	// 8.12.11.20060308) have no month name and no date separators of
	// these shapes, so they do not match.
	commentDateRE = regexp.MustCompile(`(?i)(?:^|[^a-z0-9])(?:` +
		`\d{1,2}[- ]?` + monthRE + `[- ]?(?:\d{4}|\d{2})(?:[^a-z0-9]|$)` +
		`|` + monthRE + `[a-z]* +\d{1,2},? +(?:\d{4}|\d{1,2}:\d\d)` +
		`|(?:19|20)\d\d-[01]\d-[0-3]\d(?:[^0-9]|$)` +
		`|[01]?\d/[0-3]?\d/(?:19|20)?\d\d(?:[^0-9/.]|$)` +
		`)`)
)

// commentLexByte marks the bytes that open what nextComment must skip or
// return: a quoted string, a comment, an angle address, a domain literal.
var commentLexByte = [256]bool{'"': true, '(': true, '<': true, '[': true}

// nextComment returns the [start, end) span of the first top-level
// comment of a Received value at or after i, the way scanAddressList
// finds its comments (quoted strings, angle brackets and domain literals
// skipped, end = len(v) when unclosed), and -1, -1 when there is none.
// The search resumes at end: received-comment-date needs the comments
// only, without scanAddressList's separator lists and their allocations.
func nextComment(v string, i int) (start, end int) {
	for ; i < len(v); i++ {
		for i < len(v) && !commentLexByte[v[i]] {
			i++ // most bytes open nothing: one table load each
		}
		if i == len(v) {
			break
		}
		switch v[i] {
		case '"':
			i = quotedStringEnd(v, i)
		case '(':
			start := i
			i = commentEnd(v, i)
			return start, min(i+1, len(v))
		case '<':
			for ; i < len(v) && v[i] != '>'; i++ {
			}
		case '[':
			for ; i < len(v) && v[i] != ']'; i++ {
			}
		}
	}
	return -1, -1
}

var ruleReceivedCommentDate = Rule{
	ID: "received-comment-date", Class: model.ClassStall, Dir: "IN", KB: []string{"Q190084"},
	Doc: "a Received field whose parenthesised comment contains a date",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		h := m.Header()
		for i := range h {
			f := &h[i]
			if !f.NameFold(model.FieldReceived) {
				continue
			}
			v := string(f.Value)
			for start, end := nextComment(v, 0); start >= 0; start, end = nextComment(v, end) {
				if c := v[start:end]; hasTwoDigits(c) && mayHoldDate(c) && commentDateRE.MatchString(c) {
					ev, off := valueEvidence(f, start)
					emit("", off, ev, fmt.Sprintf("Received comment %q holds a date the store tries to parse (IS 12006 + 4117, archived)", c))
					break
				}
			}
		}
	},
}

// macAttrNames are the Macintosh attribute fields, macAttrParams the
// parameters of the same names.
var (
	macAttrNames  = model.NewFieldNames("x-mac-creator", "x-mac-type")
	macAttrParams = []string{"x-mac-creator", "x-mac-type"}
)

// validMacAttr reports an X-Mac-Type / X-Mac-Creator value of exactly four
// characters, or eight hex digits (the form Eudora and Apple Mail write).
func validMacAttr(v string) bool {
	if len(v) == 4 {
		return true
	}
	if len(v) != 8 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isHexDigit(v[i]) {
			return false
		}
	}
	return true
}

var ruleMacAttributesInvalid = Rule{
	ID: "mac-attributes-invalid", Class: model.ClassStall, Dir: "IN", KB: []string{"Q252624"},
	Doc: "X-Mac-Creator / X-Mac-Type values that are not exactly 4 characters (or 8 hex digits)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !macAttrNames.HasLower(f) {
					continue
				}
				if v := strings.TrimRight(string(f.Value), "\r\n"); !validMacAttr(v) {
					ev, off := valueEvidence(f, 0)
					if len(f.Value) == 0 {
						ev, off = f.Name, f.Offset
					}
					emit(p.Path, off, ev, fmt.Sprintf("%s %q is not 4 characters or 8 hex digits (IS 12006 + 4117)", f.Name, v))
				}
			}
			for cp := range contentTypeParams(p) {
				if !asciifold.In(string(cp.param.Name), macAttrParams) {
					continue // strings.ToLower's answer, without its copy
				}
				if v := string(cp.param.Value); !validMacAttr(v) {
					ev, off := paramEvidence(cp.field, cp.param)
					emit(p.Path, off, ev, fmt.Sprintf("%s=%q is not 4 characters or 8 hex digits (IS 12006 + 4117)", cp.param.Name, v))
				}
			}
		}
	},
}

var ruleHeader8Bit = Rule{
	ID: "header-8bit", Class: model.ClassStall, Dir: "IN", KB: []string{"Q194505"},
	Doc: "8-bit bytes in a top-level header field (Subject above all)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		h := m.Header()
		for j := range h {
			f := &h[j]
			if k := firstNonASCII(string(f.Value)); k >= 0 {
				ev, off := valueEvidence(f, k)
				emit("", off, ev, fmt.Sprintf("8-bit byte 0x%02X in %s (NDR before 5.5.2410.0)", f.Value[k], f.Name))
				return
			}
		}
		// Beyond the kept part of a long value: the byte scan's offset.
		if at := m.Scan.FirstHeader8Bit; at >= 0 && at < m.MessageOffset+m.Scan.HeaderBytes {
			ev, off := bodyEvidence(m, at)
			emit("", off, ev, "8-bit byte in the header block (NDR before 5.5.2410.0)")
		}
	},
}

// firstNonASCII is the index of the first byte of s at or above 0x80, -1
// if none; eight bytes are tested at a time (header-8bit reads every byte
// of every top-level field: 0.6% of a one-core scan byte by byte).
func firstNonASCII(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// hasTwoDigits is the cheap test before commentDateRE: every date shape it
// matches has at least two digits, most comments ("(Postfix)",
// "(envelope-from <a@b>)") have none.
// mayHoldDate is a prefilter for commentDateRE, true for every string
// the regexp can match: its first two alternatives need a month name, the
// third a digit then '-', the fourth a digit then '/'. Any byte above
// ASCII also answers true, since (?i) folds 's' with U+017F. A version
// comment such as "(5.5.2653.13)" skips the regexp.
func mayHoldDate(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= 0x80:
			return true
		case (b == '-' || b == '/') && i > 0 && s[i-1] >= '0' && s[i-1] <= '9':
			return true
		case i+3 <= len(s) && isMonthAbbrev(s[i:i+3]):
			return true
		}
	}
	return false
}

// isMonthAbbrev reports the three ASCII letters of a month of monthRE
// ("sept" starts with "sep"), in any case.
func isMonthAbbrev(s string) bool {
	a, b, c := s[0]|0x20, s[1]|0x20, s[2]|0x20
	switch a {
	case 'j':
		return b == 'a' && c == 'n' || b == 'u' && (c == 'n' || c == 'l')
	case 'f':
		return b == 'e' && c == 'b'
	case 'm':
		return b == 'a' && (c == 'r' || c == 'y')
	case 'a':
		return b == 'p' && c == 'r' || b == 'u' && c == 'g'
	case 's':
		return b == 'e' && c == 'p'
	case 'o':
		return b == 'c' && c == 't'
	case 'n':
		return b == 'o' && c == 'v'
	case 'd':
		return b == 'e' && c == 'c'
	}
	return false
}

func hasTwoDigits(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if n++; n == 2 {
				return true
			}
		}
	}
	return false
}
