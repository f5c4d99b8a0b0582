package rules

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Attachment file names (KB Q183633, Q187866, Q258319).

// nameParams returns the filename=/name= parameters (RFC 2231 pieces
// included) of a part's Content-Disposition and Content-Type, with the
// field each came from.
func nameParams(p *model.Part) []ctParam {
	var out []ctParam
	add := func(params []model.Param, base string) {
		for i := range params {
			n := strings.ToLower(string(params[i].Name))
			if n == base || strings.HasPrefix(n, base+"*") {
				out = append(out, ctParam{paramField(p, &params[i]), &params[i]})
			}
		}
	}
	add(p.DispositionParams, "filename")
	add(p.Params, "name")
	return out
}

// unbalancedParen returns the index of the first "(" that has no matching
// ")", or -1.
func unbalancedParen(s string) int {
	var open []int
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			// QUIRK: "ESC ( B" and "ESC $ ( D" are ISO-2022-JP escapes
			// in raw Japanese names, not parentheses.
			if (i > 0 && s[i-1] == 0x1B) || (i > 1 && s[i-1] == '$' && s[i-2] == 0x1B) {
				continue
			}
			open = append(open, i)
		case ')':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) > 0 {
		return open[0]
	}
	return -1
}

var ruleFilenameUnbalancedParen = Rule{
	ID: "filename-unbalanced-paren", Class: model.ClassCrash, Dir: "IN/OUT", KB: []string{"Q183633"},
	Doc: "a filename= or name= parameter holding a '(' with no matching ')' (read as an unterminated comment)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for _, np := range nameParams(p) {
				if unbalancedParen(string(np.param.Value)) >= 0 {
					ev, off := paramEvidence(np.field, np.param)
					emit(p.Path, off, ev, fmt.Sprintf("file name %q opens a comment it never closes: store 100 %% CPU", string(np.param.Value)))
					break
				}
			}
		}
	},
}

// hasExtension reports a file name ending in ".ext" (1 to 10 characters,
// no blanks) after a non-empty stem.
func hasExtension(name string) bool {
	name = strings.TrimRight(name, " \t")
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 || len(name)-i-1 > 10 {
		return false
	}
	return !strings.ContainsAny(name[i+1:], " \t/\\")
}

// nonASCIIName reports a decoded name with 8-bit bytes or an ISO-2022
// escape (RFC 2231 names stay in their charset's bytes).
func nonASCIIName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0x1B {
			return true
		}
	}
	return false
}

var ruleFilenameUnicodeNoExtension = Rule{
	ID: "filename-unicode-no-extension", Class: model.ClassRisk, Dir: "IN", KB: []string{"Q187866"},
	Doc: "an RFC 2047 / RFC 2231 encoded, non-ASCII attachment file name without an extension",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if !p.FilenameEncoded || p.FilenameDecoded == "" {
				continue
			}
			dec := string(p.FilenameDecoded)
			if !nonASCIIName(dec) || hasExtension(dec) {
				continue
			}
			ev, off := offsetEvidence(p, p.FilenameOffset)
			emit(p.Path, off, ev, fmt.Sprintf("encoded file name %q has no extension (NULL dereference in cbGetFileNamePart)", dec))
		}
	},
}

var ruleFilenameOver246Bytes = Rule{
	ID: "filename-over-246-bytes", Class: model.ClassCrash, Dir: "IN/OUT", KB: []string{"Q258319"},
	Doc: "an attachment file name longer than 246 bytes (as the store gets it: decoded when RFC 2047/2231 encoded, else as written; or in a uuencode begin line)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		limit := c.FilenameBytes
		for i := range m.Parts {
			p := &m.Parts[i]
			if n := filenameBytes(p); p.Filename != "" && n > limit {
				ev, off := offsetEvidence(p, p.FilenameOffset)
				emit(p.Path, off, ev, fmt.Sprintf("attachment file name of %d bytes (limit %d): endless loop, temp file fills the disk", n, limit))
			}
			for _, b := range p.Body.Uuencode {
				if len(b.Name) > limit {
					ev, off := bodyEvidence(m, b.Offset)
					emit(p.Path, off, ev, fmt.Sprintf("uuencode file name of %d bytes (limit %d)", len(b.Name), limit))
				}
			}
		}
	},
}

// filenameBytes is the length of the file name the store works on: the
// decoded name of an RFC 2047 / RFC 2231 encoded one (Q258319 counts the
// name's bytes after conversion, not its transfer form: a 180-byte Polish
// name in four =?UTF-8?Q?...?= words is 318 bytes as written), else the
// name as written (raw 8-bit DBCS names are their own bytes).
func filenameBytes(p *model.Part) int {
	if p.FilenameEncoded && p.FilenameDecoded != "" {
		return len(p.FilenameDecoded)
	}
	return max(len(p.Filename), len(p.FilenameDecoded))
}
