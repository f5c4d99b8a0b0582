package model

import (
	"encoding/json"
	"time"
)

// ReplayAction is what replay did or planned for one message.
type ReplayAction string

// Replay actions.
const (
	ActionPlan   ReplayAction = "plan"   // dry-run and plan line: would write or send
	ActionWrite  ReplayAction = "write"  // a file written into a folder target
	ActionSend   ReplayAction = "send"   // a message sent to an SMTP server
	ActionSkip   ReplayAction = "skip"   // nothing to do (already written, identical file)
	ActionHold   ReplayAction = "hold"   // a crash-class suspect held back (DESIGN.md 4.5)
	ActionRefuse ReplayAction = "refuse" // not replayable as is; Reason says why
	ActionUndo   ReplayAction = "undo"   // replay --undo removed (or kept) a written file
	ActionRename ReplayAction = "rename" // imcdata: Queue.dat renamed to Queue.old (KB Q312443)
)

// ReplayResult is the outcome of a ReplayRecord.
type ReplayResult string

// Replay results.
const (
	ResultOK       ReplayResult = "ok"
	ResultFailed   ReplayResult = "failed"
	ResultPlanned  ReplayResult = "planned"
	ResultSkipped  ReplayResult = "skipped"
	ResultHeld     ReplayResult = "held"
	ResultRefused  ReplayResult = "refused"
	ResultDeferred ReplayResult = "deferred" // smtp: still 4xx after the retries
	// ResultBegin marks the journal's intent record, written before a
	// write or send; a begin without its done record is an interrupted
	// delivery.
	ResultBegin ReplayResult = "begin"
)

// SMTPPhase is the step of an SMTP transaction where a send stopped short
// of delivery (the phases of swaks's exit codes).
type SMTPPhase string

// SMTP phases.
const (
	PhaseConnect SMTPPhase = "connect"
	PhaseHelo    SMTPPhase = "helo"
	PhaseTLS     SMTPPhase = "tls"
	PhaseAuth    SMTPPhase = "auth"
	PhaseMail    SMTPPhase = "mail"
	PhaseRcpt    SMTPPhase = "rcpt"
	PhaseData    SMTPPhase = "data"
)

// JournalHeader is the first line of a replay journal: which target the
// journal belongs to (a journal of another target is refused), the source
// folders and files the replay was given, and the tool version that began
// it. Records follow, one ReplayRecord a line.
type JournalHeader struct {
	Type    RecordType `json:"type"` // always TypeJournal
	Schema  int        `json:"schema"`
	Target  string     `json:"target"`
	Sources []string   `json:"sources"`
	Version string     `json:"version"`
	Time    time.Time  `json:"time,omitzero"`
	// Addresses are those an smtp:// target's host resolved to when the
	// journal began, with the port ("10.0.0.5:25"), sorted; absent for a
	// folder target, a host that did not resolve, and journals written
	// before they were recorded.
	Addresses []string `json:"addresses,omitempty"`
}

// MarshalJSON writes the target and sources with Escape, as ReplayRecord
// writes its paths.
func (h JournalHeader) MarshalJSON() ([]byte, error) {
	type plain JournalHeader
	p := plain(h)
	p.Target = Escape(p.Target)
	p.Sources = make([]string, len(h.Sources))
	for i, s := range h.Sources {
		p.Sources[i] = Escape(s)
	}
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly.
func (h *JournalHeader) UnmarshalJSON(b []byte) error {
	type plain JournalHeader
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	p.Target = Unescape(p.Target)
	for i, s := range p.Sources {
		p.Sources[i] = Unescape(s)
	}
	*h = JournalHeader(p)
	return nil
}

// ReplayRecord is one line of a replay journal and of replay's JSON
// output: what was planned, written or sent for one message.
type ReplayRecord struct {
	Type   RecordType `json:"type"` // always TypeReplay
	Schema int        `json:"schema"`

	Path string `json:"path"` // source file
	// MboxOrdinal is the message's place in an mbox source that holds
	// several (model.Message.MboxOrdinal); 0 for a file that is one message.
	MboxOrdinal int          `json:"mbox_ordinal,omitempty"`
	Target      string       `json:"target"` // imcdata:DIR, pickup:DIR, replay-dir:DIR, smtp://host:port
	Action      ReplayAction `json:"action"`
	Dest        string       `json:"dest,omitempty"` // file written, or the server

	SHA256Before string       `json:"sha256_before"`
	SHA256After  string       `json:"sha256_after"`
	Result       ReplayResult `json:"result"`
	Reason       string       `json:"reason,omitempty"`
	// Phase is where an SMTP send stopped short of delivery (failed or
	// deferred); empty otherwise. ConnectionLost says the server dropped
	// the connection in that phase rather than answering.
	Phase          SMTPPhase `json:"phase,omitempty"`
	ConnectionLost bool      `json:"connection_lost,omitempty"`

	Attempt int         `json:"attempt,omitempty"`
	Replies []SMTPReply `json:"replies,omitempty"`
	Time    time.Time   `json:"time,omitzero"`
	Bytes   int64       `json:"bytes,omitempty"`
}

// SMTPReply is one server reply in a replay, per command or recipient.
type SMTPReply struct {
	Command      string `json:"command"` // MAIL, RCPT <addr>, DATA
	Code         int    `json:"code"`
	EnhancedCode string `json:"enhanced_code,omitempty"`
	Text         string `json:"text,omitempty"`
}

// MarshalJSON writes the file names and the reason with Escape, as Text
// fields are: a journal must name a source whose name is not UTF-8 exactly,
// or a rerun would not find it and would deliver it again.
func (r ReplayRecord) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, 1024))
}

