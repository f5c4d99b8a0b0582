package rules

import (
	"fmt"

	"github.com/imsforensic/imsforensic/model"
)

// uuencode blocks (KB Q195971, Q164662).
//
// Both triggers are in the store's uudecoder, which runs only where the
// store decodes uuencode: a part whose Content-Transfer-Encoding says
// uuencode, or the body of a message that is not MIME. A uuencoded block
// inside a text part of a MIME message is left as text by design (Q167393),
// and a top-level Content-Type makes a message MIME even without
// MIME-Version (Q175704, ContentTypeEQMimeVer, default 1). There the block
// is only text and neither KB trigger applies.

// uudecodedByStore reports whether the store's uudecoder reads part p.
func uudecodedByStore(m *model.Message, p *model.Part, c *Config) bool {
	switch p.CTE {
	case "x-uuencode", "uuencode", "x-uue":
		return true
	}
	if p.Path != "" {
		return false // a MIME body part: converted by its Content-Type
	}
	mimeVersion, contentType := false, false
	h := m.Header()
	for i := range h {
		f := &h[i]
		switch {
		case f.NameFold(model.FieldMIMEVersion):
			mimeVersion = true
		case f.NameFold(model.FieldContentType):
			contentType = true
		}
	}
	return !mimeVersion && !(contentType && c.contentTypeEQMimeVer())
}

var ruleUuencodeNoEnd = Rule{
	ID: "uuencode-no-end", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q195971"},
	Doc: `a "begin NNN name" uuencode block with no terminating "end" line, where the store uudecodes (a non-MIME body or a uuencode-encoded part; in a MIME text part the block is text, Q167393)`,
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if !uudecodedByStore(m, p, c) {
				continue
			}
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
	Doc: `bytes other than blank lines after a uuencode "end" line in the same part, where the store uudecodes (a non-MIME body or a uuencode-encoded part; in a MIME text part the block is text, Q167393)`,
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if !uudecodedByStore(m, p, c) {
				continue
			}
			for _, b := range p.Body.Uuencode {
				if b.EndOffset >= 0 && b.JunkAfterEnd >= 0 {
					ev, off := bodyEvidence(m, b.JunkAfterEnd)
					emit(p.Path, off, ev, fmt.Sprintf("text after the end of uuencoded %q: delivered as Message.txt", string(b.Name)))
				}
			}
		}
	},
}
