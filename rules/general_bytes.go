package rules

import (
	"fmt"

	"github.com/imsforensic/imsforensic/model"
)

// Byte-level malformations of the RFC 822 part (poison-rules.md, second table).

var ruleLineOver998 = Rule{
	ID: "line-over-998", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a line longer than 998 octets (RFC 5322 2.1.1); the longest is quoted",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		s := &m.Scan
		if s.LongestLine > c.MaxLineLength {
			emit(partAt(m, s.LongestLineAt), s.LongestLineAt, m.Excerpt(s.LongestLineAt),
				fmt.Sprintf("%d lines over %d octets; the longest has %d", s.LinesOver998, c.MaxLineLength, s.LongestLine))
		}
	},
}

var ruleBareLF = Rule{
	ID: "bare-lf", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "line ends that are a bare LF among CRLF ones (mixed endings in one message), or any bare LF in an IMS spool file, which the IMS writes with CRLF",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if s := &m.Scan; s.BareLF > 0 && !lfStored(m) {
			emit(partAt(m, s.FirstBareLF), s.FirstBareLF, m.Excerpt(s.FirstBareLF), fmt.Sprintf("%d bare LF line ends (%d CRLF)", s.BareLF, s.CRLF))
		}
	},
}

var ruleLFStorage = Rule{
	ID: "lf-storage", Class: model.ClassInfo, Dir: "IN/OUT",
	Doc: "the file is stored with LF line ends throughout (copied through a Unix tool or mailbox): one storage fact, not a fault of the message (replay over SMTP refuses it unless --fix-line-endings)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if s := &m.Scan; lfStored(m) {
			emit("", s.FirstBareLF, m.Excerpt(s.FirstBareLF), fmt.Sprintf("all %d line ends are bare LF", s.BareLF))
		}
	},
}

// lfStored says the file was stored with LF line ends throughout: no CRLF
// at all, no bare CR. An IMS spool file never is: the IMS writes CRLF, so
// there a bare LF is the message's own and bare-lf keeps reporting it.
func lfStored(m *model.Message) bool {
	s := &m.Scan
	return m.Format != model.FormatIMSSpool && s.BareLF > 0 && s.CRLF == 0 && s.BareCR == 0
}

var ruleBareCR = Rule{
	ID: "bare-cr", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "CR bytes not followed by LF",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if s := &m.Scan; s.BareCR > 0 {
			emit(partAt(m, s.FirstBareCR), s.FirstBareCR, m.Excerpt(s.FirstBareCR), fmt.Sprintf("%d bare CR bytes", s.BareCR))
		}
	},
}

var ruleNULByte = Rule{
	ID: "nul-byte", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "NUL bytes in the message",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if s := &m.Scan; s.NUL > 0 {
			emit(partAt(m, s.FirstNUL), s.FirstNUL, m.Excerpt(s.FirstNUL), fmt.Sprintf("%d NUL bytes", s.NUL))
		}
	},
}

var ruleEmptyFile = Rule{
	ID: "empty-file", Class: model.ClassStall, Dir: "IN/OUT",
	Doc: "a zero-byte file",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Size == 0 && m.Error == "" {
			emit("", 0, "", "the file is empty")
		}
	},
}

var ruleNoMessage = Rule{
	ID: "no-message", Class: model.ClassStall, Dir: "IN/OUT",
	Doc: "no RFC 822 header block at all (binary junk, or only an envelope)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Size == 0 {
			return
		}
		for _, a := range m.Anomalies {
			if a.Code == model.AnomNoMessage {
				emit("", a.Offset, m.Excerpt(a.Offset), a.Detail)
				return
			}
		}
		if m.MessageOffset >= 0 && m.MessageOffset-m.FileOffset >= m.Size {
			emit("", m.MessageOffset, "", "nothing follows the envelope")
		}
	},
}

var ruleLoneDot = Rule{
	ID: "lone-dot-line", Class: model.ClassInfo, Dir: "IN/OUT", KB: []string{"Q221384"},
	Doc: "a line holding a single '.': truncates the message in the 5.5 Pickup folder unless padded",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			b := &m.Parts[i].Body
			if b.LoneDot > 0 {
				emit(m.Parts[i].Path, b.FirstLoneDot, m.Excerpt(b.FirstLoneDot), fmt.Sprintf("%d lone '.' lines in this part", b.LoneDot))
			}
		}
	},
}

// partAt returns the path of the innermost recorded part whose bytes hold
// offset off ("" for the top).
func partAt(m *model.Message, off int64) string {
	best := ""
	for i := range m.Parts {
		p := &m.Parts[i]
		end := p.BodyOffset + p.BodyLength
		if off >= p.Offset && off < end {
			best = p.Path
		}
	}
	return best
}
