package rules

import (
	"fmt"

	"github.com/imsforensic/imsforensic/model"
)

// MIME-structure malformations (poison-rules.md, second table; RFC 2046).

var ruleBoundaryMissing = Rule{
	ID: "boundary-missing", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a multipart/* without a boundary parameter",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.IsMultipart() && !p.HasBoundaryParam {
				emit(p.Path, p.ContentTypeOffset, excerptCT(p), p.MediaType+" has no boundary parameter")
			}
		}
	},
}

var ruleBoundaryInvalid = Rule{
	ID: "boundary-invalid", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a boundary that is empty, longer than 70 characters, or uses characters outside RFC 2046 bchars",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if !p.IsMultipart() || !p.HasBoundaryParam {
				continue
			}
			bp := p.Param("boundary")
			why := ""
			switch b := string(p.Boundary); {
			case b == "":
				why = "empty boundary"
			case len(b) > 70:
				why = fmt.Sprintf("boundary of %d characters (RFC 2046 allows 70)", len(b))
			case b[len(b)-1] == ' ':
				why = "boundary ends with a space"
			default:
				for j := 0; j < len(b); j++ {
					if !isBChar(b[j]) {
						why = fmt.Sprintf("boundary holds %q, outside RFC 2046 bchars", b[j])
						break
					}
				}
			}
			if why != "" && bp != nil {
				// Quote the file's bytes (cut at a fold), not the
				// unfolded parameter text.
				ev, off := paramEvidence(paramField(p, bp), bp)
				emit(p.Path, off, ev, why)
			}
		}
	},
}

func isBChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '\'', '(', ')', '+', '_', ',', '-', '.', '/', ':', '=', '?', ' ':
		return true
	}
	return false
}

var ruleCloseBoundaryMissing = Rule{
	ID: "close-boundary-missing", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a multipart with no closing --boundary-- line",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.IsMultipart() && p.HasBoundaryParam && p.Boundary != "" && p.BoundaryCount > 0 && !p.CloseBoundaryFound {
				emit(p.Path, p.FirstBoundaryOffset, m.Excerpt(p.FirstBoundaryOffset), fmt.Sprintf("%d delimiters, no close delimiter", p.BoundaryCount))
			}
		}
	},
}

var ruleTruncated = Rule{
	ID: "truncated", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "the file ends inside the header block or inside an open multipart",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Root() == nil || m.Scan.HeaderFields == 0 {
			return // empty-file or no-message says it better
		}
		if !m.Scan.HeaderTerminated && !hasAnomaly(m, model.AnomNoMessage) && !hasAnomaly(m, model.AnomHeaderNoBlankLine) {
			emit("", m.MessageOffset, "", "end of file inside the header block")
			return
		}
		for _, a := range m.Anomalies {
			if a.Code == model.AnomMultipartUnclosed {
				p := part(m, a.Part)
				if p != nil && p.BoundaryCount > 0 {
					emit(a.Part, p.FirstBoundaryOffset, m.Excerpt(p.FirstBoundaryOffset), "end of file inside an open multipart")
					return
				}
			}
		}
	},
}

var rulePartsOver1000 = Rule{
	ID: "parts-over-1000", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "more than 1,000 MIME parts",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if n := m.Scan.Parts; n > c.MaxParts {
			emit("", m.MessageOffset, "", fmt.Sprintf("%d MIME parts (limit %d)", n, c.MaxParts))
		}
	},
}

var knownCTE = []string{"", "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode", "x-uue"}

var ruleCTEInvalid = Rule{
	ID: "cte-invalid", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "an unknown Content-Transfer-Encoding, or an encoding other than 7bit/8bit/binary on a multipart",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			f, ok := field(p.Header, "content-transfer-encoding")
			if !ok {
				continue
			}
			ev, off := f.Excerpt(0, 40)
			switch {
			case !contains(knownCTE, p.CTE):
				emit(p.Path, off, ev, "unknown Content-Transfer-Encoding "+p.CTE)
			case (p.IsMultipart() || p.MediaType == "message/rfc822") && !(p.CTE == "7bit" || p.CTE == "8bit" || p.CTE == "binary"):
				emit(p.Path, off, ev, p.CTE+" on a "+p.MediaType+" (RFC 2045 6.4 allows only identity encodings)")
			}
		}
	},
}

func excerptCT(p *model.Part) model.Text {
	if f, ok := field(p.Header, "content-type"); ok {
		ev, _ := f.Excerpt(0, model.ExcerptLen)
		return ev
	}
	return ""
}

func hasAnomaly(m *model.Message, code string) bool {
	for _, a := range m.Anomalies {
		if a.Code == code {
			return true
		}
	}
	return false
}

func part(m *model.Message, path string) *model.Part {
	for i := range m.Parts {
		if m.Parts[i].Path == path {
			return &m.Parts[i]
		}
	}
	return nil
}
