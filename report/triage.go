package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// WriteTriage renders the triage result set: the suspects in rank order,
// then the conclusions about the incident. In the table, top > 0 shows
// only the first top suspects (and says how many were left out); JSON
// Lines and CSV always carry every suspect, since scripts need them all.
func WriteTriage(w io.Writer, f Format, suspects []model.Suspect, conclusions []model.Conclusion, top int) error {
	switch f {
	case JSON:
		return writeTriageJSON(w, suspects, conclusions)
	case CSV:
		return writeTriageCSV(w, suspects, conclusions)
	}
	return writeTriageTable(w, suspects, conclusions, top)
}

// triageReasonsShown is how many reasons a table row abbreviates; the
// rest are counted.
const triageReasonsShown = 3

func writeTriageTable(w io.Writer, suspects []model.Suspect, conclusions []model.Conclusion, top int) error {
	shown := suspects
	if top > 0 && len(shown) > top {
		shown = shown[:top]
	}
	if len(shown) > 0 { // no empty table: the inputs not read are listed on stderr
		t := newTable(w, "RANK", "QUEUE", "NAME", "SCORE", "VERDICT", "REASONS")
		for _, s := range shown {
			if err := t.Append([]string{strconv.Itoa(s.Rank), s.Queue, cell(s.Name, 24), score(s.Score), string(s.Verdict), abbreviateReasons(s.Reasons)}); err != nil {
				return fmt.Errorf("write table: %w", err)
			}
		}
		if err := t.Render(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if left := len(suspects) - len(shown); left > 0 {
		if _, err := fmt.Fprintf(w, "(%d more not shown: --top 0 shows all, --format json prints every reason)\n", left); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	var tot Totals
	for _, s := range suspects {
		if s.Message != nil {
			tot.Add(s.Message)
		}
	}
	if tot.Messages > 0 { // suspects built without their messages (tests) have none
		if _, err := fmt.Fprintln(w, tot.String()); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if len(conclusions) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nConclusions:\n")
	for _, c := range conclusions {
		line := model.EscapeVisible(c.Text)
		if len(c.KB) > 0 {
			line += " [" + strings.Join(c.KB, " ") + "]"
		}
		// Wrapped to the table width like the table, with a hanging indent.
		wrapped := line
		if w := int(tableWidth.Load()); w > 0 {
			wrapped = wrapText(line, max(w-2, 20))
		}
		b.WriteString("- " + strings.ReplaceAll(wrapped, "\n", "\n  ") + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// abbreviateReasons keeps the heaviest reasons, one a line and each whole
// (the table wraps them): "event: named by MSExchangeIMC 4117 at ...",
// "rule: blank-charset (crash, Q278320 Q293288)", then "+N" for the rest.
func abbreviateReasons(rs []model.Reason) string {
	var parts []string
	for i, r := range rs {
		if i == triageReasonsShown {
			parts = append(parts, fmt.Sprintf("(+%d more; --format json lists all)", len(rs)-i))
			break
		}
		parts = append(parts, r.Kind+": "+text(shortReason(r.Detail)))
	}
	return strings.Join(parts, "\n")
}

// shortReason keeps the head of a reason's detail, where triage puts
// what it is ("blank-charset (crash, Q278320 Q293288)", "named by
// MSExchangeIMC 4117 at ...", "51s before the crash"), and drops the
// place it was read from, which the JSON and CSV keep.
func shortReason(d string) string {
	d = strings.TrimPrefix(d, "rule ")
	if i := strings.Index(d, " at offset "); i > 0 {
		return d[:i]
	}
	if i := strings.Index(d, " is "); i > 0 && strings.HasPrefix(d, "file time ") {
		d = d[i+4:]
	}
	if i := strings.Index(d, " ("); i > 0 {
		d = d[:i]
	}
	return d
}

func writeTriageJSON(w io.Writer, suspects []model.Suspect, conclusions []model.Conclusion) error {
	enc := newJSONLines(w)
	for _, s := range suspects {
		rec := s
		rec.Type, rec.Schema = model.TypeSuspect, model.SchemaVersion
		rec.Reasons = make([]model.Reason, 0, len(s.Reasons))
		for _, r := range s.Reasons {
			r.Detail = model.Escape(r.Detail)
			rec.Reasons = append(rec.Reasons, r)
		}
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	for _, c := range conclusions {
		c.Type, c.Schema, c.Text = model.TypeConclusion, model.SchemaVersion, model.Escape(c.Text)
		if c.KB == nil {
			c.KB = []string{}
		}
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	return nil
}

// triageCSVHeader is the fixed CSV column order. Suspect rows come first,
// in rank order; conclusion rows follow with their text in "reasons".
// Reasons are "kind: detail (weight)" joined by " | ".
var triageCSVHeader = []string{"type", "rank", "path", "name", "queue", "score", "verdict", "reasons", "kb"}

func writeTriageCSV(w io.Writer, suspects []model.Suspect, conclusions []model.Conclusion) error {
	cw := newCSVWriter(w)
	if err := cw.Write(triageCSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, s := range suspects {
		rs := make([]string, 0, len(s.Reasons))
		for _, r := range s.Reasons {
			rs = append(rs, fmt.Sprintf("%s: %s (%s)", r.Kind, model.EscapeVisible(r.Detail), score(r.Weight)))
		}
		if err := cw.Write([]string{"suspect", strconv.Itoa(s.Rank), model.EscapeVisible(s.Path), model.EscapeVisible(s.Name), s.Queue, score(s.Score), string(s.Verdict), strings.Join(rs, " | "), ""}); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	for _, c := range conclusions {
		if err := cw.Write([]string{"conclusion", "", "", "", "", "", "", model.EscapeVisible(c.Text), strings.Join(c.KB, " ")}); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
