package report

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
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
		if abs, err := filepath.Abs(m.Path); err == nil {
			byPath[abs] = m // a dry run's records carry absolute paths
		}
	}
	var held, sent []HTMLPlanLine
	for _, rec := range plan {
		m := byPath[rec.Path]
		if m == nil {
			m = model.NewMessage()
			m.Path, m.Name = rec.Path, filepath.Base(rec.Path)
		}
		l := HTMLPlanLine{Name: m.Name, Path: m.Path, Queue: m.Queue, Reason: rec.Reason}
		switch {
		case rec.Action == model.ActionHold:
			l.Action = "hold"
			held = append(held, l)
		case rec.Action == model.ActionSkip || rec.Action == model.ActionRefuse:
			// The target already holds it, or cannot take it: listed
			// with the holds, since it will not be replayed either.
			l.Action = string(rec.Action)
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

// HTMLPlanInput is replay's plan for the report: the records of its
// planner (a dry run against Target when one was given, else
// replay.Preview) and the command that carries it out.
type HTMLPlanInput struct {
	Records []model.ReplayRecord
	Command string
	// Target is the replay target the plan was made against ("" = none
	// given: the command has a placeholder).
	Target string
	// QueueDat is true when the target's Queue.dat exists, so the
	// command carries --queue-dat rename.
	QueueDat bool
}

// TriageHTMLInput is what the triage report shows, computed before it.
type TriageHTMLInput struct {
	Inputs   []string
	Messages []*model.Message
	Events   []model.Event
	// Evidence is the accounting of every evidence file; ClockNote how
	// their times were put on one clock; Zone the axis's zone.
	Evidence  []model.EvidenceFile
	ClockNote string
	Zone      *time.Location
	// CrashEvents are the events triage clustered into Crashes crashes;
	// DistinctEvents counts the events after de-duplication.
	CrashEvents    []model.Event
	Crashes        int
	DistinctEvents int
	Suspects       []HTMLSuspect // HTMLSuspects of the ranking
	Conclusions    []model.Conclusion
	Plan           HTMLPlanInput
}

// TriageHTML lays out the triage report: summary, the incident timeline
// (crash clusters in red), the suspects with their MIME trees, the
// conclusions and replay's plan.
func TriageHTML(in TriageHTMLInput) HTMLReport {
	r := HTMLReport{Title: "imsforensic triage", Inputs: in.Inputs, Suspects: in.Suspects, Conclusions: in.Conclusions}
	prime := 0
	for _, s := range r.Suspects {
		if s.Suspect.Verdict == model.VerdictPrime {
			prime++
		}
	}
	r.Timeline = incidentTimeline(in.Messages, in.Events, in.CrashEvents, r.Suspects)
	r.Timeline.Zone = in.Zone
	r.Evidence, r.ClockNote = in.Evidence, in.ClockNote
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
	r.Plan, r.PlanNote, r.PlanCommand = planOf(in.Messages, in.Plan)
	return r
}

// planOf words replay's plan: its lines, a note on where it comes from
// and the command.
func planOf(ms []*model.Message, p HTMLPlanInput) ([]HTMLPlanLine, string, string) {
	planned, held, other := 0, 0, 0
	for _, rec := range p.Records {
		switch rec.Action {
		case model.ActionPlan:
			planned++
		case model.ActionHold:
			held++
		default:
			other++
		}
	}
	counts := fmt.Sprintf("%d message(s) replayed, %d held back", planned, held)
	if other > 0 {
		counts += fmt.Sprintf(", %d skipped or refused by the target", other)
	}
	note := "replay's own plan (the planner of imsforensic replay, without a target): " + counts + ": replay holds back every message with a crash finding unless it is named with --include-suspects. Run the command with --dry-run against the real target first; pass --plan-to TARGET to put that dry run in this report."
	if p.Target != "" {
		note = fmt.Sprintf("replay's own plan, a dry run of imsforensic replay against %s: %s (every message with a crash finding is held back unless named with --include-suspects).", model.EscapeVisible(p.Target), counts)
		if p.QueueDat {
			note += " Queue.dat exists there, so the command renames it to Queue.old first (KB Q312443)."
		}
	}
	return HTMLPlan(ms, p.Records, 50), note, p.Command
}

// incidentTimeline is the evidence on the time axis: crashEvents (the
// events triage clustered into crashes) and the errors naming rank 1 (IS
// 12007, 4117, 4182: what the admin looks for in the log) as crash marks,
// the suspects' file times highlighted, rank 1's most.
func incidentTimeline(ms []*model.Message, events, crashEvents []model.Event, suspects []HTMLSuspect) Timeline {
	crash := map[string]bool{}
	for _, e := range crashEvents {
		crash[EventKey(e)] = true
	}
	marked := map[string]bool{}
	for _, s := range suspects {
		marked[s.Suspect.Path] = true
	}
	rank1, rank1Name := "", ""
	if len(suspects) > 0 {
		rank1, rank1Name = suspects[0].Suspect.Path, suspects[0].Suspect.Name
	}
	isCrash := func(e model.Event) bool {
		return crash[EventKey(e)] || rank1Name != "" && e.Level == "error" && strings.EqualFold(e.SpoolFile, rank1Name)
	}
	return HTMLTimelineOf(ms, events, isCrash, marked, rank1)
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
	Suspects    []HTMLSuspect // HTMLSuspects of triage's ranking
	Conclusions []model.Conclusion
	Plan        HTMLPlanInput
	// Events and CrashEvents are the evidence, as in TriageHTMLInput.
	Events      []model.Event
	CrashEvents []model.Event
	// Verdict is the as-is run held against triage's rank 1; Evidence,
	// ClockNote and Zone as in TriageHTMLInput.
	Verdict   string
	Evidence  []model.EvidenceFile
	ClockNote string
	Zone      *time.Location
}

// maxHTMLSteps is how many steps the report lists before it leaves out
// the routine ones (delivered, blocked).
const maxHTMLSteps = 400

// SimulationHTML lays out the simulation report: each run's counts, the
// simulated events on the timeline, both runs' steps, the suspects and
// replay's plan.
func SimulationHTML(in SimulationHTMLInput) HTMLReport {
	r := HTMLReport{Title: "imsforensic simulation", Inputs: in.Inputs, Suspects: in.Suspects, Conclusions: in.Conclusions}
	var simulated []TimelineEvent
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
				for i, id := range row.Events {
					simulated = append(simulated, TimelineEvent{Time: st.Time, Label: "simulated " + id + " " + st.Name,
						ID: fmt.Sprint(st.Events[i].EventID), Crash: crash, Simulated: true})
				}
			}
			if st.Action != model.SimDelivered && st.Action != model.SimBlocked || len(r.Steps) < maxHTMLSteps {
				r.Steps = append(r.Steps, row)
			}
		}
	}
	// The evidence as in the triage report, then the emulated run after
	// it (the IMS restarted a minute after the newest file).
	r.Timeline = incidentTimeline(in.Messages, in.Events, in.CrashEvents, r.Suspects)
	r.Timeline.Events = append(r.Timeline.Events, simulated...)
	r.Timeline.Zone = in.Zone
	r.Verdict, r.Evidence, r.ClockNote = in.Verdict, in.Evidence, in.ClockNote
	r.Plan, r.PlanNote, r.PlanCommand = planOf(in.Messages, in.Plan)
	return r
}

