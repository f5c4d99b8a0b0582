package rules

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/internal/asciifold"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse/sniff"
)

// Header-level malformations (poison-rules.md, second table).

var ruleHeaderCount = Rule{
	ID: "header-count-over-1000", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "more than 1,000 header fields",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if n := m.Scan.HeaderFields; n > c.MaxHeaderFields {
			off, ev := m.MessageOffset, model.Text("")
			if h := m.Header(); len(h) > c.MaxHeaderFields {
				off, ev = h[c.MaxHeaderFields].Offset, h[c.MaxHeaderFields].Name
			}
			emit("", off, ev, fmt.Sprintf("%d header fields (limit %d)", n, c.MaxHeaderFields))
		}
	},
}

// uniqueFields may occur at most once (RFC 5322 3.6, RFC 2045).
var uniqueFields = []string{"content-type", "content-transfer-encoding", "from", "date", "message-id", "subject"}

// uniqueFieldIndex is the index in uniqueFields of strings.ToLower of f's
// name, -1 for none: from the code the parser gave the name where it did.
func uniqueFieldIndex(f *model.HeaderField) int {
	switch f.Known {
	case model.FieldUnset:
		return slices.Index(uniqueFields, asciifold.Match(string(f.Name), uniqueFields))
	case model.FieldContentType:
		return 0
	case model.FieldContentTransferEncoding:
		return 1
	case model.FieldFrom:
		return 2
	case model.FieldDate:
		return 3
	case model.FieldMessageID:
		return 4
	case model.FieldSubject:
		return 5
	}
	return -1
}

var ruleDuplicateUnique = Rule{
	ID: "duplicate-unique-header", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "Content-Type, Content-Transfer-Encoding, From, Date, Message-ID or Subject present more than once",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			var seen [6]int // by index in uniqueFields
			for j := range p.Header {
				f := &p.Header[j]
				k := uniqueFieldIndex(f)
				if k < 0 {
					continue
				}
				seen[k]++
				if seen[k] == 2 {
					emit(p.Path, f.Offset, f.Name, string(f.Name)+" appears more than once")
				}
			}
		}
	},
}

var ruleEncodedWordInvalid = Rule{
	ID: "encoded-word-invalid", Class: model.ClassRisk, Dir: "IN/OUT", KB: []string{},
	Doc: "a malformed RFC 2047 encoded-word (bad charset, bad encoding letter, bad base64/QP inside)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !strings.Contains(string(f.Value), "=?") {
					continue
				}
				for _, pr := range sniff.CheckEncodedWords([]byte(f.Value)) {
					if pr.Kind == sniff.EWTooLong {
						continue
					}
					ev, off := f.Excerpt(pr.Offset, 40)
					emit(p.Path, off, ev, string(f.Name)+": "+pr.Detail)
				}
			}
		}
	},
}

var ruleDateMissing = Rule{
	ID: "date-missing", Class: model.ClassInfo, Dir: "IN/OUT",
	Doc: "no Date header",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Root() == nil || m.Scan.HeaderFields == 0 || hasAnomaly(m, model.AnomNoMessage) {
			return
		}
		if _, ok := field(m.Header(), "date"); !ok {
			emit("", m.MessageOffset, "", "the message has no Date field")
		}
	},
}

var ruleDateInvalid = Rule{
	ID: "date-invalid", Class: model.ClassInfo, Dir: "IN/OUT", KB: []string{"Q239009"},
	Doc: "a Date header that RFC 5322 date parsing rejects",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		f, ok := field(m.Header(), "date")
		if !ok {
			return
		}
		if err := parseMailDate(strings.TrimSpace(string(f.Value))); err != nil {
			ev, off := f.Excerpt(0, 40)
			emit("", off, ev, "Date is not RFC 5322: "+err.Error())
		}
	},
}

