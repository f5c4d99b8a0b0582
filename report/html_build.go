package report

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// HTMLPlan shows replay's plan for ms: plan is what the replay planner
// decided (replay.Preview), one record per message. Held messages are
// always listed; at most maxReplay planned ones are (0 = all), the rest
// counted in one line. The report only words the plan: the hold-back rule
// is replay's.
func HTMLPlan(ms []*model.Message, plan []model.ReplayRecord, maxReplay int) []HTMLPlanLine {
	byPath := make(map[string]*model.Message, len(ms))
	for _, m := range ms {
		byPath[m.Path] = m
	}
	var held, sent []HTMLPlanLine
	for _, rec := range plan {
		m := byPath[rec.Path]
		if m == nil {
			m = &model.Message{Path: rec.Path, Name: filepath.Base(rec.Path)}
		}
		l := HTMLPlanLine{Name: m.Name, Path: m.Path, Queue: m.Queue, Reason: rec.Reason}
		switch {
		case rec.Action == model.ActionHold:
			l.Action = "hold"
			held = append(held, l)
		default:
			l.Action = "replay"
			switch c := m.TopClass(); {
			case m.Error != "":
				l.Reason = "could not be read: " + m.Error
			case c != model.ClassNone:
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

// maxHTMLSuspects bounds the suspects the HTML report shows in depth.
const maxHTMLSuspects = 25

// HTMLSuspects picks the suspects worth showing in depth (in rank order,
// not clean, at most 25) and asks full for each one's complete parse, for
// the MIME tree: the scan keeps slim messages. full may be nil; a parse
// that fails keeps the slim message and says why.
func HTMLSuspects(all []model.Suspect, full func(path string) (*model.Message, error)) []HTMLSuspect {
	var out []HTMLSuspect
	for _, s := range all {
		if s.Verdict == model.VerdictClean || len(out) == maxHTMLSuspects {
			break
		}
		hs := HTMLSuspect{Suspect: s, Message: s.Message}
		if full != nil {
			ref := s.Path
			if s.MboxOrdinal > 0 {
				ref = fmt.Sprintf("%s#%d", s.Path, s.MboxOrdinal) // inventory.ParseFile's mbox message form
			}
			m, err := full(ref)
			if m != nil {
				hs.Message = m
			}
			if err != nil {
				hs.ParseError = err.Error()
			}
		}
		out = append(out, hs)
	}
	return out
}

// TriageHTMLInput is what the triage report shows, computed before it.
type TriageHTMLInput struct {
	Inputs   []string
	Messages []*model.Message
	Events   []model.Event
	// CrashEvents are the events triage clustered into Crashes crashes;
	// DistinctEvents counts the events after de-duplication.
	CrashEvents    []model.Event
	Crashes        int
	DistinctEvents int
	Suspects       []HTMLSuspect // HTMLSuspects of the ranking
	Conclusions    []model.Conclusion
	Plan           []model.ReplayRecord // replay.Preview of Messages
	// Evidence is the accounting of every evidence file (format, events,
	// damaged, zone), as triage prints it; ClockNotes say how the times
	// were put on one clock (shown first among the conclusions).
	Evidence   []model.EvidenceFile
	ClockNotes []model.Conclusion
}

// TriageHTML lays out the triage report: summary, the incident timeline
// (crash clusters in red), the suspects with their MIME trees, the
// conclusions and replay's plan.
func TriageHTML(in TriageHTMLInput) HTMLReport {
	r := HTMLReport{Title: "imsforensic triage", Inputs: in.Inputs, Suspects: in.Suspects,
		Conclusions: append(append([]model.Conclusion(nil), in.ClockNotes...), in.Conclusions...)}
	crash := map[string]bool{}
	for _, e := range in.CrashEvents {
		crash[EventKey(e)] = true
	}
	marked := map[string]bool{}
	prime := 0
	for _, s := range r.Suspects {
		marked[s.Suspect.Path] = true
		if s.Suspect.Verdict == model.VerdictPrime {
			prime++
		}
	}
	r.Timeline = HTMLTimelineOf(in.Messages, in.Events, func(e model.Event) bool { return crash[EventKey(e)] }, marked)
	crashMsgs := 0
	for _, m := range in.Messages {
		if m.TopClass() == model.ClassCrash {
			crashMsgs++
		}
	}
	top := "none"
	if len(r.Suspects) > 0 {
		top = r.Suspects[0].Suspect.Name
	}
	r.Summary = []HTMLFact{
		{Label: "messages", Value: strconv.Itoa(len(in.Messages))},
		{Label: "distinct events", Value: strconv.Itoa(in.DistinctEvents)},
		{Label: "crashes", Value: strconv.Itoa(in.Crashes), Alarm: in.Crashes > 0},
		{Label: "prime suspects", Value: strconv.Itoa(prime), Alarm: prime > 0},
		{Label: "with a crash finding", Value: strconv.Itoa(crashMsgs), Alarm: crashMsgs > 0},
		{Label: "rank 1", Value: top, Alarm: top != "none"},
	}
	r.Summary = append(r.Summary, evidenceFacts(in.Evidence)...)
	r.Plan = HTMLPlan(in.Messages, in.Plan, 50)
	r.PlanNote = "Messages with a crash finding are held back (DESIGN.md 4.5); replay the rest with imsforensic replay PATH --to imcdata:DIR, and check first with imsforensic simulate."
	return r
}

// SimulationRun is one simulation run, as simulate.Run returned it.
type SimulationRun struct {
	Steps   []model.SimStep
	Summary model.Simulation
}

// SimulationHTMLInput is what the simulation report shows, computed
// before it.
type SimulationHTMLInput struct {
	Inputs      []string
	Messages    []*model.Message
	Runs        []SimulationRun
	Suspects    []HTMLSuspect // HTMLSuspects of a ranking without evidence
	Conclusions []model.Conclusion
	Plan        []model.ReplayRecord // replay.Preview of Messages
}

// maxHTMLSteps is how many steps the report lists before it leaves out
// the routine ones (delivered, blocked).
const maxHTMLSteps = 400

// SimulationHTML lays out the simulation report: each run's counts, the
// simulated events on the timeline, both runs' steps, the suspects and
// replay's plan.
func SimulationHTML(in SimulationHTMLInput) HTMLReport {
	r := HTMLReport{Title: "imsforensic simulation", Inputs: in.Inputs, Suspects: in.Suspects, Conclusions: in.Conclusions}
	for _, run := range in.Runs {
		s := run.Summary
		label := "as is"
		if s.Run == model.RunHeld {
			label = "suspects held"
		}
		r.Summary = append(r.Summary,
			HTMLFact{Label: label + ": delivered", Value: strconv.Itoa(s.Delivered)},
			HTMLFact{Label: label + ": crashes", Value: strconv.Itoa(s.Crashes), Alarm: s.Crashes > 0},
			HTMLFact{Label: label + ": stuck", Value: strconv.Itoa(s.Stuck), Alarm: !s.Drained},
			HTMLFact{Label: label + ": queue", Value: map[bool]string{true: "drains", false: "crash loop"}[s.Drained], Alarm: !s.Drained})
		for _, st := range run.Steps {
			crash := st.Action == model.SimCrash
			row := HTMLStep{Run: string(st.Run), Offset: SimOffset(st.Offset), Action: string(st.Action), File: st.Name, Detail: st.Detail,
				Alarm: crash || st.Action == model.SimCrashLoop, Events: eventIDs(st.Events)}
			if len(st.Events) == 0 {
				row.Events = nil
			}
			if s.Run == model.RunAsIs {
				for _, id := range row.Events {
					r.Timeline.Events = append(r.Timeline.Events, TimelineEvent{Time: st.Time, Label: id + " " + st.Name, Crash: crash})
				}
			}
			if st.Action != model.SimDelivered && st.Action != model.SimBlocked || len(r.Steps) < maxHTMLSteps {
				r.Steps = append(r.Steps, row)
			}
		}
	}
	marked := map[string]bool{}
	for _, s := range r.Suspects {
		marked[s.Suspect.Path] = true
	}
	for _, m := range in.Messages {
		r.Timeline.Files = append(r.Timeline.Files, TimelineFile{Time: m.ModTime, Name: m.Name, Suspect: marked[m.Path]})
	}
	r.Plan = HTMLPlan(in.Messages, in.Plan, 50)
	r.PlanNote = "Suspects are held back; every other message is replayed (imsforensic replay PATH --to imcdata:DIR)."
	return r
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
