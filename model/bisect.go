package model

import "time"

// BisectPhase says what a bisect round tested.
type BisectPhase string

// Bisect phases.
const (
	PhaseHalf      BisectPhase = "half"      // the first half of a set known to crash
	PhaseRemainder BisectPhase = "remainder" // what was left untested after a culprit was found
	PhaseIsolated  BisectPhase = "isolated"  // no round: a culprit was isolated
)

// BisectStep is the journal record of one bisect round.
type BisectStep struct {
	Type    RecordType  `json:"type"` // always TypeBisectStep
	Schema  int         `json:"schema"`
	Round   int         `json:"round"`
	Time    time.Time   `json:"time"`
	Phase   BisectPhase `json:"phase"`
	Size    int         `json:"size"`
	Crashed bool        `json:"crashed"`
	Sent    int         `json:"sent"`
	// At is the 1-based place in the group of the message the target
	// died taking (0 = the target could not say: a probe, a crash found
	// by the health check).
	At  int    `json:"at,omitempty"`
	Why string `json:"why,omitempty"`
	// Cleared and Culprit say what the round decided.
	Cleared int      `json:"cleared,omitempty"`
	Culprit string   `json:"culprit,omitempty"`
	Paths   []string `json:"paths"`
}

// Culprit is the record of one message found to crash the target.
type Culprit struct {
	Type   RecordType `json:"type"` // always TypeCulprit
	Schema int        `json:"schema"`
	Path   string     `json:"path"`
	Name   string     `json:"name"`
	Queue  string     `json:"queue"`
	Round  int        `json:"round"` // the round that isolated it
	// TopClass and Rules are what the rule catalogue says about it, to
	// compare with what the target did.
	TopClass Class    `json:"top_class"`
	Rules    []string `json:"rules"`
	// Rank is the message's place in triage's ranking (1 = the likeliest
	// poison); 0 when no ranking was given.
	Rank int `json:"rank,omitempty"`
}

// BisectSummary is the final record of a bisect.
type BisectSummary struct {
	Type     RecordType `json:"type"` // always TypeBisect
	Schema   int        `json:"schema"`
	Messages int        `json:"messages"`
	Culprits int        `json:"culprits"`
	Rounds   int        `json:"rounds"`
	Sent     int        `json:"sent"`
	// Bound is k*ceil(log2 n)+k, the rounds of adaptive group testing
	// without a named crash, for comparison.
	Bound int `json:"bound"`
	// ByHand is the KB's manual halving on the same queue with the same
	// culprits.
	ByHand ManualCost `json:"by_hand"`
	// Untestable is how many messages the target could not test (see
	// the untestable records); Resumed how many rounds were read back
	// from the journal of an earlier, interrupted run instead of being
	// tested again.
	Untestable int `json:"untestable,omitempty"`
	Resumed    int `json:"resumed,omitempty"`
}

// ManualCost is the cost of finding the same culprits by hand.
type ManualCost struct {
	// Rounds is the number of restarts (put files back, restart the
	// services, wait for the crash or for the queue to drain).
	Rounds int `json:"rounds"`
	// Sent is how many messages the IMS took in those rounds (up to the
	// crash, in file order).
	Sent int `json:"sent"`
	// Method says what was counted.
	Method string `json:"method"`
}
