package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// WriteMessages renders the scan result set.
func WriteMessages(w io.Writer, f Format, ms []*model.Message) error {
	switch f {
	case JSON:
		enc := newJSONLines(w)
		for _, m := range ms {
			if err := enc.Encode(model.NewMessageRecord(m)); err != nil {
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
	t := newTable(w, "QUEUE", "NAME", "SIZE", "TIME", "FROM", "RCPT", "SUBJECT", "SCORE", "FINDINGS").yieldFirst(4, 6)
	for _, m := range ms {
		tm := ""
		if !m.ModTime.IsZero() {
			tm = m.ModTime.UTC().Format("2006-01-02 15:04")
		}
		find := topFindings(m.Findings, 3)
		if m.Error != "" {
			find = "error: " + m.Error
		}
		if err := t.Append([]string{m.Queue, cell(m.Name, 24), size(m.Size), tm, cell(m.Envelope.From, 60),
			strconv.Itoa(len(m.Envelope.To)), cell(string(m.DisplaySubject()), 48), score(m.Score), textLines(find)}); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// messageCSVHeader is the fixed CSV column order.
var messageCSVHeader = []string{"path", "name", "queue", "format", "size", "sha256", "mtime", "from", "to", "subject", "score", "class", "rules", "error", "subject_decoded"}

func writeMessagesCSV(w io.Writer, ms []*model.Message) error {
	cw := newCSVWriter(w)
	if err := cw.Write(messageCSVHeader); err != nil {
		return err
	}
	for _, m := range ms {
		if err := cw.Write(messageCSVRow(m)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// messageCSVRow is one message in messageCSVHeader's columns.
func messageCSVRow(m *model.Message) []string {
	tm := ""
	if !m.ModTime.IsZero() {
		tm = m.ModTime.UTC().Format(time.RFC3339)
	}
	var ids []string
	for id := range uniqueRules(m.Findings) {
		ids = append(ids, id)
	}
	sortStrings(ids)
	return []string{model.EscapeVisible(m.Path), model.EscapeVisible(m.Name), m.Queue, string(m.Format), strconv.FormatInt(m.Size, 10), m.SHA256, tm,
		model.EscapeVisible(m.Envelope.From), model.EscapeVisible(strings.Join(m.Envelope.To, " ")), model.EscapeVisible(string(m.Subject)),
		score(m.Score), m.TopClass().String(), strings.Join(ids, " "), model.EscapeVisible(m.Error), model.EscapeVisible(string(m.SubjectDecoded))}
}

// findingCSVHeader is the fixed column order of findings in CSV.
var findingCSVHeader = []string{"path", "rule", "class", "part", "offset", "evidence", "kb", "detail"}

// WriteFindingsCSV writes one row per finding.
func WriteFindingsCSV(w io.Writer, ms []*model.Message) error {
	cw := newCSVWriter(w)
	if err := cw.Write(findingCSVHeader); err != nil {
		return err
	}
	for _, m := range ms {
		for _, f := range m.Findings {
			if err := cw.Write([]string{model.EscapeVisible(m.Path), f.Rule, f.Class.String(), f.Part, strconv.FormatInt(f.Offset, 10),
				model.EscapeVisible(string(f.Evidence)), strings.Join(f.KB, " "), f.Detail}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
