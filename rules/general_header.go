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
	if !strings.ContainsAny(v, "\r\n") {
		if _, err := time.Parse(rfc5322Date, v); err == nil {
			return nil
		}
	}
	_, err := mail.ParseDate(v)
	return err
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
