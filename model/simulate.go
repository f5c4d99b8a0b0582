package model

import "time"

// SimRun names a simulation run.
type SimRun string

// Simulation runs.
const (
	RunAsIs SimRun = "as-is" // the queue as given
	RunHeld SimRun = "held"  // the same queue with the suspects held back
)

// SimAction is what the emulated IMS did at one step of a simulation.
type SimAction string

// Simulation actions.
const (
	SimDelivered SimAction = "delivered" // converted and submitted to the store
	SimCrash     SimAction = "crash"     // store.exe (or the IMS) died on the message
	SimRestart   SimAction = "restart"   // the services came back
	SimRetry     SimAction = "retry"     // the same spool file is taken again first
	SimCrashLoop SimAction = "crash-loop"
	SimPoison    SimAction = "poison"   // Exchange 2007+: moved to the poison queue
	SimArchived  SimAction = "archived" // refused by the store, moved to IN\Archive (4117)
	SimStuck     SimAction = "stuck"    // stays in the queue; the IMS goes on
	SimReturned  SimAction = "returned" // non-delivery report to the sender
	SimHeld      SimAction = "held"     // held back by the user: never queued
	SimSkipped   SimAction = "skipped"  // not in a queue the IMS reads, or unreadable
	SimBlocked   SimAction = "blocked"  // never reached: behind the crash loop
	SimDrained   SimAction = "drained"  // the queue is empty
)

// LoggedEvent is an event the emulated server writes to the Application
// log, with the KB's wording (ims-kb.md 3.1, 3.2).
type LoggedEvent struct {
	Source  string `json:"source"`
	EventID uint32 `json:"event_id"`
	Level   string `json:"level"`
	Text    string `json:"text"`
	// Data is the event's data words as the Event Viewer shows them in
	// Words view ("00140667 80040115"), when the KB gives them.
	Data string `json:"data,omitempty"`
}

// SimStep is one line of a simulation's timeline.
type SimStep struct {
	Type   RecordType `json:"type"` // always TypeStep
	Schema int        `json:"schema"`
	Run    SimRun     `json:"run"`
	Seq    int        `json:"seq"`
	// Offset is the simulated time since the IMS started; Time is the
	// clock (zero when the queue gave no file time).
	Offset time.Duration `json:"offset_ns"`
	Time   time.Time     `json:"time,omitzero"`
	Action SimAction     `json:"action"`
	Path   string        `json:"path,omitempty"`
	Name   string        `json:"name,omitempty"`
	Queue  string        `json:"queue,omitempty"`
	// Rule is the finding that decided the outcome, when one did.
	Rule   string        `json:"rule,omitempty"`
	Detail string        `json:"detail,omitempty"`
	Events []LoggedEvent `json:"events,omitempty"`
}

// Simulation is the outcome of one simulation run.
type Simulation struct {
	Type   RecordType `json:"type"` // always TypeSimulation
	Schema int        `json:"schema"`
	Run    SimRun     `json:"run"`

	Messages  int `json:"messages"` // files given
	Delivered int `json:"delivered"`
	Crashes   int `json:"crashes"`
	Restarts  int `json:"restarts"`
	// Stuck is every message left in the queue: the stall-class ones the
	// IMS skips over (StuckStall) and those behind a crash loop (Blocked,
	// the crashing message included).
	Stuck      int `json:"stuck"`
	StuckStall int `json:"stuck_stall"`
	Blocked    int `json:"blocked"`
	Archived   int `json:"archived"`
	Returned   int `json:"returned"`
	Poisoned   int `json:"poisoned"`
	Held       int `json:"held"`
	Skipped    int `json:"skipped"`
	// Drained is true when the IMS got through the whole queue (no crash
	// loop stopped it).
	Drained bool `json:"drained"`
	// LoopFile is the spool file of the crash loop, "" when drained.
	LoopFile string        `json:"loop_file,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}
