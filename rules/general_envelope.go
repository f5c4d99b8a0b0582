package rules

import (
	"github.com/imsforensic/imsforensic/model"
)

// IMS envelope problems (poison-rules.md, second table; KB Q249273).

var ruleEnvelopeMissingRecipient = Rule{
	ID: "envelope-missing-recipient", Class: model.ClassStall, Dir: "IN/OUT", KB: []string{"Q249273"},
	Doc: "an IMS envelope (ImCr..EwLs) with no recipient address in it",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Format != model.FormatIMSSpool || hasAnomaly(m, model.AnomEnvelopeNoEwLs) || hasAnomaly(m, model.AnomEnvelopeOrder) {
			return
		}
		if len(m.Envelope.To) > 0 {
			return
		}
		for _, a := range m.Anomalies {
			if a.Code == model.AnomEnvelopeNoRcpt {
				// The anomaly sits on ImCr itself: a prologue may come first.
				emit("", a.Offset, model.Text("ImCr"), "no RCPT TO address between ImCr and EwLs")
				return
			}
		}
	},
}

var ruleEnvelopeMarkersBroken = Rule{
	ID: "envelope-markers-broken", Class: model.ClassStall, Dir: "IN/OUT", KB: []string{"Q190709", "Q249273"},
	Doc: "ImCr without EwLs, or the markers out of order",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for _, a := range m.Anomalies {
			switch a.Code {
			case model.AnomEnvelopeNoEwLs:
				emit("", a.Offset, "ImCr", a.Detail)
			case model.AnomEnvelopeOrder:
				emit("", a.Offset, "EwLs", a.Detail)
			}
		}
	},
}
