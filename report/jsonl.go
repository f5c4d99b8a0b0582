package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// newJSONLines is the one JSON Lines encoder of every renderer: one
// record per line, HTML characters left as they are (the records are read
// by programs, not browsers, and "RCPT <a@b>" should read as written).
func newJSONLines(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// WriteJSONRecord writes one record as a JSON Lines line.
func WriteJSONRecord(w io.Writer, rec any) error {
	enc := newJSONLines(w)
	if err := enc.Encode(rec); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
