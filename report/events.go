package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// WriteEvents renders the evidence timeline of `imsforensic events`: the
// accounting of every file (format, events, damaged, zone, first, last),
// then every event in time order, then the notes about the clock.
//
//   - JSON Lines: one "evidence" record per file, one "event" record per
//     event (model.Event's JSON form), one "conclusion" per note.
//   - CSV: one row per event, eventsCSVHeader's columns.
//   - table: the files table, the events table, the notes.
func WriteEvents(w io.Writer, f Format, files []model.EvidenceFile, events []model.Event, notes []model.Conclusion) error {
	switch f {
	case JSON:
		return writeEventsJSON(w, files, events, notes)
	case CSV:
		return writeEventsCSV(w, events)
	}
	if err := WriteEvidenceFiles(w, files); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if err := writeEventsTable(w, events); err != nil {
		return err
	}
	return writeNotes(w, notes)
}

func writeEventsJSON(w io.Writer, files []model.EvidenceFile, events []model.Event, notes []model.Conclusion) error {
	enc := newJSONLines(w)
	for _, f := range files {
		if err := enc.Encode(f); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	for _, c := range notes {
		c.Type, c.Schema, c.Text = "conclusion", model.SchemaVersion, model.Escape(c.Text)
		if c.KB == nil {
			c.KB = []string{}
		}
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	return nil
}

// eventsCSVHeader is the fixed CSV column order; strings are joined by
// " | ", data is hex.
var eventsCSVHeader = []string{"path", "format", "record", "offset", "time", "time_zone", "source", "id", "event_type",
	"category", "computer", "user", "strings", "data", "spool_file", "faulting_function", "app", "message"}

func writeEventsCSV(w io.Writer, events []model.Event) error {
	cw := newCSVWriter(w)
	if err := cw.Write(eventsCSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, e := range events {
		strs := make([]string, len(e.Strings))
		for i, s := range e.Strings {
			strs[i] = model.EscapeVisible(string(s))
		}
		data, _ := e.Data.MarshalText()
		row := []string{model.EscapeVisible(e.Path), e.Format, record(e), strconv.FormatInt(e.Offset, 10), eventTime(e.Time, time.RFC3339Nano), e.TimeZone,
			model.EscapeVisible(e.Source), eventID(e), e.Level, model.EscapeVisible(e.Category), model.EscapeVisible(e.Computer), model.EscapeVisible(e.User),
			strings.Join(strs, " | "), string(data), e.SpoolFile, e.FaultingFunction, model.EscapeVisible(e.Application), model.EscapeVisible(string(e.Message))}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// WriteEvidenceFiles writes the per-file accounting as a table: every
// evidence file, how it was read, how many events it gave, how many
// records were damaged, and the zone its times are in. triage prints it
// too, so an admin sees at a glance that every file was read.
func WriteEvidenceFiles(w io.Writer, files []model.EvidenceFile) error {
	t := newTable(w, "FILE", "FORMAT", "EVENTS", "DAMAGED", "ZONE", "FIRST (UTC)", "LAST (UTC)", "NOTE")
	for _, f := range files {
		format := f.Format
		if format == "" {
			format = "-"
		}
		note := f.Error
		if note == "" && len(f.Warnings) > 0 {
			note = f.Warnings[0]
			if len(f.Warnings) > 1 {
				note += fmt.Sprintf(" (+%d)", len(f.Warnings)-1)
			}
		}
		row := []string{cell(filepath.Base(f.Path), 32), format, strconv.Itoa(f.Events), strconv.Itoa(f.Damaged), cell(f.TimeZone, 20),
			eventTime(f.First.UTC(), "2006-01-02 15:04:05"), eventTime(f.Last.UTC(), "2006-01-02 15:04:05"), text(note)}
		if err := t.Append(row); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

func writeEventsTable(w io.Writer, events []model.Event) error {
	t := newTable(w, "TIME", "ZONE", "FILE", "REC", "SOURCE", "ID", "TYPE", "DETAIL")
	for _, e := range events {
		row := []string{eventTime(e.Time, "2006-01-02 15:04:05 -07:00"), cell(e.TimeZone, 20), cell(filepath.Base(e.Path), 24), recordOrLine(e),
			cell(e.Source, 24), eventID(e), e.Level, cell(eventDetail(e), 400)}
		if err := t.Append(row); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// writeNotes writes the clock notes and warnings under a table.
func writeNotes(w io.Writer, notes []model.Conclusion) error {
	if len(notes) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nNotes:\n")
	for _, c := range notes {
		b.WriteString("- " + model.EscapeVisible(c.Text) + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// eventDetail is the one line that says what an event is about: the
// file it names, the faulting function, the envelope, the strings.
func eventDetail(e model.Event) string {
	var parts []string
	if e.SpoolFile != "" {
		parts = append(parts, "file "+e.SpoolFile)
	}
	if e.Application != "" {
		parts = append(parts, "app "+e.Application)
	}
	if e.FaultingFunction != "" {
		parts = append(parts, "function "+e.FaultingFunction)
	}
	if e.MailFrom != "" || len(e.RcptTo) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s -> %s", e.Category, e.MailFrom, strings.Join(e.RcptTo, ",")))
	}
	if e.Status != "" {
		parts = append(parts, "status "+e.Status)
	}
	if len(parts) == 0 {
		for _, s := range e.Strings {
			parts = append(parts, strings.Join(strings.Fields(string(s)), " "))
		}
	}
	if len(parts) == 0 && e.Message != "" {
		parts = append(parts, strings.Join(strings.Fields(string(e.Message)), " "))
	}
	if e.Recovered {
		parts = append([]string{"(recovered from slack)"}, parts...)
	}
	return strings.Join(parts, "; ")
}

func eventTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(layout)
}

func record(e model.Event) string {
	if e.Record == 0 {
		return ""
	}
	return strconv.FormatUint(e.Record, 10)
}

// recordOrLine is "#57" for a binary record, ":34" for a text line.
func recordOrLine(e model.Event) string {
	switch {
	case e.Record != 0:
		return "#" + strconv.FormatUint(e.Record, 10)
	case e.Line != 0:
		return ":" + strconv.Itoa(e.Line)
	}
	return ""
}

func eventID(e model.Event) string {
	if e.EventID == 0 && e.Kind != "eventlog" {
		return ""
	}
	return strconv.FormatUint(uint64(e.EventID), 10)
}

// WriteTriageEvidence writes how triage's evidence was read: in the
// table, ahead of the suspects (before), the clock warning or note and the
// files table; in JSON Lines, after the suspects and conclusions (so the
// first record stays rank 1), one "evidence" record per file and the clock
// notes as conclusions. CSV, one table of suspects, carries none of it
// (the warnings go to stderr).
func WriteTriageEvidence(w io.Writer, f Format, files []model.EvidenceFile, notes []model.Conclusion, before bool) error {
	switch {
	case f == CSV || len(files) == 0 && len(notes) == 0:
		return nil
	case f == JSON:
		if before {
			return nil
		}
		return writeEventsJSON(w, files, nil, notes)
	case !before:
		return nil
	}
	var b strings.Builder
	for _, c := range notes {
		b.WriteString(model.EscapeVisible(c.Text) + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if len(files) > 0 {
		if err := WriteEvidenceFiles(w, files); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
