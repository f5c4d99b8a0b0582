package model

import "time"

// RecordType is the "type" discriminator of a JSON Lines record
// (DESIGN.md section 3). Every record the tool prints or journals names
// one of these; a consumer switches on it and ignores types it does not
// know.
type RecordType string

// Record types, by the command that writes them.
const (
	TypeMessage     RecordType = "message"      // scan, show
	TypeEvent       RecordType = "event"        // evidence readers
	TypeSuspect     RecordType = "suspect"      // triage
	TypeConclusion  RecordType = "conclusion"   // triage
	TypeReplay      RecordType = "replay"       // replay and its journal
	TypeJournal     RecordType = "journal"      // the replay journal's first line (JournalHeader)
	TypeEvidence    RecordType = "evidence"     // events, triage: one evidence file's accounting
	TypeStep        RecordType = "step"         // simulate: one line of the timeline
	TypeSimulation  RecordType = "simulation"   // simulate: a run's summary
	TypeVerdict     RecordType = "verdict"      // simulate: the as-is run against triage's ranking
	TypeBisectStart RecordType = "bisect-start" // bisect: the journal's first line
	TypeBisectStep  RecordType = "bisect-step"
	TypeUntestable  RecordType = "untestable" // bisect: a message the target cannot be asked about
	TypeCulprit     RecordType = "culprit"
	TypeBisect      RecordType = "bisect" // bisect: the summary
	TypeRepair      RecordType = "repair"
	TypeRedact      RecordType = "redact"
	TypeRedactMap   RecordType = "redact-map" // redact: one placeholder and what it stands for
	TypeSinkMsg     RecordType = "sink-message"
	TypeSinkPoison  RecordType = "sink-poison"
	TypeSinkLog     RecordType = "sink-log"
	TypeCorpus      RecordType = "corpus"
	TypeError       RecordType = "error" // the final error with --format json, on stderr
)

// MessageRecord is the scan JSON record: the message contract of DESIGN.md
// section 3, without the per-part detail that show prints.
type MessageRecord struct {
	Type           RecordType `json:"type"` // always TypeMessage
	Schema         int        `json:"schema"`
	Path           string     `json:"path"`
	Name           string     `json:"name"`
	Queue          string     `json:"queue"`
	Format         Format     `json:"format"`
	Size           int64      `json:"size"`
	SHA256         string     `json:"sha256"`
	MboxOrdinal    int        `json:"mbox_ordinal,omitempty"` // Message.MboxOrdinal
	FileOffset     int64      `json:"file_offset,omitempty"`
	ModTime        time.Time  `json:"mtime,omitzero"`
	Envelope       Envelope   `json:"envelope"`
	Subject        Text       `json:"subject"`
	SubjectDecoded Text       `json:"subject_decoded,omitempty"`
	Findings       []Finding  `json:"findings"`
	Score          float64    `json:"score"`
	Error          string     `json:"error,omitempty"`
}

// NewMessageRecord projects a Message onto the scan record.
func NewMessageRecord(m *Message) MessageRecord {
	fs := m.Findings
	if fs == nil {
		fs = []Finding{}
	}
	env := m.Envelope
	if env.To == nil {
		env.To = []string{}
	}
	// File names are bytes on Linux (and may come from a damaged copy):
	// escape them as Text does, so that two names that differ only in
	// invalid UTF-8 stay two names in JSON instead of both becoming
	// U+FFFD.
	return MessageRecord{Type: TypeMessage, Schema: SchemaVersion, Path: Escape(m.Path), Name: Escape(m.Name), Queue: m.Queue,
		Format: m.Format, Size: m.Size, SHA256: m.SHA256, MboxOrdinal: m.MboxOrdinal, FileOffset: m.FileOffset, ModTime: m.ModTime, Envelope: env, Subject: m.Subject,
		SubjectDecoded: m.SubjectDecoded, Findings: fs, Score: m.Score, Error: Escape(m.Error)}
}

// CorpusSummary is the "corpus" record: what corpus generated, and where.
// The ground truth itself is the truth.json it names.
type CorpusSummary struct {
	Type     RecordType `json:"type"`   // always TypeCorpus
	Schema   int        `json:"schema"` // truth.json's schema
	Out      string     `json:"out"`
	Layout   string     `json:"layout"`
	Seed     int64      `json:"seed"`
	Files    int        `json:"files"`
	Poison   int        `json:"poison"`
	Scenario string     `json:"scenario"`
	Culprits []string   `json:"culprits"`
	Evidence []string   `json:"evidence"`
	Truth    string     `json:"truth"`
	// Queues counts the files per queue, for the table.
	Queues map[string]int `json:"-"`
}
