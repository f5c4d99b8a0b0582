package evidence

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event Viewer, dumpel and the IMS protocol log write dates in the
// server's short-date format: "7/4/2010" on a US server, "07/04/2010" on a
// British one, for the same 7 April. parseDate reads each date by itself,
// month first unless its first number is over 12, never by what the other
// lines of the file say (TestExportDateOrderInContext). What the reader
// cannot tell is said instead: a file whose dates could all be read
// either way, or whose lines disagree, gets a warning naming the first
// such date. (A real Windows XP event copied into a forum post on
// 2010-04-07 reads "Date: 07/04/2010": read month first it is July.)

// dateNotes is what one file's local dates said about their order.
type dateNotes struct {
	dayFirst, monthFirst     string // the first date only that order can read
	dayFirstAt, monthFirstAt int    // its line
	ambiguous                int    // dates with day and month both 12 or less, and different
	firstAmbiguous           string
	firstAmbiguousAt         int
	ambiguousPadded          bool // the first of them written with a leading zero ("07/04")
}

// note classifies one date as a reader read it at line.
func (n *dateNotes) note(date string, line int) {
	date = strings.TrimSpace(date)
	sep := "/"
	if !strings.Contains(date, sep) {
		sep = "-"
	}
	parts := strings.Split(date, sep)
	if len(parts) != 3 || len(parts[0]) > 2 || len(parts[1]) > 2 {
		return // ISO or dotted: one order only
	}
	a, errA := strconv.Atoi(parts[0])
	b, errB := strconv.Atoi(parts[1])
	switch {
	case errA != nil || errB != nil:
	case a > 12:
		if n.dayFirst == "" {
			n.dayFirst, n.dayFirstAt = date, line
		}
	case b > 12:
		if n.monthFirst == "" {
			n.monthFirst, n.monthFirstAt = date, line
		}
	case a != b:
		if n.ambiguous == 0 {
			n.firstAmbiguous, n.firstAmbiguousAt = date, line
			n.ambiguousPadded = len(parts[0]) == 2 && parts[0][0] == '0' || len(parts[1]) == 2 && parts[1][0] == '0'
		}
		n.ambiguous++
	}
}

// localTime is localTime, noting the date's order for settle.
func (p *problems) localTime(line int, date, clock string, loc *time.Location) (time.Time, bool) {
	t, ok := localTime(date, clock, loc)
	if ok {
		p.dates.note(date, line)
	}
	return t, ok
}

// settleDates says what the file's dates left open: nothing when each
// date could only be read one way.
func (p *problems) settleDates() {
	n := &p.dates
	switch {
	case n.ambiguous == 0:
	case n.dayFirst != "" && n.monthFirst != "":
		p.warn("line %d writes %q (day first) and line %d %q (month first): the file's dates disagree on their order; %s that could be either (the first: line %d, %q) %s read month first", n.dayFirstAt, n.dayFirst, n.monthFirstAt, n.monthFirst, dates(n.ambiguous), n.firstAmbiguousAt, n.firstAmbiguous, isAre(n.ambiguous))
	case n.dayFirst != "":
		p.warn("line %d writes %q, which only day first can read, yet %s that could be either (the first: line %d, %q) %s read month first, each on its own: if the whole file was written day first, their month and day are swapped", n.dayFirstAt, n.dayFirst, dates(n.ambiguous), n.firstAmbiguousAt, n.firstAmbiguous, isAre(n.ambiguous))
	case n.monthFirst == "":
		padded := ""
		if n.ambiguousPadded {
			padded = "; it is written with a leading zero, as day-first locales (en-GB) write dates and US Windows does not"
		}
		what := fmt.Sprintf("%d dates have day and month both 12 or less (the first: line %d, %q) and none", n.ambiguous, n.firstAmbiguousAt, n.firstAmbiguous)
		if n.ambiguous == 1 {
			what = fmt.Sprintf("line %d dates its event %q, day and month both 12 or less, and no date", n.firstAmbiguousAt, n.firstAmbiguous)
		}
		p.warn("%s in the file says which comes first: read month first, as US Windows writes them%s", what, padded)
	}
}

// dates is "1 date" or "3 dates"; isAre the verb that goes with it.
func dates(n int) string {
	if n == 1 {
		return "1 date"
	}
	return strconv.Itoa(n) + " dates"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