// rfc5322Date is the layout of nearly every Date field, and one of those
// mail.ParseDate tries (its 48 layouts are tried in order, each miss
// allocating a time.ParseError).
const rfc5322Date = "Mon, 2 Jan 2006 15:04:05 -0700"

// parseMailDate is mail.ParseDate's verdict, with a fast path: a value
// without CR or LF that time.Parse reads with rfc5322Date is one
// mail.ParseDate accepts (its zone split falls on the same last five
// characters, no sign can come earlier in that layout, and the layout is
// in its list), so only the other values pay for its tries.
func parseMailDate(v string) error {
	if plainDate(v) {
		return nil
	}
	if !strings.ContainsAny(v, "\r\n") {
		if _, err := time.Parse(rfc5322Date, v); err == nil {
			return nil
		}
	}
	_, err := mail.ParseDate(v)
	return err
}

// plainDate reports a value in rfc5322Date's layout that time.Parse
// accepts, read by hand: a weekday and a month of three letters (any
// case), a day of one or two digits within its month, a four-digit year,
// two-digit hour, minute and second in range and a zone of a sign and
// four digits, nothing else. A value it refuses goes to time.Parse and
// mail.ParseDate as before; the hand reading is about a tenth of
// time.Parse's cost, which was 0.6% of a one-core scan (issue 16).
// TestPlainDateIsTimeParse holds it to time.Parse.
func plainDate(v string) bool {
	d := len(v) - 29 // digits of the day
	if d != 1 && d != 2 || !isWeekday(v[0:3]) || v[3] != ',' || v[4] != ' ' {
		return false
	}
	day := twoDigits(v[5 : 5+d])
	r := v[5+d:] // " Jan 2006 15:04:05 -0700"
	if r[0] != ' ' || r[4] != ' ' || r[9] != ' ' || r[12] != ':' || r[15] != ':' || r[18] != ' ' || r[19] != '+' && r[19] != '-' {
		return false
	}
	month := monthNumber(r[1:4])
	year := twoDigits(r[5:7])*100 + twoDigits(r[7:9])
	hour, minute, sec := twoDigits(r[10:12]), twoDigits(r[13:15]), twoDigits(r[16:18])
	zh, zm := twoDigits(r[20:22]), twoDigits(r[22:24])
	if month == 0 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 ||
		zh < 0 || zh > 23 || zm < 0 || zm > 59 || day < 1 {
		return false
	}
	return day <= daysIn(month, year)
}

// twoDigits is the value of one or two ASCII digits, a large negative
// number for anything else (so that a sum with it stays negative).
func twoDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -10000
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// isWeekday reports the three-letter English name of a weekday, in any
// ASCII case (time.Parse's lookup folds it).
func isWeekday(s string) bool {
	return name3(s, "sunmontuewedthufrisat") >= 0
}

// monthNumber is 1-12 for the three-letter English name of a month in any
// ASCII case, 0 for anything else.
func monthNumber(s string) int {
	return name3(s, "janfebmaraprmayjunjulaugsepoctnovdec") + 1
}

// name3 is the index of the three ASCII letters s, any case, among the
// lower-case three-letter names run together in names; -1 if none.
func name3(s, names string) int {
	if len(s) != 3 {
		return -1
	}
	a, b, c := s[0]|0x20, s[1]|0x20, s[2]|0x20
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' || c < 'a' || c > 'z' {
		return -1 // OR-ing 0x20 must not make a letter of '@' or '['
	}
	for i := 0; i+3 <= len(names); i += 3 {
		if names[i] == a && names[i+1] == b && names[i+2] == c {
			return i / 3
		}
	}
	return -1
}

// daysIn is the number of days of month (1-12) in year, leap years of
// the proleptic Gregorian calendar as time counts them.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func field(h []model.HeaderField, name string) (*model.HeaderField, bool) {
	for i := range h {
		if strings.EqualFold(string(h[i].Name), name) {
			return &h[i], true
		}
	}
	return nil, false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
