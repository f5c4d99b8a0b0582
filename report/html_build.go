package report

import (
	"fmt"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// HTMLPlan lists what a replay would do with each message: hold the ones
// hold reports (the suspects, DESIGN.md section 4 item 5), replay the
// others. Held messages are always listed; at most maxReplay replayed
// ones are (0 = all), the rest counted in one line.
func HTMLPlan(ms []*model.Message, hold func(*model.Message) bool, maxReplay int) []HTMLPlanLine {
	var held, sent []HTMLPlanLine
	for _, m := range ms {
		l := HTMLPlanLine{Name: m.Name, Path: m.Path, Queue: m.Queue}
		switch {
		case hold(m):
			l.Action, l.Reason = "hold", holdReason(m)
			held = append(held, l)
		case m.Error != "":
			l.Action, l.Reason = "hold", "could not be read: "+m.Error
			held = append(held, l)
		default:
			l.Action = "replay"
			if c := m.TopClass(); c != model.ClassNone {
				l.Reason = "heaviest finding: " + c.String()
			}
			sent = append(sent, l)
		}
	}
	if maxReplay > 0 && len(sent) > maxReplay {
		more := len(sent) - maxReplay
		sent = append(sent[:maxReplay], HTMLPlanLine{Action: "replay", Name: fmt.Sprintf("… and %d more", more), Reason: "the full list: imsforensic replay --dry-run"})
	}
	return append(held, sent...)
}

func holdReason(m *model.Message) string {
	for _, f := range m.Findings {
		if f.Class == model.ClassCrash {
			return "crash finding " + f.Rule + ": held back unless named with --include-suspects"
		}
	}
	return "held back"
}

// HTMLTimelineOf draws events and file times; isCrash picks the red
// markers; suspects names the files to highlight (by path).
func HTMLTimelineOf(ms []*model.Message, events []model.Event, isCrash func(model.Event) bool, suspects map[string]bool) Timeline {
	var t Timeline
	for _, e := range events {
		if e.Time.IsZero() {
			continue
		}
		label := fmt.Sprintf("%s %d", e.Source, e.EventID)
		if e.SpoolFile != "" {
			label += " " + e.SpoolFile
		}
		t.Events = append(t.Events, TimelineEvent{Time: e.Time, Label: label, Crash: isCrash != nil && isCrash(e)})
	}
	for _, m := range ms {
		t.Files = append(t.Files, TimelineFile{Time: m.ModTime, Name: m.Name, Suspect: suspects[m.Path]})
	}
	return t
}

// EventKey identifies an event for matching the same event across lists
// (source, ID, time and origin).
func EventKey(e model.Event) string {
	return fmt.Sprintf("%s|%d|%s|%s", e.Source, e.EventID, e.Time.UTC().Format(time.RFC3339Nano), e.Origin)
}
