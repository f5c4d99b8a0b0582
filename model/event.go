package model

import (
	"encoding/json"
	"errors"
	"time"
)

// Event is one piece of evidence from outside the queue: an event log
// record, a Dr. Watson fault, an SMTP protocol log session or a tracking
// log entry. A field the reader could not read is left at its zero value
// (absent), never guessed: Time is zero when no time was readable, HRESULT
// is nil when the data section held none.
//
// Its JSON form is the "event" record of `imsforensic events` (DESIGN.md,
// issue #12): the keys path, format, record, offset, time, time_zone,
// source, id, event_type, category, computer, user, strings, data,
// spool_file, faulting_function and app are always written (null or empty
// when unknown) so a consumer never has to guess whether a key was left out.
type Event struct {
	Type   RecordType `json:"type"` // always TypeEvent
	Schema int        `json:"schema"`

	// Path is the file the event was read from, as the user named it;
	// Format the evidence format it was read as ("evt", "evtx",
	// "eventlog-csv", "eventlog-text", "dumpel", "drwatson",
	// "protocol-log", "smtp-w3c", "smtp-ncsa", "tracking-log").
	Path   string `json:"path"`
	Format string `json:"format"`
	// Kind is the evidence family: "eventlog", "drwatson", "protocol-log",
	// "tracking-log".
	Kind string `json:"kind"`
	// Origin locates the event: "file.evt#record=12", "export.csv:34".
	Origin string `json:"origin"`
	// Record is the record number the log gave the event (EVENTLOGRECORD
	// RecordNumber, EVTX EventRecordID); 0 (JSON null) when the format
	// has none. Offset is where the record starts in the file: the byte
	// offset of a binary record, of the first line of a text record
	// (counted in the decoded text for UTF-16 files). Line is the line
	// number of a text record's first line (0 for binary records).
	Record uint64 `json:"record"`
	Offset int64  `json:"offset"`
	Line   int    `json:"line,omitempty"`
	// Recovered marks a binary record found outside the log's live
	// region (slack space of a wrapped or cleared log).
	Recovered bool `json:"recovered,omitempty"`

	// Time is when the event was generated. TimeZone says how it was
	// read: TimeUTC for sources that store UTC (binary logs, tracking
	// logs), the zone's name for local-time sources read in a zone that
	// was given or inferred, TimeAssumed when nothing told the zone and
	// this machine's zone was used.
	Time     time.Time `json:"time"`
	TimeZone string    `json:"time_zone"`

	Source  string `json:"source"` // MSExchangeIMC, MSExchangeIS, DrWatson, ...
	EventID uint32 `json:"id"`     // the code (low 16 bits of the message ID)
	// Qualifiers are the message ID's high 16 bits (severity, customer
	// and facility bits: Exchange's 4116 is 0xC0001014, qualifiers
	// 0xC000), as .evt stores them in the ID and EVTX in
	// EventID@Qualifiers; 0 when the format has none.
	Qualifiers uint16 `json:"qualifiers,omitempty"`
	Level      string `json:"event_type"` // error, warning, information, audit-success, audit-failure
	Category   string `json:"category"`
	Computer   string `json:"computer"`
	User       string `json:"user"`
	Strings    []Text `json:"strings"`
	Data       Bytes  `json:"data"`
	Message    Text   `json:"message,omitempty"` // description text where the export has one

	HRESULT   *uint32 `json:"hresult,omitempty"`
	Location  *uint32 `json:"location,omitempty"` // first data DWORD of MSExchangeIMC events
	SpoolFile string  `json:"spool_file"`         // 8-character spool name, upper-cased

	Application      string `json:"app"` // Dr. Watson: faulting program
	ExceptionCode    string `json:"exception_code,omitempty"`
	FaultingFunction string `json:"faulting_function"`

	// Protocol and tracking logs.
	MailFrom string   `json:"mail_from,omitempty"`
	RcptTo   []string `json:"rcpt_to,omitempty"`
	Subject  Text     `json:"subject,omitempty"`
	MTSID    string   `json:"mts_id,omitempty"`
	// Status is the SMTP reply or protocol status a log line records
	// (IIS SMTP logs: "550"), Remote the remote host's address.
	Status string `json:"status,omitempty"`
	Remote string `json:"remote,omitempty"`
}