// HTMLTimelineOf draws events (distinct ones: triage.DistinctEvents)
// and file times; isCrash picks the crash events; suspects names the files to highlight (by path), rank1 the path
// of triage's rank 1.
func HTMLTimelineOf(ms []*model.Message, events []model.Event, isCrash func(model.Event) bool, suspects map[string]bool, rank1 string) Timeline {
	var t Timeline
	for _, e := range events {
		if e.Time.IsZero() {
			continue
		}
		label := fmt.Sprintf("%s %d", e.Source, e.EventID)
		if e.SpoolFile != "" {
			label += " " + e.SpoolFile
		}
		t.Events = append(t.Events, TimelineEvent{Time: e.Time, Label: label, ID: markID(e), Crash: isCrash != nil && isCrash(e)})
	}
	for _, m := range ms {
		t.Files = append(t.Files, TimelineFile{Time: m.ModTime, Name: m.Name, Suspect: suspects[m.Path], Rank1: m.Path == rank1})
	}
	return t
}

// markID is an event's short name on a crash mark: its ID, or for a
// Drwtsn32.log entry (no ID) "Dr.Watson".
func markID(e model.Event) string {
	if e.EventID == 0 {
		if e.Kind == "drwatson" {
			return "Dr.Watson"
		}
		return e.Source
	}
	return fmt.Sprint(e.EventID)
}

// EventKey identifies an event for matching the same event across lists
// (source, ID, time and origin).
func EventKey(e model.Event) string {
	return fmt.Sprintf("%s|%d|%s|%s", e.Source, e.EventID, e.Time.UTC().Format(time.RFC3339Nano), e.Origin)
}