// AppendJSON appends what MarshalJSON returns to b: a writer of many
// records (the journal, replay's JSON output) reuses one buffer.
func (r *ReplayRecord) AppendJSON(b []byte) ([]byte, error) {
	if out, ok := r.appendJSON(b); ok {
		return out, nil
	}
	j, err := r.marshalReflect()
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// marshalReflect is MarshalJSON by encoding/json, for what appendJSON
// leaves to it (and to hold appendJSON to the same bytes in tests).
func (r ReplayRecord) marshalReflect() ([]byte, error) {
	type plain ReplayRecord
	p := plain(r)
	p.Path, p.Target, p.Dest, p.Reason = Escape(p.Path), Escape(p.Target), Escape(p.Dest), Escape(p.Reason)
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly.
func (r *ReplayRecord) UnmarshalJSON(b []byte) error {
	type plain ReplayRecord
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	p.Path, p.Target, p.Dest, p.Reason = Unescape(p.Path), Unescape(p.Target), Unescape(p.Dest), Unescape(p.Reason)
	*r = ReplayRecord(p)
	return nil
}

// ReplayOutcome is a counter of ReplaySummary.
type ReplayOutcome string

// Replay outcomes, as the summary counts them.
const (
	OutcomePlanned ReplayOutcome = "planned"
	OutcomeWritten ReplayOutcome = "written"
	OutcomeSkipped ReplayOutcome = "skipped"
	OutcomeHeld    ReplayOutcome = "held"
	OutcomeRefused ReplayOutcome = "refused"
	OutcomeFailed  ReplayOutcome = "failed"
	OutcomeRemoved ReplayOutcome = "removed"
)

// ReplaySummary counts what a replay or an undo did. Reasons holds, per
// outcome, how many messages had each reason.
type ReplaySummary struct {
	Planned int // planned writes (dry run) or writes attempted
	Written int // written or sent, durably (done ok)
	Skipped int
	Held    int
	Refused int
	Failed  int
	Removed int // undo: files removed

	// Journal is the journal file of the run ("" for a dry run that
	// found none).
	Journal string

	Reasons map[ReplayOutcome]map[string]int
}

// Note counts one message's outcome and, when given, its reason.
func (s *ReplaySummary) Note(outcome ReplayOutcome, reason string) {
	switch outcome {
	case OutcomePlanned:
		s.Planned++
	case OutcomeWritten:
		s.Written++
	case OutcomeSkipped:
		s.Skipped++
	case OutcomeHeld:
		s.Held++
	case OutcomeRefused:
		s.Refused++
	case OutcomeFailed:
		s.Failed++
	case OutcomeRemoved:
		s.Removed++
	}
	if reason == "" {
		return
	}
	if s.Reasons == nil {
		s.Reasons = map[ReplayOutcome]map[string]int{}
	}
	if s.Reasons[outcome] == nil {
		s.Reasons[outcome] = map[string]int{}
	}
	s.Reasons[outcome][reason]++
}

// Incomplete reports whether some message was refused or failed (exit 5).
func (s ReplaySummary) Incomplete() bool { return s.Refused > 0 || s.Failed > 0 }

// Empty reports whether nothing was counted: a precondition failed before
// any message was planned.
func (s ReplaySummary) Empty() bool {
	return s.Planned+s.Written+s.Skipped+s.Held+s.Refused+s.Failed+s.Removed == 0
}
