package smtpsink

import "github.com/imsforensic/imsforensic/model"

// The sink's records live in model with the tool's other records (one
// home for the JSON contract); these are the names the sink's code and its
// callers use for them.
type (
	// StoredEnvelope is the <id>.json written beside each <id>.eml.
	StoredEnvelope = model.SinkMessage
	// MailParams is MAIL FROM and its ESMTP parameters.
	MailParams = model.SinkMail
	// RcptEntry is one RCPT TO with its DSN parameters.
	RcptEntry = model.SinkRcpt
	// FindingSummary is a lint finding without its evidence text.
	FindingSummary = model.FindingSummary
	// PoisonEntry is one line of poison.jsonl and of Stats.Poison.
	PoisonEntry = model.SinkPoison
)

// summarize is a message's findings in the contract's order, without their
// evidence text, and the worst class among them.
func summarize(fs []model.Finding) ([]model.FindingSummary, model.Class) {
	sorted := append([]model.Finding(nil), fs...)
	model.SortFindings(sorted)
	out := make([]model.FindingSummary, 0, len(sorted))
	top := model.ClassNone
	for _, f := range sorted {
		out = append(out, model.FindingSummary{Rule: f.Rule, Class: f.Class, Part: f.Part, Offset: f.Offset})
		if f.Class > top {
			top = f.Class
		}
	}
	return out, top
}
