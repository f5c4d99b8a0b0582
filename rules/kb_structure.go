package rules

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// MIME structure (KB Q217155, Q173343, Q161887, Q230563, Q303686).

var ruleMissingBoundaryProlog = Rule{
	ID: "missing-boundary-prolog", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q217155"},
	Doc: "a multipart whose first body part is not preceded by its boundary (MIME headers in the preamble), or whose boundary never occurs",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		reported := map[string]bool{}
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.IsMultipart() && p.PreambleHeaderOffset >= 0 && p.PreambleLength > c.PreambleBytes {
				ev, off := bodyEvidence(m, p.PreambleHeaderOffset)
				emit(p.Path, off, ev, fmt.Sprintf("the %d-byte preamble holds MIME headers: the first body part has no boundary before it (endless loop, .stf temp file grows)", p.PreambleLength))
				reported[p.Path] = true
			}
		}
		for _, a := range m.Anomalies {
			if a.Code != model.AnomBoundaryNotFound || reported[a.Part] {
				continue
			}
			p := part(m, a.Part)
			if p == nil {
				continue
			}
			ev, off := partEvidence(p)
			if bp := p.Param("boundary"); bp != nil {
				ev, off = paramEvidence(paramField(p, bp), bp)
			}
			emit(p.Path, off, ev, a.Detail+": the whole body is one unterminated prolog")
			reported[p.Path] = true
		}
	},
}

var ruleMIMENestingOver30 = Rule{
	ID: "mime-nesting-over-30", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q173343", "Q161887"},
	Doc: "MIME nesting (multipart and message/rfc822 together) deeper than LimitNestingLevels (30)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Scan.MaxDepth <= c.LimitNestingLevels {
			return
		}
		// The deepest recorded part (parts beyond parse's MaxParts are
		// counted, not recorded).
		var deepest *model.Part
		for i := range m.Parts {
			p := &m.Parts[i]
			if deepest == nil || p.Depth > deepest.Depth {
				deepest = p
			}
		}
		if deepest == nil {
			return
		}
		ev, off := partEvidence(deepest)
		emit(deepest.Path, off, ev, fmt.Sprintf("MIME nesting depth %d (LimitNestingLevels %d): slow conversion, stack overflow for cascaded embedded messages", m.Scan.MaxDepth, c.LimitNestingLevels))
	},
}

var ruleDSNReport = Rule{
	ID: "dsn-report", Class: model.ClassRisk, Dir: "IN", KB: []string{"Q303686"},
	Doc: "a multipart/report; report-type=delivery-status (DSN) from a foreign system",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.MediaType != "multipart/report" {
				continue
			}
			rt := p.Param("report-type")
			if rt == nil || !strings.EqualFold(strings.TrimSpace(string(rt.Value)), "delivery-status") {
				continue
			}
			ev, off := paramEvidence(paramField(p, rt), rt)
			emit(p.Path, off, ev, "delivery status notification (AV in HrDecodeEncapsulation before 5.5.2655.21)")
		}
	},
}

// isAttachment reports a part that is an attachment: disposition
// attachment, or a file name.
func isAttachment(p *model.Part) bool {
	return p.Disposition == "attachment" || p.Filename != ""
}

var ruleEmbeddedMessageWithAttachments = Rule{
	ID: "embedded-message-with-attachments", Class: model.ClassRisk, Dir: "IN", KB: []string{"Q230563"},
	Doc: "a message/rfc822 part whose embedded message carries attachments",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.MediaType != "message/rfc822" {
				continue
			}
			for _, j := range descendants(m, p) {
				a := &m.Parts[j]
				if !isAttachment(a) || a.IsMultipart() {
					continue
				}
				ev, off := partEvidence(a)
				if a.Filename != "" {
					ev, off = offsetEvidence(a, a.FilenameOffset)
				}
				emit(a.Path, off, ev, fmt.Sprintf("embedded message (part %s) carries attachment %q (AV in FreePadrlist before 5.5 SP3)", displayPath(p.Path), string(a.Filename)))
				break
			}
		}
	},
}

func displayPath(p string) string {
	if p == "" {
		return "top"
	}
	return p
}
