package evidence

import (
	"io"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// dumpel (Resource Kit, Q129266) writes one tab-separated line per record:
// date, time, type number (1 error, 2 warning, 4 information, 8 audit
// success, 16 audit failure), category number, event ID, user, source,
// computer, then the insertion strings (tab-separated with -t). Times are
// the server's wall clock, read in Options.TZ. A copy taken from a KB page
// has runs of spaces instead of tabs; that is read too.
func readDumpel(r io.Reader, name string, o *Options, p *problems) []model.Event {
	var events []model.Event
	for l := range lines(r, o, p) {
		if strings.TrimSpace(l.text) == "" {
			continue
		}
		var f []string
		if strings.Contains(l.text, "\t") {
			f = strings.Split(l.text, "\t")
		} else {
			f = splitDumpelSpaced(l.text)
		}
		ev, ok := dumpelEvent(f, l, name, o, p)
		if !ok {
			p.damage("line %d: not a dumpel record", l.no)
			continue
		}
		Enrich(&ev)
		events = append(events, ev)
		if len(events) >= o.MaxEvents {
			p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
			break
		}
	}
	return events
}

func dumpelEvent(f []string, l textLine, name string, o *Options, p *problems) (model.Event, bool) {
	if len(f) < 8 || !isUint(f[2]) || !isUint(f[3]) {
		return model.Event{}, false
	}
	t, ok := p.localTime(l.no, f[0], f[1], o.TZ)
	if !ok {
		return model.Event{}, false
	}
	id, ok := eventID(f[4])
	if !ok {
		return model.Event{}, false
	}
	ev := l.event("eventlog", name)
	ev.Time = t
	if u := strings.TrimSpace(f[5]); u != "N/A" {
		ev.User = capString(u, o.MaxStringBytes)
	}
	ev.EventID = id
	typ, _ := strconv.ParseUint(strings.TrimSpace(f[2]), 10, 32)
	ev.Level = levelFromType(uint32(typ))
	if c := strings.TrimSpace(f[3]); c != "0" {
		ev.Category = c
	}
	ev.Source = capString(strings.TrimSpace(f[6]), o.MaxStringBytes)
	ev.Computer = capString(strings.TrimSpace(f[7]), o.MaxStringBytes)
	for _, s := range f[8:] {
		if s = strings.TrimRight(s, " "); s != "" && len(ev.Strings) < 256 {
			ev.Strings = append(ev.Strings, model.Text(capString(s, o.MaxStringBytes)))
		}
	}
	return ev, true
}

// splitDumpelSpaced splits a dumpel line whose tabs became spaces (a copy
// from a KB page: Q129266 prints "4/11/95 4:58:39 AM  1   0   1016    N/A
// DhcpServer  REDIPSRVP2  %%20013", with one space between user and
// source). Runs of two or more spaces separate fields; where a single
// space was all that was left, the fields are told apart by what they can
// hold: a user name (N/A, DOMAIN\name) and a computer name have no spaces,
// so a user field with a space holds the source too, and a last source
// field with a space holds the computer too.
func splitDumpelSpaced(line string) []string {
	f := splitSpaced(line)
	if len(f) < 6 {
		return f
	}
	// f[0..4]: date, time, type, category, ID. A 12-hour time may have
	// been split from its AM/PM.
	if len(f) > 2 {
		if u := strings.ToUpper(f[2]); u == "AM" || u == "PM" {
			f = append(append(f[:1:1], f[1]+" "+f[2]), f[3:]...)
		}
	}
	head, rest := f[:5], append([]string(nil), f[5:]...)
	if len(rest) > 0 {
		if u, s, ok := strings.Cut(rest[0], " "); ok {
			rest = append([]string{u, s}, rest[1:]...)
		}
	}
	if len(rest) == 2 {
		if i := strings.LastIndexByte(rest[1], ' '); i > 0 {
			rest = []string{rest[0], rest[1][:i], rest[1][i+1:]}
		}
	}
	return append(append([]string(nil), head...), rest...)
}
