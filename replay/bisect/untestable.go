package bisect

import (
	"github.com/imsforensic/imsforensic/model"
)

// smtpCarries are envelope rules whose fault an SMTP replay does carry:
// the recipients are sent as RCPT TO commands.
var smtpCarries = map[string]bool{
	"recipients-over-100": true, "recipients-over-limit": true, "recipients-over-32766": true,
	"envelope-missing-recipient": true, // not sendable at all: the SMTP tester reports it
}

// UntestableOverSMTP reports whether m's crash or stall findings all lie
// in the IMS envelope block (ImCr..EwLs), which an SMTP replay does not
// send: the IMS reads it from the spool file (x400-address-over-1024 is
// a stack corruption in the IMS itself, Q263457). No SMTP server can
// crash on such a message, so a bisect over SMTP would clear it; it is
// reported as not testable here instead, with the ways to test it.
func UntestableOverSMTP(m *model.Message) (model.Untestable, bool) {
	env := m.Envelope
	if m.Format != model.FormatIMSSpool || env.RawLength <= 0 {
		return model.Untestable{}, false
	}
	var rules []string
	seen := map[string]bool{}
	for _, f := range m.Findings {
		if f.Class < model.ClassStall {
			continue
		}
		inEnvelope := f.Offset >= env.RawOffset && f.Offset < env.RawOffset+env.RawLength
		if !inEnvelope || smtpCarries[f.Rule] {
			return model.Untestable{}, false
		}
		if !seen[f.Rule] {
			seen[f.Rule] = true
			rules = append(rules, f.Rule)
		}
	}
	if len(rules) == 0 {
		return model.Untestable{}, false
	}
	return model.Untestable{Type: model.TypeUntestable, Schema: model.SchemaVersion, Path: m.Path, Name: m.Name, Rules: rules,
		Why: "its only crash or stall findings are in the IMS envelope (ImCr..EwLs), which SMTP does not carry: an SMTP server cannot crash on it the way the IMS does",
		How: "test it where the IMS reads the spool file: bisect --probe with a script that copies {}/IN and {}/OUT into a test server's Imcdata, or 'imsforensic replay FILE --to imcdata:DIR --include-suspects' on a test server; 'imsforensic simulate' shows what the IMS would do with it"}, true
}
