package model

// SimVerdict is a simulation's as-is run held against triage's ranking:
// one story, not two. The ranking (rules plus evidence) says which file
// is the poison; the run says which file the emulated IMS meets first.
// When they differ, Text says why (processing order, rule class, a folder
// the IMS does not read).
type SimVerdict struct {
	Type   RecordType `json:"type"` // always TypeVerdict
	Schema int        `json:"schema"`
	// First is the first file the rules (or the evidence) decide an
	// outcome for in the as-is run: a crash, or a stall (archived, stuck,
	// returned); "" when every file goes through.
	First       string    `json:"first,omitempty"`
	FirstName   string    `json:"first_name,omitempty"`
	FirstAction SimAction `json:"first_action,omitempty"`
	FirstRule   string    `json:"first_rule,omitempty"`
	// Rank1 is triage's rank 1 when triage names a suspect (prime-suspect
	// only with evidence).
	Rank1        string  `json:"rank1,omitempty"`
	Rank1Name    string  `json:"rank1_name,omitempty"`
	Rank1Verdict Verdict `json:"rank1_verdict,omitempty"`
	// Agree is true when the first incident is on triage's rank 1.
	Agree bool `json:"agree"`
	// Observed are the evidence events of the incident rank 1 is tied to
	// ("MSExchangeIS 12007 2001-03-14 18:01:52Z").
	Observed []string `json:"observed,omitempty"`
	Text     string   `json:"text"`
}
