package report

import (
	"fmt"
	"strings"
)

// Format is an output format.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
	CSV   Format = "csv"
)

// ParseFormat reads a --format value. Unknown formats are an error (the
// caller maps it to exit 2).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case Table, JSON, CSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want table, json or csv)", s)
}
