package rules

import (
	"github.com/imsforensic/imsforensic/model"
)

// The end of the file (KB Q146993).

var ruleNoFinalCRLF = Rule{
	ID: "no-final-crlf", Class: model.ClassStall, Dir: "OUT", KB: []string{"Q146993"},
	Doc: "the RFC 822 part does not end in CRLF; a file stored with LF throughout that ends in LF is left to lf-storage",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		s := &m.Scan
		if m.MessageOffset < 0 || s.FinalByteOffset < m.MessageOffset || s.EndsWithCRLF || (s.EndsWithLF && lfStored(m)) {
			return
		}
		off := s.FinalLineOffset
		if off < m.MessageOffset {
			off = s.FinalByteOffset
		}
		ev, at := bodyEvidence(m, off)
		emit(partAt(m, off), at, ev, "the message does not end in CRLF: stuck in OUT")
	},
}
