package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// MessageRecord is the scan JSON record: the message contract of DESIGN.md
// section 3, without the per-part detail that show prints.
type MessageRecord struct {
	Type     string          `json:"type"`
	Schema   int             `json:"schema"`
	Path     string          `json:"path"`
	Name     string          `json:"name"`
	Queue    string          `json:"queue"`
	Format   model.Format    `json:"format"`
	Size     int64           `json:"size"`
	SHA256   string          `json:"sha256"`
	ModTime  time.Time       `json:"mtime,omitzero"`
	Envelope model.Envelope  `json:"envelope"`
	Subject  model.Text      `json:"subject"`
	Findings []model.Finding `json:"findings"`
	Score    float64         `json:"score"`
	Error    string          `json:"error,omitempty"`
}

// NewMessageRecord projects a Message onto the scan record.
func NewMessageRecord(m *model.Message) MessageRecord {
	fs := m.Findings
	if fs == nil {
		fs = []model.Finding{}
	}
	env := m.Envelope
	if env.To == nil {
		env.To = []string{}
	}
	// File names are bytes on Linux (and may come from a damaged copy):
	// escape them as model.Text does, so that two names that differ only
	// in invalid UTF-8 stay two names in JSON instead of both becoming
	// U+FFFD.
	return MessageRecord{Type: "message", Schema: model.SchemaVersion, Path: model.Escape(m.Path), Name: model.Escape(m.Name), Queue: m.Queue,
		Format: m.Format, Size: m.Size, SHA256: m.SHA256, ModTime: m.ModTime, Envelope: env, Subject: m.Subject,
		Findings: fs, Score: m.Score, Error: model.Escape(m.Error)}
}

// WriteMessages renders the scan result set.
func WriteMessages(w io.Writer, f Format, ms []*model.Message) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, m := range ms {
			if err := enc.Encode(NewMessageRecord(m)); err != nil {
				return fmt.Errorf("write json: %w", err)
			}
		}
		return nil
	case CSV:
		return writeMessagesCSV(w, ms)
	}
	return writeMessagesTable(w, ms)
}

func writeMessagesTable(w io.Writer, ms []*model.Message) error {
	t := newTable(w, "QUEUE", "NAME", "SIZE", "TIME", "FROM", "RCPT", "SUBJECT", "SCORE", "FINDINGS")
	for _, m := range ms {
		tm := ""
		if !m.ModTime.IsZero() {
			tm = m.ModTime.UTC().Format("2006-01-02 15:04")
		}
		find := topFindings(m.Findings, 3)
		if m.Error != "" {
			find = "error: " + m.Error
		}
		if err := t.Append([]string{m.Queue, cell(m.Name, 24), size(m.Size), tm, cell(m.Envelope.From, 28),
			strconv.Itoa(len(m.Envelope.To)), cell(subject(m.Subject), 30), score(m.Score), cell(find, 70)}); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// messageCSVHeader is the fixed CSV column order.
var messageCSVHeader = []string{"path", "name", "queue", "format", "size", "sha256", "mtime", "from", "to", "subject", "score", "class", "rules", "error"}

func writeMessagesCSV(w io.Writer, ms []*model.Message) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(messageCSVHeader); err != nil {
		return err
	}
	for _, m := range ms {
		tm := ""
		if !m.ModTime.IsZero() {
			tm = m.ModTime.UTC().Format(time.RFC3339)
		}
		var ids []string
		for id := range uniqueRules(m.Findings) {
			ids = append(ids, id)
		}
		sortStrings(ids)
		rec := []string{m.Path, m.Name, m.Queue, string(m.Format), strconv.FormatInt(m.Size, 10), m.SHA256, tm,
			model.Escape(m.Envelope.From), model.Escape(strings.Join(m.Envelope.To, " ")), model.Escape(string(m.Subject)),
			score(m.Score), m.TopClass().String(), strings.Join(ids, " "), m.Error}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// findingCSVHeader is the fixed column order of findings in CSV.
var findingCSVHeader = []string{"path", "rule", "class", "part", "offset", "evidence", "kb", "detail"}

// WriteFindingsCSV writes one row per finding.
func WriteFindingsCSV(w io.Writer, ms []*model.Message) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(findingCSVHeader); err != nil {
		return err
	}
	for _, m := range ms {
		for _, f := range m.Findings {
			if err := cw.Write([]string{m.Path, f.Rule, f.Class.String(), f.Part, strconv.FormatInt(f.Offset, 10),
				model.Escape(string(f.Evidence)), strings.Join(f.KB, " "), f.Detail}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
