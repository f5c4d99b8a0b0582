package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// WriteSimulation renders a simulate command's runs: as JSON Lines, each
// run's steps and summary with the verdict after the first run; as tables,
// each run under its title (titles[i]) with the verdict after the first,
// and a closing line when there was only the one run.
func WriteSimulation(w io.Writer, f Format, runs []SimulationRun, titles []string, verdict model.SimVerdict) error {
	for i, r := range runs {
		if f == JSON {
			if err := WriteSimulationJSON(w, r.Steps, r.Summary); err != nil {
				return err
			}
			if i == 0 {
				if err := WriteJSONRecord(w, verdict); err != nil {
					return err
				}
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := WriteSimulationTable(w, titles[i], r.Steps, r.Summary); err != nil {
			return err
		}
		if i == 0 {
			fmt.Fprintf(w, "Verdict: %s\n", verdict.Text)
		}
	}
	if f != JSON && len(runs) == 1 {
		if _, err := fmt.Fprintln(w, "\nNo message crashes the emulated store: nothing to hold back."); err != nil {
			return fmt.Errorf("simulate: write table: %w", err)
		}
	}
	return nil
}

// WriteSimulationJSON writes one run's steps and then its summary as JSON
// Lines.
func WriteSimulationJSON(w io.Writer, steps []model.SimStep, sum model.Simulation) error {
	enc := newJSONLines(w)
	for _, s := range steps {
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("simulate: write json: %w", err)
		}
	}
	if err := enc.Encode(sum); err != nil {
		return fmt.Errorf("simulate: write json: %w", err)
	}
	return nil
}

// WriteSimulationTable writes one run's timeline as a table for people,
// then its summary in one paragraph. Long runs of delivered messages are
// folded into one line ("delivered x 120") so the crash stays on screen.
func WriteSimulationTable(w io.Writer, title string, steps []model.SimStep, sum model.Simulation) error {
	if _, err := fmt.Fprintf(w, "%s\n", title); err != nil {
		return fmt.Errorf("simulate: write table: %w", err)
	}
	t := newTable(w, "TIME", "EVENT", "FILE", "DETAIL")
	for _, row := range foldSteps(steps) {
		if err := t.Append(row); err != nil {
			return fmt.Errorf("simulate: write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("simulate: write table: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%s\n", SimulationLine(sum)); err != nil {
		return fmt.Errorf("simulate: write table: %w", err)
	}
	return nil
}

// foldSteps turns steps into table rows; consecutive steps of a routine
// action (delivered, held, skipped, blocked) become one row when there
// are more than three.
func foldSteps(steps []model.SimStep) [][]string {
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
			rows = append(rows, []string{SimOffset(s.Offset), fmt.Sprintf("%s x %d", s.Action, n),
				clip(s.Name+" .. "+steps[j-1].Name, 40), text(s.Detail)})
			i = j
			continue
		}
		rows = append(rows, []string{SimOffset(s.Offset), string(s.Action), clip(s.Name, 40), text(detailWithEvents(s))})
		i++
	}
	return rows
}

func foldable(a model.SimAction) bool {
	switch a {
	case model.SimDelivered, model.SimHeld, model.SimSkipped, model.SimBlocked:
		return true
	}
	return false
}

// detailWithEvents appends the logged event IDs: "crash 1: ... [logs DrWatson 4097, MSExchangeIMC 3039 ...]".
func detailWithEvents(s model.SimStep) string {
	if len(s.Events) == 0 {
		return s.Detail
	}
	return s.Detail + " [logs " + strings.Join(eventIDs(s.Events), ", ") + "]"
}

// eventIDs names each logged event by source and ID ("DrWatson 4097").
func eventIDs(evs []model.LoggedEvent) []string {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = fmt.Sprintf("%s %d", e.Source, e.EventID)
	}
	return ids
}

// clip escapes s and shortens it to n runes, without the tab folding of
// cell: simulation details never hold tabs.
func clip(s string, n int) string { return cut(model.EscapeVisible(s), n) }

// SimOffset renders a simulated time offset as +H:MM:SS.
func SimOffset(d time.Duration) string {
	d = d.Round(time.Second)
	h := d / time.Hour
	m := (d % time.Hour) / time.Minute
	s := (d % time.Minute) / time.Second
	return fmt.Sprintf("+%d:%02d:%02d", h, m, s)
}

// SimulationLine says the outcome of a run in one sentence.
func SimulationLine(s model.Simulation) string {
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
