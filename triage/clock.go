package triage

import (
	"fmt"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// One clock (issue #12). Binary event logs and tracking logs store UTC;
// Event Viewer exports, dumpel output, Dr. Watson logs and IMS protocol
// logs hold the server's wall clock without a zone. When no zone was given
// (--evidence-tz), the readers mark such times model.TimeAssumed (read in
// this machine's zone). AlignClock then looks for records that appear both
// in a binary log and in a local-time export of it: the same source, event
// ID, computer and insertion strings, wall-clock seconds equal modulo 15
// minutes. Their difference is the server's UTC offset; the one most pairs
// agree on is applied to every assumed time, which is then marked
// "inferred UTC±hh:mm". When nothing can tell and local and UTC sources
// are mixed, the times stay "assumed" and Clock.Warning says so.

// Clock is what AlignClock found.
type Clock struct {
	// Inferred is true when the offset was inferred; Offset is then the
	// server's UTC offset and Pairs the number of records it was read
	// from (Disagree the pairs that gave another offset).
	Inferred bool
	Offset   time.Duration
	Pairs    int
	Disagree int
	// Zone is what assumed times now say (model.Event.TimeZone).
	Zone string
	// Note says in a sentence what was done, for the top of triage and the
	// report; Warning is set instead when local and UTC sources are mixed
	// and the offset could not be inferred.
	Note    string
	Warning string
}

// maxPairsPerEvent bounds the candidate pairs one export event is tried
// against, so a log full of one periodic event stays linear.
const maxPairsPerEvent = 64

// AlignClock infers the server's UTC offset and applies it to every event
// (and file) whose time zone is model.TimeAssumed. events and files are
// changed in place; files' First and Last are recomputed from events.
func AlignClock(files []model.EvidenceFile, events []model.Event) Clock {
	var assumed, utc []int
	for i, e := range events {
		switch {
		case e.Time.IsZero():
		case e.TimeZone == model.TimeAssumed:
			assumed = append(assumed, i)
		case e.TimeZone == model.TimeUTC:
			utc = append(utc, i)
		}
	}
	if len(assumed) == 0 {
		return Clock{}
	}
	votes := offsetVotes(events, assumed, utc)
	best, pairs, disagree := 0*time.Second, 0, 0
	for off, n := range votes {
		if n > pairs || n == pairs && off < best {
			best, pairs = off, n
		}
	}
	for off, n := range votes {
		if off != best {
			disagree += n
		}
	}
	if pairs == 0 || disagree >= pairs {
		c := Clock{Zone: model.TimeAssumed}
		if len(utc) > 0 {
			c.Warning = fmt.Sprintf("%d local-time events (exports, dumpel, Dr. Watson, protocol logs) were read in this machine's zone (%s) "+
				"and may not line up with the %d UTC events of binary logs: no record appears in both to tell the server's offset; "+
				"give it with --evidence-tz. Their times are marked \"assumed\".", len(assumed), zoneLabel(time.Local), len(utc))
		}
		return c
	}
	zone := "inferred " + offsetLabel(best)
	loc := time.FixedZone(offsetLabel(best), int(best/time.Second))
	for _, i := range assumed {
		e := &events[i]
		e.Time = rezone(e.Time, loc)
		e.TimeZone = zone
	}
	for i := range files {
		if files[i].TimeZone == model.TimeAssumed {
			files[i].TimeZone = zone
		}
	}
	recount(files, events)
	c := Clock{Inferred: true, Offset: best, Pairs: pairs, Disagree: disagree, Zone: zone}
	c.Note = fmt.Sprintf("server time zone %s inferred from %d records found both in a binary log (UTC) and in a local-time export; "+
		"applied to %d local-time events", offsetLabel(best), pairs, len(assumed))
	if disagree > 0 {
		c.Note += fmt.Sprintf(" (%d pairs gave another offset: a daylight-saving change, or records that only look alike)", disagree)
	}
	return c
}

// offsetVotes pairs each assumed event with the UTC events that hold the
// same record and counts the offsets their wall clocks differ by.
func offsetVotes(events []model.Event, assumed, utc []int) map[time.Duration]int {
	type bucket struct {
		source string
		id     uint32
		mod    int64 // seconds within a 15-minute step: offsets are multiples of it
	}
	idx := map[bucket][]int{}
	for _, i := range utc {
		e := events[i]
		k := bucket{strings.ToLower(e.Source), e.EventID, e.Time.Unix() % 900}
		idx[k] = append(idx[k], i)
	}
	votes := map[time.Duration]int{}
	for _, i := range assumed {
		e := events[i]
		w := wallUnix(e.Time)
		cands := idx[bucket{strings.ToLower(e.Source), e.EventID, ((w % 900) + 900) % 900}]
		seen := map[time.Duration]bool{}
		for n, j := range cands {
			if n == maxPairsPerEvent {
				break
			}
			b := events[j]
			off := time.Duration(w-b.Time.Unix()) * time.Second
			if off < -14*time.Hour || off > 14*time.Hour || seen[off] || !SameRecord(b, e) {
				continue
			}
			seen[off] = true
			votes[off]++
		}
	}
	return votes
}

// SameRecord reports whether a (read from a binary log) and b (read from
// an export, or another copy) hold the same event record: the same source
// and event ID, the same computer when both name one, the same record
// number when both have one, and insertion strings that agree: equal when
// both have strings, or every string of a found in b's description when b
// is an export that has only the description. Times are not compared.
func SameRecord(a, b model.Event) bool {
	if !strings.EqualFold(a.Source, b.Source) || a.EventID != b.EventID || a.Kind != b.Kind {
		return false
	}
	if a.Computer != "" && b.Computer != "" && !strings.EqualFold(a.Computer, b.Computer) {
		return false
	}
	if a.Record != 0 && b.Record != 0 && a.Record != b.Record {
		return false
	}
	if len(b.Strings) > 0 || len(a.Strings) > 0 && b.Message == "" {
		return equalStrings(a.Strings, b.Strings)
	}
	msg := normText(string(b.Message))
	for _, s := range a.Strings {
		if t := normText(string(s)); t != "" && !strings.Contains(msg, t) {
			return false
		}
	}
	return len(a.Strings) > 0 || a.Message == b.Message
}

func equalStrings(a, b []model.Text) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if normText(string(a[i])) != normText(string(b[i])) {
			return false
		}
	}
	return true
}

