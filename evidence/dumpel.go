package evidence

import (
	"errors"
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
	lr := newLineReader(r, o.MaxRecordBytes)
	var events []model.Event
	for {
		raw, _, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.addf("line %d: %w", lr.line+1, err)
			}
			break
		}
		line := string(raw)
		if strings.TrimSpace(line) == "" {
			continue
		}
		var f []string
		if strings.Contains(line, "\t") {
			f = strings.Split(line, "\t")
		} else {
			f = splitSpaced(line)
		}
		ev, ok := dumpelEvent(f, name+":"+strconv.Itoa(lr.line), o)
		if !ok {
			p.addf("line %d: not a dumpel record: %w", lr.line, ErrCorrupt)
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

func dumpelEvent(f []string, origin string, o *Options) (model.Event, bool) {
	if len(f) < 8 || !isUint(f[2]) || !isUint(f[3]) {
		return model.Event{}, false
	}
	t, ok := localTime(f[0], f[1], o.TZ)
	if !ok {
		return model.Event{}, false
	}
	id, ok := eventID(f[4])
	if !ok {
		return model.Event{}, false
	}
	ev := newEvent("eventlog", origin)
	ev.Time = t
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
