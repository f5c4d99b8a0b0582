package simulate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/imsforensic/imsforensic/model"
)

// WriteJSON writes the steps and then the summary as JSON Lines.
func WriteJSON(w io.Writer, r Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, s := range r.Steps {
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("simulate: write json: %w", err)
		}
	}
	if err := enc.Encode(r.Summary); err != nil {
		return fmt.Errorf("simulate: write json: %w", err)
	}
	return nil
}

// WriteTable writes the timeline as a table for people, then the summary
// in one paragraph. Long runs of delivered messages are folded into one
// line ("delivered x 120") so the crash stays on screen.
func WriteTable(w io.Writer, title string, r Result) error {
	if _, err := fmt.Fprintf(w, "%s\n", title); err != nil {
		return fmt.Errorf("simulate: write table: %w", err)
	}
	cfg := tablewriter.NewConfigBuilder().
		WithHeaderAutoFormat(tw.Off).
		WithHeaderAlignment(tw.AlignLeft).
		WithRowAutoWrap(tw.WrapNone).
		WithHeaderAutoWrap(tw.WrapNone).
		WithRowAlignment(tw.AlignLeft).
		Build()
	t := tablewriter.NewTable(w, tablewriter.WithConfig(cfg),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})))
	t.Header("TIME", "EVENT", "FILE", "DETAIL")
	for _, row := range foldRows(r.Steps) {
		if err := t.Append(row); err != nil {
			return fmt.Errorf("simulate: write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("simulate: write table: %w", err)
	}
	_, err := fmt.Fprintf(w, "%s\n", SummaryLine(r.Summary))
	if err != nil {
		return fmt.Errorf("simulate: write table: %w", err)
	}
	return nil
}

// foldRows turns steps into table rows; consecutive steps of a routine
// action (delivered, held, skipped, blocked) become one row when there
// are more than three.
func foldRows(steps []Step) [][]string {
	var rows [][]string
	for i := 0; i < len(steps); {
		s := steps[i]
		j := i + 1
		if foldable(s.Action) {
			for j < len(steps) && steps[j].Action == s.Action {
				j++
			}
		}
		if n := j - i; n > 3 {
			rows = append(rows, []string{Offset(s.Offset), fmt.Sprintf("%s x %d", s.Action, n),
				clip(s.Name+" .. "+steps[j-1].Name, 40), clip(s.Detail, 90)})
			i = j
			continue
		}
		rows = append(rows, []string{Offset(s.Offset), s.Action, clip(s.Name, 40), clip(detailWithEvents(s), 120)})
		i++
	}
	return rows
}

func foldable(action string) bool {
	switch action {
	case ActionDelivered, ActionHeld, ActionSkipped, ActionBlocked:
		return true
	}
	return false
}

// detailWithEvents appends the logged event IDs: "crash 1: ... [DrWatson 4097, MSExchangeIMC 3039 ...]".
func detailWithEvents(s Step) string {
	if len(s.Events) == 0 {
		return s.Detail
	}
	ids := make([]string, len(s.Events))
	for i, e := range s.Events {
		ids[i] = fmt.Sprintf("%s %d", e.Source, e.EventID)
	}
	return s.Detail + " [logs " + strings.Join(ids, ", ") + "]"
}

func clip(s string, n int) string {
	s = model.Escape(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Offset renders a simulated time offset as +H:MM:SS.
func Offset(d time.Duration) string {
	d = d.Round(time.Second)
	h := d / time.Hour
	m := (d % time.Hour) / time.Minute
	s := (d % time.Minute) / time.Second
	return fmt.Sprintf("+%d:%02d:%02d", h, m, s)
}

// SummaryLine says the outcome of a run in one sentence.
func SummaryLine(s Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d message(s): %d delivered, %d crash(es), %d restart(s), %d archived, %d stuck, %d returned, %d held",
		s.Run, s.Messages, s.Delivered, s.Crashes, s.Restarts, s.Archived, s.Stuck, s.Returned, s.Held)
	if s.Poisoned > 0 {
		fmt.Fprintf(&b, ", %d poison", s.Poisoned)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", s.Skipped)
	}
	if s.Drained {
		b.WriteString(". The queue drains.")
	} else {
		fmt.Fprintf(&b, ". Crash loop on %s: %d message(s) stuck behind it.", s.LoopFile, s.Blocked-1)
	}
	return b.String()
}