// normText folds the differences exports make: line ends and runs of
// blanks.
func normText(s string) string { return strings.Join(strings.Fields(s), " ") }

// wallUnix is t's wall clock read as if it were UTC.
func wallUnix(t time.Time) int64 {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC).Unix()
}

// rezone keeps t's wall clock and gives it loc.
func rezone(t time.Time, loc *time.Location) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), loc)
}

// offsetLabel writes an offset as "UTC-05:00".
func offsetLabel(off time.Duration) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, int(off/time.Hour), int(off%time.Hour/time.Minute))
}

func zoneLabel(loc *time.Location) string {
	name, off := time.Now().In(loc).Zone()
	return fmt.Sprintf("%s, %s", name, offsetLabel(time.Duration(off)*time.Second))
}

// recount sets each file's First and Last from the events again.
func recount(files []model.EvidenceFile, events []model.Event) {
	byPath := map[string]int{}
	for i := range files {
		byPath[files[i].Path] = i
		files[i].First, files[i].Last = time.Time{}, time.Time{}
	}
	for _, e := range events {
		i, ok := byPath[e.Path]
		if !ok || e.Time.IsZero() {
			continue
		}
		f := &files[i]
		if f.First.IsZero() || e.Time.Before(f.First) {
			f.First = e.Time
		}
		if f.Last.IsZero() || e.Time.After(f.Last) {
			f.Last = e.Time
		}
	}
}
