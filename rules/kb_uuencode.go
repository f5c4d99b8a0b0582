package rules

import (
	"fmt"

	"github.com/imsforensic/imsforensic/model"
)

// uuencode blocks (KB Q195971, Q164662).

var ruleUuencodeNoEnd = Rule{
	ID: "uuencode-no-end", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q195971"},
	Doc: `a "begin NNN name" uuencode block with no terminating "end" line`,
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for _, b := range p.Body.Uuencode {
				if b.EndOffset < 0 {
					ev, off := bodyEvidence(m, b.Offset)
					emit(p.Path, off, ev, fmt.Sprintf("uuencoded %q has no end line: stack overflow or hang", string(b.Name)))
				}
			}
		}
	},
}

var ruleUuencodeJunkAfterEnd = Rule{
	ID: "uuencode-junk-after-end", Class: model.ClassStall, Dir: "IN", KB: []string{"Q164662"},
	Doc: `bytes other than blank lines after a uuencode "end" line in the same part`,
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for _, b := range p.Body.Uuencode {
				if b.EndOffset >= 0 && b.JunkAfterEnd >= 0 {
					ev, off := bodyEvidence(m, b.JunkAfterEnd)
					emit(p.Path, off, ev, fmt.Sprintf("text after the end of uuencoded %q: delivered as Message.txt", string(b.Name)))
				}
			}
		}
	},
}
