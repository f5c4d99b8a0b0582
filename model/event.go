package model

import "time"

// Event is one piece of evidence from outside the queue: an event log
// record, a Dr. Watson fault, an SMTP protocol log session or a tracking
// log entry. A field the reader could not read is left at its zero value
// (absent), never guessed: Time is zero when no time was readable, HRESULT
// is nil when the data section held none.
type Event struct {
	Type   RecordType `json:"type"` // always TypeEvent
	Schema int        `json:"schema"`

	// Kind is the evidence family: "eventlog", "drwatson", "protocol-log",
	// "tracking-log".
	Kind string `json:"kind"`
	// Origin locates the event: "file.evt#record=12", "export.csv:34".
	Origin string `json:"origin"`

	Time     time.Time `json:"time,omitzero"`
	Source   string    `json:"source,omitempty"`   // MSExchangeIMC, MSExchangeIS, DrWatson, ...
	EventID  uint32    `json:"event_id,omitempty"` // the code (low 16 bits of the message ID)
	Level    string    `json:"level,omitempty"`    // error, warning, information, audit-success, audit-failure
	Category string    `json:"category,omitempty"`
	Computer string    `json:"computer,omitempty"`
	Strings  []Text    `json:"strings,omitempty"`
	Data     Bytes     `json:"data,omitempty"`
	Message  Text      `json:"message,omitempty"` // description text where the export has one

	HRESULT   *uint32 `json:"hresult,omitempty"`
	Location  *uint32 `json:"location,omitempty"`   // first data DWORD of MSExchangeIMC events
	SpoolFile string  `json:"spool_file,omitempty"` // 8-character spool name, upper-cased

	Application      string `json:"application,omitempty"` // Dr. Watson: faulting program
	ExceptionCode    string `json:"exception_code,omitempty"`
	FaultingFunction string `json:"faulting_function,omitempty"`

	// Protocol and tracking logs.
	MailFrom string   `json:"mail_from,omitempty"`
	RcptTo   []string `json:"rcpt_to,omitempty"`
	Subject  Text     `json:"subject,omitempty"`
	MTSID    string   `json:"mts_id,omitempty"`
}

// Reason is one line of "why" behind a suspect's rank.
type Reason struct {
	Kind   string  `json:"kind"` // rule, event, time, direction, function, ...
	Detail string  `json:"detail"`
	Weight float64 `json:"weight"`
}

// Verdict is triage's word on a suspect, from its score and evidence.
type Verdict string

// Verdicts, most damning first.
const (
	VerdictPrime   Verdict = "prime-suspect"
	VerdictSuspect Verdict = "suspect"
	VerdictRisky   Verdict = "risky"
	VerdictClean   Verdict = "clean"
)

// Suspect is a message ranked by triage. Rank 1 is the most likely poison.
type Suspect struct {
	Type    RecordType `json:"type"` // always TypeSuspect
	Schema  int        `json:"schema"`
	Rank    int        `json:"rank"`
	Path    string     `json:"path"`
	Name    string     `json:"name"`
	Queue   string     `json:"queue"`
	Score   float64    `json:"score"`
	Verdict Verdict    `json:"verdict"`
	Reasons []Reason   `json:"reasons"`

	Message *Message `json:"-"`
}

// Conclusion is a finding about the incident as a whole, such as "the
// culprit is likely still in MTS-OUT".
type Conclusion struct {
	Type   RecordType `json:"type"` // always TypeConclusion
	Schema int        `json:"schema"`
	Text   string     `json:"text"`
	KB     []string   `json:"kb"`
}

// NewConclusion builds a Conclusion with its type and schema set.
func NewConclusion(text string, kb ...string) Conclusion {
	if kb == nil {
		kb = []string{}
	}
	return Conclusion{Type: TypeConclusion, Schema: SchemaVersion, Text: text, KB: kb}
}
