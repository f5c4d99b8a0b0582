package triage

import "github.com/imsforensic/imsforensic/model"

// DistinctEvents merges the copies of each event read from several
// exports (.evt, CSV, text, dumpel) into one, as Rank does, in time
// order: the events the report draws, so that its counts are the
// "distinct events" of the incident and its crash events are the very
// records of Result.Incident.Crashes.
func DistinctEvents(events []model.Event) []model.Event {
	merged, _, _ := mergeEvents(events)
	out := make([]model.Event, len(merged))
	for i, p := range merged {
		out[i] = p.Event
	}
	return out
}
