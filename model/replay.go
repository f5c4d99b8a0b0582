package model

import (
	"encoding/json"
	"time"
)

// ReplayRecord is one line of a replay journal and of replay's JSON
// output: what was planned, written or sent for one message.
type ReplayRecord struct {
	Type   string `json:"type"` // always "replay"
	Schema int    `json:"schema"`

	Path   string `json:"path"`   // source file
	Target string `json:"target"` // imcdata:DIR, pickup:DIR, replay-dir:DIR, smtp://host:port
	// Action is plan, write, send, skip, hold, refuse or undo.
	Action string `json:"action"`
	Dest   string `json:"dest,omitempty"` // file written, or the server

	SHA256Before string `json:"sha256_before"`
	SHA256After  string `json:"sha256_after"`
	// Result is ok, failed, planned, skipped, held, refused, or the phase
	// that failed for SMTP (connect, mail, rcpt, data).
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`

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
	type plain ReplayRecord
	p := plain(r)
	p.Path, p.Target, p.Dest, p.Reason = Escape(p.Path), Escape(p.Target), Escape(p.Dest), Escape(p.Reason)
	return json.Marshal(p)
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
