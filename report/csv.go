package report

import (
	"encoding/csv"
	"io"
	"strconv"
)

// csvWriter is encoding/csv's writer with every cell made safe to open in
// a spreadsheet. The admins this tool is for open CSV in Excel (KB Q163074
// does so with the tracking logs), and a cell that starts with "=", "+",
// "-", "@", a tab or a CR is a formula there (CSV or formula injection):
// a Subject of `=HYPERLINK(...)` or `=cmd|'/c calc'!A0` from a hostile
// sender would run on the admin's machine. Such a cell gets a leading "'"
// (what OWASP advises, and what Excel itself shows as text), except a
// plain number and a lone "-". JSON stays the exact record.
type csvWriter struct{ *csv.Writer }

func newCSVWriter(w io.Writer) csvWriter { return csvWriter{csv.NewWriter(w)} }

// Write writes one record, each cell through spreadsheetSafe; the caller's
// slice is not changed.
func (cw csvWriter) Write(record []string) error {
	var safe []string
	for i, c := range record {
		if s := spreadsheetSafe(c); s != c {
			if safe == nil {
				safe = append([]string(nil), record...)
			}
			safe[i] = s
		}
	}
	if safe != nil {
		record = safe
	}
	return cw.Writer.Write(record)
}

// spreadsheetSafe returns s with a leading "'" when a spreadsheet would
// read it as a formula.
func spreadsheetSafe(s string) string {
	if s == "" || s == "-" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
	default:
		return s
	}
	if s[0] == '+' || s[0] == '-' {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s // a number: a spreadsheet computes nothing from it
		}
	}
	return "'" + s
}
