package triage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// De-duplication (issue #12): only what is the same record is merged, never
// events that merely share kind, source, ID and second (two 4117s in one
// second naming two spool files are two events).
//
//   - A binary record is the same record as another binary record with the
//     same record number and content: a log and its copies.
//   - A text record is the same as another with the same content, to the
//     second: the same line in two exports (or a CSV and a text export).
//   - A text record is the same as a binary record when SameRecord says
//     so and both are at the same instant. When exactly one binary record
//     matches at another instant a whole number of quarter hours away, it
//     is still that record, read from an export in the wrong zone: one
//     event, at the binary log's (UTC) time, and a clockConflict that
//     Rank turns into a conclusion.

// clockConflict is one record seen in two sources at different times.
type clockConflict struct {
	binary, export model.Event
	off            time.Duration // export time minus binary time
}

// mergeEvents merges the copies of each record into one, keeping the
// richest copy (the .evt record has the data section) and filling its
// empty fields from the others. It also reads the faulting function and
// program of Dr. Watson 4097 records from their text. The result is in
// time order.
func mergeEvents(events []model.Event) ([]prepared, int, []clockConflict) {
	groups := map[string][]model.Event{}
	var keys []string
	for _, e := range events {
		k := copyKey(e)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], e)
	}
	conflicts := joinExports(groups, keys)
	out := make([]prepared, 0, len(keys))
	dups := 0
	for _, k := range keys {
		g := groups[k]
		if len(g) == 0 {
			continue // joined into a binary record's group
		}
		sort.SliceStable(g, func(i, j int) bool {
			ri, rj := richness(g[i]), richness(g[j])
			if ri != rj {
				return ri > rj
			}
			return g[i].Origin < g[j].Origin
		})
		base := g[0]
		for _, o := range g[1:] {
			fill(&base, o)
		}
		readDrWatsonEvent(&base)
		dups += len(g) - 1
		out = append(out, prepared{Event: base, copies: len(g) - 1})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.EventID != b.EventID {
			return a.EventID < b.EventID
		}
		return a.Origin < b.Origin
	})
	return out, dups, conflicts
}

// copyKey is the same for two copies of one record read from the same
// kind of source. Events without a time are never merged (nothing says
// they are the same).
func copyKey(e model.Event) string {
	if e.Time.IsZero() {
		return "origin|" + e.Origin
	}
	var b strings.Builder
	if e.Record != 0 {
		b.WriteString("rec|" + strconv.FormatUint(e.Record, 10))
	} else {
		b.WriteString("line")
	}
	fmt.Fprintf(&b, "|%s|%s|%d|%d|%s|%s|%s|%s|%s", e.Kind, strings.ToLower(e.Source), e.EventID, e.Time.Unix(),
		strings.ToLower(e.Computer), e.Level, strings.ToLower(e.MTSID), strings.ToLower(e.MailFrom), strings.Join(e.RcptTo, ","))
	for _, s := range e.Strings {
		b.WriteString("|" + normText(string(s)))
	}
	b.WriteString("|" + normText(string(e.Message)))
	return b.String()
}

// joinExports moves each group of text records into the group of the
// binary record it is a copy of, and returns the records that were seen
// at two different times.
func joinExports(groups map[string][]model.Event, keys []string) []clockConflict {
	type bucket struct {
		source string
		id     uint32
		mod    int64
	}
	idx := map[bucket][]string{}
	for _, k := range keys {
		e := groups[k][0]
		if e.Record != 0 && !e.Time.IsZero() {
			b := bucket{strings.ToLower(e.Source), e.EventID, e.Time.Unix() % 900}
			idx[b] = append(idx[b], k)
		}
	}
	var conflicts []clockConflict
	for _, k := range keys {
		g := groups[k]
		e := g[0]
		if e.Record != 0 || e.Time.IsZero() || e.Kind != "eventlog" {
			continue
		}
		u := e.Time.Unix()
		var same, shifted []string
		for _, bk := range idx[bucket{strings.ToLower(e.Source), e.EventID, ((u % 900) + 900) % 900}] {
			b := groups[bk][0]
			if !SameRecord(b, e) {
				continue
			}
			if d := u - b.Time.Unix(); d == 0 {
				same = append(same, bk)
			} else if d >= -14*3600 && d <= 14*3600 {
				shifted = append(shifted, bk)
			}
		}
		target := ""
		switch {
		case len(same) == 1:
			target = same[0]
		case len(same) == 0 && len(shifted) == 1:
			target = shifted[0]
			b := groups[target][0]
			conflicts = append(conflicts, clockConflict{binary: b, export: e, off: e.Time.Sub(b.Time)})
		}
		if target != "" {
			groups[target] = append(groups[target], g...)
			groups[k] = nil
		}
	}
	return conflicts
}

// conflictConclusions says, once per export file, that records of it were
// found in a binary log at another time.
func conflictConclusions(cs []clockConflict, zone *time.Location) []model.Conclusion {
	type fileOff struct {
		path string
		off  time.Duration
	}
	n := map[fileOff]int{}
	first := map[fileOff]clockConflict{}
	var order []fileOff
	for _, c := range cs {
		k := fileOff{c.export.Path, c.off}
		if n[k] == 0 {
			order = append(order, k)
			first[k] = c
		}
		n[k]++
	}
	var out []model.Conclusion
	for _, k := range order {
		c := first[k]
		out = append(out, model.NewConclusion(fmt.Sprintf(
			"%d record(s) of %s are also in %s at a time %s away (e.g. %s at %s there, %s in %s): "+
				"the two disagree on the clock, so the times of %s were read in the wrong zone (--evidence-tz); "+
				"each record is counted once, at the binary log's time",
			n[k], c.binary.Path, c.export.Path, signedSpan(k.off), label(c.binary), c.export.Time.Format("2006-01-02 15:04:05 -07:00"),
			at(c.binary.Time, zone), c.binary.Origin, c.export.Path)))
	}
	return out
}

func signedSpan(d time.Duration) string {
	if d < 0 {
		return "-" + span(-d)
	}
	return "+" + span(d)
}
