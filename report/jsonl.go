package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSONRecord writes one record as a JSON Lines line, HTML characters
// left as they are (the records are read by programs, not browsers).
func WriteJSONRecord(w io.Writer, rec any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
