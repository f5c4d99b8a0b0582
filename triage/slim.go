package triage

import "github.com/imsforensic/imsforensic/model"

// Slim drops from m, a message already scanned and selected, what Rank and
// the triage renderers never read: the Subject and From header, the
// digest, and the envelope but its MTS-ID (the stuck-message events name
// that). A queue is held whole to be ranked, and these were about a third
// of each message held (inventory.Slim has dropped the MIME tree), so
// triage of 1,000,000 files held all of them for nothing. The ranking and
// every format's output are the same with and without
// (TestSlimRanksTheSame). Not for a caller that shows messages (the HTML
// report, a plan) or selects them afterwards.
func Slim(m *model.Message) {
	m.Subject, m.From, m.SubjectDecoded, m.SHA256 = "", "", "", ""
	m.Envelope = model.Envelope{To: []string{}, MTSID: m.Envelope.MTSID}
}
