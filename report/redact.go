package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// WriteRedacts renders redact's records, one per input.
func WriteRedacts(w io.Writer, f Format, recs []model.RedactRecord) error {
	switch f {
	case JSON:
		return writeJSONLines(w, recs)
	case CSV:
		return writeRedactsCSV(w, recs)
	}
	return writeRedactsTable(w, recs)
}

// WriteRedactMap writes the --map file: one word and its placeholder a
// line (JSON Lines).
func WriteRedactMap(w io.Writer, ms []model.RedactMapping) error { return writeJSONLines(w, ms) }

func changedFindings(cs []model.RedactChange) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Rule+" "+c.Change)
	}
	return strings.Join(out, ", ")
}

func leftText(ls []model.RedactLeft) string {
	var out []string
	for _, l := range ls {
		why := "unexplained"
		if l.Rule != "" {
			why = "kept for " + l.Rule
		}
		out = append(out, fmt.Sprintf("%s (%s)", model.EscapeVisible(string(l.Word)), why))
	}
	return strings.Join(out, ", ")
}

func writeRedactsTable(w io.Writer, recs []model.RedactRecord) error {
	t := newTable(w, "PATH", "STATUS", "RULES", "CHANGED", "LEFT", "COPY")
	counts := map[string]int{}
	for _, r := range recs {
		counts[r.Status]++
		changed := changedFindings(r.Changed)
		if r.Error != "" {
			changed = "error: " + r.Error
		}
		if err := t.Append(r.Path, r.Status, strings.Join(r.Rules, " "), changed, leftText(r.Left), r.Out); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d input(s): %d redacted, %d kept words for a finding, %d finding changed, %d not safe (no copy), %d error(s)\n",
		len(recs), counts[model.RedactRedacted], counts[model.RedactKeptForFinding], counts[model.RedactFindingChanged], counts[model.RedactNotSafe], counts[model.RedactError])
	return err
}

func writeRedactsCSV(w io.Writer, recs []model.RedactRecord) error {
	cw := newCSVWriter(w)
	if err := cw.Write([]string{"path", "status", "sha256_before", "sha256_after", "out", "rules", "changed", "left", "error"}); err != nil {
		return err
	}
	for _, r := range recs {
		if err := cw.Write([]string{r.Path, r.Status, r.SHA256Before, r.SHA256After, r.Out, strings.Join(r.Rules, " "),
			changedFindings(r.Changed), leftText(r.Left), r.Error}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