// How an Event's or an EvidenceFile's time was read (TimeZone).
const (
	TimeUTC     = "utc"
	TimeAssumed = "assumed"
)

// MarshalJSON writes the contract form: time as RFC 3339 with its offset
// or null, record null when the format has none, strings always a list.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	out := struct {
		plain
		Record  *uint64 `json:"record"`
		Time    *string `json:"time"`
		Strings []Text  `json:"strings"`
	}{plain: plain(e), Time: jsonTime(e.Time), Strings: e.Strings}
	out.Path = Escape(e.Path) // any bytes, as Text (model/pathjson.go)
	if e.Record != 0 {
		r := e.Record
		out.Record = &r
	}
	if out.Strings == nil {
		out.Strings = []Text{}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	in := struct {
		*plain
		Record *uint64 `json:"record"`
		Time   *string `json:"time"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in.Record != nil {
		e.Record = *in.Record
	}
	e.Path = Unescape(e.Path)
	t, err := parseJSONTime(in.Time)
	e.Time = t
	return err
}

// EvidenceFile is the accounting of one evidence file: how it was read and
// how many events it gave, so an admin sees that every file was read. It
// is the "evidence" record of `imsforensic events` and of triage's
// evidence list.
type EvidenceFile struct {
	Type   RecordType `json:"type"` // always TypeEvidence
	Schema int        `json:"schema"`
	Path   string     `json:"path"`
	Format string     `json:"format"` // "" when the content is no known format
	// Events is the number of event records read (and printed) from the
	// file; Damaged the records that could not be read (a failed length
	// check, a fragment in slack space, a line that is no record).
	Events  int `json:"events"`
	Damaged int `json:"damaged"`
	// TimeZone is how the file's times were read, as Event.TimeZone;
	// First and Last the earliest and latest event time.
	TimeZone string    `json:"time_zone"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	// Warnings are problems that lost no sound data (damaged records, a
	// known format with no events); Error what made the file only partly
	// readable, or not at all.
	Warnings []string `json:"warnings,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// NewEvidenceFile returns the record for path with its type and schema set.
func NewEvidenceFile(path string) EvidenceFile {
	return EvidenceFile{Type: TypeEvidence, Schema: SchemaVersion, Path: path}
}

// MarshalJSON writes first and last as RFC 3339 or null.
func (f EvidenceFile) MarshalJSON() ([]byte, error) {
	type plain EvidenceFile
	return json.Marshal(struct {
		plain
		First *string `json:"first"`
		Last  *string `json:"last"`
	}{plain(f), jsonTime(f.First), jsonTime(f.Last)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (f *EvidenceFile) UnmarshalJSON(b []byte) error {
	type plain EvidenceFile
	in := struct {
		*plain
		First *string `json:"first"`
		Last  *string `json:"last"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	var err1, err2 error
	f.First, err1 = parseJSONTime(in.First)
	f.Last, err2 = parseJSONTime(in.Last)
	return errors.Join(err1, err2)
}

// Observe counts one event read from the file into Events, First and Last.
func (f *EvidenceFile) Observe(e Event) {
	f.Events++
	if e.Time.IsZero() {
		return
	}
	if f.First.IsZero() || e.Time.Before(f.First) {
		f.First = e.Time
	}
	if f.Last.IsZero() || e.Time.After(f.Last) {
		f.Last = e.Time
	}
}

func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.RFC3339Nano)
	return &s
}

func parseJSONTime(s *string) (time.Time, error) {
	if s == nil {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, *s)
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
	Type   RecordType `json:"type"` // always TypeSuspect
	Schema int        `json:"schema"`
	Rank   int        `json:"rank"`
	Path   string     `json:"path"`
	Name   string     `json:"name"`
	// MboxOrdinal is the message's place in an mbox file that holds
	// several (Message.MboxOrdinal); 0 for a file that is one message.
	MboxOrdinal int      `json:"mbox_ordinal,omitempty"`
	Queue       string   `json:"queue"`
	Score       float64  `json:"score"`
	Verdict     Verdict  `json:"verdict"`
	Reasons     []Reason `json:"reasons"`

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
