package simulate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// FirstIncident is the first step of r whose outcome a rule decided (a
// crash, or a stall outcome), or nil.
func FirstIncident(r Result) *model.SimStep {
	for i := range r.Steps {
		switch r.Steps[i].Action {
		case model.SimCrash:
			return &r.Steps[i]
		case model.SimArchived, model.SimStuck, model.SimReturned:
			if r.Steps[i].Rule != "" {
				return &r.Steps[i]
			}
		}
	}
	return nil
}

// Compare holds the as-is run against top, triage's rank 1 (nil when
// triage has no suspect), msgs being the run's inputs and observed the
// evidence events of top's incident.
func Compare(asIs Result, msgs []*model.Message, top *model.Suspect, observed []model.Event) model.SimVerdict {
	v := model.SimVerdict{Type: model.TypeVerdict, Schema: model.SchemaVersion}
	byPath := make(map[string]*model.Message, len(msgs))
	for _, m := range msgs {
		byPath[m.Path] = m
	}
	first := FirstIncident(asIs)
	if first != nil {
		v.First, v.FirstName, v.FirstAction, v.FirstRule = first.Path, first.Name, first.Action, first.Rule
	}
	if top != nil && top.Verdict != model.VerdictClean {
		v.Rank1, v.Rank1Name, v.Rank1Verdict = top.Path, top.Name, top.Verdict
	}
	for _, e := range sortedEvents(observed) {
		v.Observed = append(v.Observed, fmt.Sprintf("%s %d %s", e.Source, e.EventID, e.Time.UTC().Format("2006-01-02 15:04:05Z")))
	}
	v.Agree = first != nil && v.Rank1 != "" && first.Path == v.Rank1
	v.Text = verdictText(v, asIs, byPath)
	return v
}

func verdictText(v model.SimVerdict, asIs Result, byPath map[string]*model.Message) string {
	what := func(s model.SimVerdict) string {
		if s.FirstAction == model.SimCrash {
			if s.FirstRule == "" {
				return "crashes on " + s.FirstName
			}
			return "crashes on " + s.FirstName + " (" + s.FirstRule + ")"
		}
		return "first stops at " + s.FirstName + " (" + s.FirstRule + ": " + string(s.FirstAction) + ")"
	}
	switch {
	case v.First == "" && v.Rank1 == "":
		return "The emulated IMS gets through the queue and triage names no suspect."
	case v.Rank1 == "":
		return "The emulated IMS " + what(v) + "; triage names no suspect to compare with."
	case v.Agree:
		t := "The emulated IMS " + what(v) + ", triage's rank 1 (" + string(v.Rank1Verdict) + "): the rules and the ranking agree."
		if len(v.Observed) > 0 {
			t += " The evidence shows that incident: " + strings.Join(v.Observed, ", ") + "."
		}
		return t
	}
	top := byPath[v.Rank1]
	var why []string
	if top != nil {
		switch {
		case top.Error != "":
			why = append(why, v.Rank1Name+" could not be read, so the IMS skips it")
		case direction(top.Queue) == "":
			why = append(why, v.Rank1Name+" is in "+top.Queue+", a folder the IMS does not read (it set the file aside already)")
		case top.TopClass() != model.ClassCrash && top.TopClass() != model.ClassStall:
			why = append(why, fmt.Sprintf("no crash or stall rule fires on %s (top class %s): the rules alone cannot reproduce what the evidence shows", v.Rank1Name, classOr(top.TopClass())))
		case top.TopClass() == model.ClassStall:
			why = append(why, v.Rank1Name+" is stall class: the IMS sets it aside and goes on")
		}
	}
	if v.First == "" {
		return "The emulated IMS gets through the queue, but triage's rank 1 is " + v.Rank1Name + " (" + string(v.Rank1Verdict) + "). " + joinWhy(why)
	}
	fm := byPath[v.First]
	if fm != nil && top != nil && (top.ModTime.After(fm.ModTime) || top.ModTime.Equal(fm.ModTime)) && direction(top.Queue) != "" {
		why = append(why, fmt.Sprintf("processing order: the IMS takes files oldest first, and %s (%s) is older than %s (%s)",
			v.FirstName, stamp(fm.ModTime), v.Rank1Name, stamp(top.ModTime)))
	}
	t := fmt.Sprintf("The rules alone: the emulated IMS %s before it reaches triage's rank 1, %s (%s).", what(v), v.Rank1Name, v.Rank1Verdict)
	if s := joinWhy(why); s != "" {
		t += " " + s
	}
	if v.Rank1Verdict == model.VerdictPrime {
		t += " The evidence names " + v.Rank1Name + ", so it is the file that crashed the server; " + v.FirstName + " is a further poison message the IMS would meet next once " + v.Rank1Name + " is out."
		if len(v.Observed) > 0 {
			t += " Evidence: " + strings.Join(v.Observed, ", ") + "."
		}
	} else {
		t += " No evidence names a file, so rank 1 is the best guess of the rules and the clock; a replay of the queue as it is would stop at " + v.FirstName + " first."
	}
	return t
}

func joinWhy(why []string) string {
	if len(why) == 0 {
		return ""
	}
	return "Why: " + strings.Join(why, "; ") + "."
}

func classOr(c model.Class) string {
	if s := c.String(); s != "" {
		return s
	}
	return "none"
}

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04:05 -07:00") }

// sortedEvents orders events by time, then source and ID, dropping
// copies of one record read from several exports.
func sortedEvents(evs []model.Event) []model.Event {
	out := append([]model.Event(nil), evs...)
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].EventID < out[j].EventID
	})
	seen := map[string]bool{}
	kept := out[:0]
	for _, e := range out {
		k := fmt.Sprintf("%s|%d|%d", e.Source, e.EventID, e.Time.Unix())
		if !seen[k] {
			seen[k] = true
			kept = append(kept, e)
		}
	}
	return kept
}
