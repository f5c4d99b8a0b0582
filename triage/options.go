package triage

import (
	"time"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/rules"
)

// Options tune Rank. The zero value is ready to use.
type Options struct {
	// Now is when the analysis runs: a crash dated after it means the
	// evidence time zone is wrong, which Rank says in a conclusion.
	// Zero = do not check.
	Now time.Time
	// Rules is the rule configuration the messages were checked with; a
	// rule it disables is never raised by a faulting function. nil = all
	// rules enabled.
	Rules *rules.Config
	// CrashWindow is how long before a crash a message's file time still
	// counts as near it. 0 = DefaultCrashWindow; there is no "none".
	CrashWindow time.Duration
	// Zone is the zone reasons and conclusions also give their times in,
	// after UTC: the server's zone (--evidence-tz, or the offset inferred
	// from the evidence), so that a reason's times read like the exports
	// and the HTML report's timeline. nil (or UTC) = UTC only.
	Zone *time.Location
}

// DefaultCrashWindow is Options.CrashWindow when zero.
const DefaultCrashWindow = 30 * time.Minute

// clockSlack is how much earlier than a file's time a crash may be and
// still be blamed on it by a faulting function: file times and event
// times come from different clocks (a copy, an export in another zone).
const clockSlack = 2 * time.Minute

func (o Options) window() time.Duration {
	if o.CrashWindow <= 0 {
		return DefaultCrashWindow
	}
	return o.CrashWindow
}

// Weights of the reasons. The gaps are wide on purpose: a file named by an
// event outranks any amount of content, and a rule the faulting function
// points at outranks any rule alone (model.Class weights: crash 100,
// stall 30, risk 5, info 0.5).
const (
	// WeightNamed is the first incident event naming the file; each
	// further distinct naming event adds WeightNamedAgain.
	WeightNamed      = 1000.0
	WeightNamedAgain = 100.0
	// WeightFunction is a faulting function (or an event HRESULT) that
	// points at a rule the message carries.
	WeightFunction = 300.0
	// WeightTracking is an inbound message the tracking log saw arrive
	// (1012) but never saw transferred into the store (1013).
	// When more than MaxStuckDistinct inputs are in that case (after the
	// KB Q197792 procedure, every message still in IN can be), each weighs
	// only WeightTrackingCommon.
	WeightTracking       = 40.0
	WeightTrackingCommon = 2.0
	MaxStuckDistinct     = 3
	// WeightTime is the most a crash's nearness adds to a content suspect
	// (a message with a stall or crash finding, or a rule a faulting
	// function points at); WeightTimeNoContent to any other message. Both
	// decay linearly to 0 at CrashWindow before the crash.
	WeightTime          = 120.0
	WeightTimeNoContent = 10.0
	// WeightDirection is a content suspect in the queue the crash points
	// at (IN or OUT).
	WeightDirection = 20.0
	// WeightReceipt is MSExchangeIMC 2002 naming the file within
	// CrashWindow before a crash (0 otherwise): a receipt notice the IMS
	// logs for every inbound message, not an error.
	WeightReceipt = 10.0
	// SecondaryRuleFactor scales every rule but the heaviest, so that a
	// pile of stall findings never outranks one crash finding.
	SecondaryRuleFactor = 0.1
)

// Verdict thresholds. See verdictOf.
const (
	// PrimeEvidence is the evidence weight (function, time, direction,
	// tracking, event) that turns a message with findings into a prime
	// suspect, provided it is a content suspect written within
	// CrashWindow before a crash.
	PrimeEvidence = 80.0
	// SuspectScore: a stall or crash finding, or findings plus evidence.
	SuspectScore = 30.0
	// RiskyScore: a risk finding, or a message without findings written
	// within half the crash window before a crash.
	RiskyScore = 5.0
)

// Reason kinds.
const (
	KindRule      = "rule"
	KindEvent     = "event"
	KindTime      = "time"
	KindDirection = "direction"
	KindFunction  = "function"
	KindQueue     = "queue"
	KindError     = "error"
)

// Result is what Rank found: every message as a suspect (rank 1 = most
// likely poison, clean messages last), the conclusions about the incident,
// and the incident itself for reports that draw it (the HTML timeline).
type Result struct {
	Suspects    []model.Suspect
	Conclusions []model.Conclusion
	Incident    Incident
}

// Incident summarises the evidence after duplicates were merged.
type Incident struct {
	// Events is the number of distinct events; Duplicates the copies
	// merged into them (the same record read from .evt, CSV, text and
	// dumpel exports).
	Events     int
	Duplicates int
	// Crashes are the crash clusters that count for time nearness, in
	// time order. Crash events explained by a non-content conclusion are
	// left out.
	Crashes []Crash
	// Named are the spool files incident events name, in name order.
	Named []NamedFile
	// Counts tallies the distinct events per source and ID, in source
	// then ID order.
	Counts []EventCount
}

// Crash is a cluster of crash events less than crashGap apart.
type Crash struct {
	Time time.Time // the first event of the cluster
	// Direction is IN, OUT or "" (unknown); DirectionWhy says which event
	// decided it.
	Direction    string
	DirectionWhy string
	// Functions are the faulting functions Dr. Watson named.
	Functions []string
	Events    []model.Event
}

// NamedFile is a spool file an incident event names.
type NamedFile struct {
	Name   string
	Found  bool     // among the inputs
	Paths  []string // the inputs with that name
	Events []string // "MSExchangeIMC 4117 at ... (origin)"
}

// EventCount is how many distinct events one source and ID produced.
type EventCount struct {
	Kind    string
	Source  string
	EventID uint32
	Count   int
	First   time.Time
	Last    time.Time
}
