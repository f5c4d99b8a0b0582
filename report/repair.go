package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// CleanRepairRecord is the repair record of a message the scan found
// nothing to repair in (no crash- or stall-class finding).
func CleanRepairRecord(m *model.Message) model.RepairRecord {
	return model.RepairRecord{Type: model.TypeRepair, Schema: model.SchemaVersion, Path: model.Escape(m.Path), Status: model.RepairClean,
		SHA256Before: m.SHA256, Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}
}

// WriteRepairs renders repair's records, one per input.
func WriteRepairs(w io.Writer, f Format, recs []model.RepairRecord) error {
	switch f {
	case JSON:
		return writeJSONLines(w, recs)
	case CSV:
		return writeRepairsCSV(w, recs)
	}
	return writeRepairsTable(w, recs)
}

// writeJSONLines writes one record per line, HTML characters unescaped.
func writeJSONLines[T any](w io.Writer, recs []T) error {
	enc := newJSONLines(w)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	return nil
}

// changedRules lists the rules of the changes, each once, in order.
func changedRules(cs []model.RepairChange) string {
	var ids []string
	for _, c := range cs {
		if len(ids) == 0 || ids[len(ids)-1] != c.Rule {
			ids = append(ids, c.Rule)
		}
	}
	return strings.Join(ids, " ")
}

// leftRules lists each remaining rule once with its reason.
func leftRules(rs []model.RepairRemaining) string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.Rule] {
			seen[r.Rule] = true
			out = append(out, r.Rule+": "+r.Reason)
		}
	}
	return strings.Join(out, "; ")
}

func writeRepairsTable(w io.Writer, recs []model.RepairRecord) error {
	t := newTable(w, "PATH", "STATUS", "CHANGES", "LEFT", "COPY")
	clean := 0
	for _, r := range recs {
		if r.Status == model.RepairClean {
			clean++
			continue
		}
		left := leftRules(r.Remaining)
		if r.Error != "" {
			left = "error: " + r.Error
		}
		changes := "0" // not "0 ()": a not-repairable file has no change to name
		if len(r.Changes) > 0 {
			changes = fmt.Sprintf("%d (%s)", len(r.Changes), changedRules(r.Changes))
		}
		if err := t.Append(r.Path, r.Status, changes, left, r.Out); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d input(s): %d repaired, %d not repairable, %d clean (nothing to repair), %d error(s)\n",
		len(recs), countStatus(recs, model.RepairRepaired), countStatus(recs, model.RepairNotRepairable), clean, countStatus(recs, model.RepairError))
	return err
}

func countStatus(recs []model.RepairRecord, s string) int {
	n := 0
	for _, r := range recs {
		if r.Status == s {
			n++
		}
	}
	return n
}

func writeRepairsCSV(w io.Writer, recs []model.RepairRecord) error {
	cw := newCSVWriter(w)
	if err := cw.Write([]string{"path", "status", "sha256_before", "sha256_after", "out", "changes", "changed_rules", "remaining", "error"}); err != nil {
		return err
	}
	for _, r := range recs {
		if err := cw.Write([]string{r.Path, r.Status, r.SHA256Before, r.SHA256After, r.Out, strconv.Itoa(len(r.Changes)),
			changedRules(r.Changes), leftRules(r.Remaining), r.Error}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// RepairLine says in one line what repair does to a message, for the HTML
// report's suspect cards: "repairable: blank-charset -> us-ascii", or "not
// repairable: RULE: reason"; "" when there is nothing to repair.
func RepairLine(r model.RepairRecord) string {
	switch r.Status {
	case model.RepairRepaired:
		var parts []string
		seen := map[string]bool{}
		for _, c := range r.Changes {
			if seen[c.Rule] {
				continue
			}
			seen[c.Rule] = true
			what := string(c.After)
			if what == "" || len(what) > 24 || strings.ContainsAny(what, "\r\n") {
				what = c.Note
			}
			parts = append(parts, c.Rule+" -> "+model.EscapeVisible(what))
		}
		line := "repairable: " + strings.Join(parts, "; ")
		if left := leftRules(r.Remaining); left != "" {
			line += " (left: " + left + ")"
		}
		return line
	case model.RepairNotRepairable:
		return "not repairable: " + leftRules(r.Remaining)
	}
	return ""
}
