package rules

import (
	"fmt"

	"github.com/imsforensic/imsforensic/model"
)

// Header sizes (KB Q193639: 32 KiB per RPC, 21 KB per property; KB
// Q197491: 20 KB Subject buffer).

var ruleHeaderBlockOver32K = Rule{
	ID: "header-block-over-32k", Class: model.ClassCrash, Dir: "OUT (also IN)", KB: []string{"Q193639"},
	Doc: "the RFC 822 header block is larger than 32 KiB",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Scan.HeaderBytes <= c.HeaderBlockBytes {
			return
		}
		// Quote the field where the running size crosses the limit.
		off, ev := m.MessageOffset, model.Text("")
		var sum int64
		h := m.Header()
		for i := range h {
			f := &h[i]
			sum += f.RawLength
			if sum > c.HeaderBlockBytes {
				off, ev = f.Offset, f.Name
				break
			}
		}
		emit("", off, ev, fmt.Sprintf("header block of %d bytes (limit %d): the IMS fails with 0x8007000E fetching it", m.Scan.HeaderBytes, c.HeaderBlockBytes))
	},
}

var ruleHeaderFieldOver21K = Rule{
	ID: "header-field-over-21k", Class: model.ClassCrash, Dir: "OUT (also IN)", KB: []string{"Q193639"},
	Doc: "a single header field (unfolded) larger than 21 KiB",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if f.ValueLength > c.HeaderFieldBytes {
					emit(p.Path, f.Offset, f.Name, fmt.Sprintf("%s field of %d bytes unfolded (limit %d)", f.Name, f.ValueLength, c.HeaderFieldBytes))
				}
			}
		}
	},
}

var ruleSubjectOver20K = Rule{
	ID: "subject-over-20k", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q197491"},
	Doc: "a Subject larger than the store's 20 KB buffer",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		h := m.Header()
		for i := range h {
			f := &h[i]
			if f.NameFold(model.FieldSubject) && f.ValueLength > c.SubjectBytes {
				emit("", f.Offset, f.Name, fmt.Sprintf("Subject of %d bytes (limit %d): store 100 %% CPU", f.ValueLength, c.SubjectBytes))
			}
		}
	},
}
