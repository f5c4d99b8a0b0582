package model

// Phases of bisect's rounds added with informed bisection and resume.
const (
	// PhaseWhole tests every message not yet decided, in one round.
	PhaseWhole BisectPhase = "whole"
)

// BisectStart is the first record of a bisect journal: what was searched,
// so that a resumed run can refuse a journal of another queue.
type BisectStart struct {
	Type     RecordType `json:"type"` // always TypeBisectStart
	Schema   int        `json:"schema"`
	Messages int        `json:"messages"`
	// Order is the sha256 of the searched messages' paths and sizes, in
	// the order they are tested.
	Order  string `json:"order"`
	Target string `json:"target,omitempty"`
}

// Untestable is a message the chosen target cannot test: its only crash
// or stall findings are in the IMS envelope, which an SMTP replay does
// not carry. How says where it can be tested.
type Untestable struct {
	Type   RecordType `json:"type"` // always TypeUntestable
	Schema int        `json:"schema"`
	Path   string     `json:"path"`
	Name   string     `json:"name"`
	Rules  []string   `json:"rules"`
	Why    string     `json:"why"`
	How    string     `json:"how"`
}
