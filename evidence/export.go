package evidence

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Event Viewer exports (Windows Server 2003 "File formats for archived
// logs"): each record is Date, Time, Source, Type, Category, Event, User,
// Computer, Description, comma-delimited (.csv) or tab-delimited (.txt).
// Times are the server's wall clock without a zone: they are read in
// Options.TZ. The binary data section is not exported.

// exportEvent builds an Event from the nine export fields; ok is false when
// the first two fields are not a date and a time.
func exportEvent(f []string, l textLine, name string, o *Options) (model.Event, bool) {
	if len(f) < 6 {
		return model.Event{}, false
	}
	t, ok := localTime(f[0], f[1], o.TZ)
	if !ok {
		return model.Event{}, false
	}
	ev := l.event("eventlog", name)
	ev.Time = t
	if len(f) > 6 {
		if u := strings.TrimSpace(f[6]); u != "N/A" {
			ev.User = capString(u, o.MaxStringBytes)
		}
	}
	ev.Source = capString(strings.TrimSpace(f[2]), o.MaxStringBytes)
	ev.Level = levelFromText(f[3])
	ev.Category = exportCategory(f[4])
	if id, ok := eventID(f[5]); ok {
		ev.EventID = id
	}
	if len(f) > 7 {
		ev.Computer = capString(strings.TrimSpace(f[7]), o.MaxStringBytes)
	}
	if len(f) > 8 {
		desc := strings.Join(f[8:], "\t")
		ev.Message = model.Text(capString(strings.TrimRight(desc, " \r\n"), o.MaxStringBytes))
	}
	return ev, true
}

// exportCategory drops Event Viewer's "None" placeholder.
func exportCategory(s string) string {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "None") || s == "(0)" {
		return ""
	}
	return s
}

func readCSV(r io.Reader, name string, o *Options, p *problems) []model.Event {
	var (
		events []model.Event
		rec    strings.Builder
		start  textLine
		st     csvState
	)
	flush := func() bool {
		text := rec.String()
		rec.Reset()
		if strings.TrimSpace(text) == "" {
			return true
		}
		cr := csv.NewReader(strings.NewReader(text))
		cr.LazyQuotes = true
		cr.FieldsPerRecord = -1
		f, err := cr.Read()
		if err != nil {
			p.damage("line %d: %v", start.no, err)
			return true
		}
		if isExportHeader(f) {
			return true
		}
		ev, ok := exportEvent(f, start, name, o)
		if !ok {
			p.damage("line %d: not an event record (no date and time)", start.no)
			return true
		}
		Enrich(&ev)
		events = append(events, ev)
		if len(events) >= o.MaxEvents {
			p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
			return false
		}
		return true
	}
	for l := range lines(r, o, p) {
		if rec.Len() == 0 {
			start = l
		} else {
			rec.WriteByte('\n')
		}
		rec.WriteString(l.text)
		st = st.scan([]byte(l.text))
		if st.inQuote && rec.Len() < o.MaxRecordBytes {
			continue // a quoted field goes on on the next line
		}
		if st.inQuote {
			p.addf("line %d: quoted field longer than %d bytes, cut: %w", start.no, o.MaxRecordBytes, &LimitError{Limit: "MaxRecordBytes", Max: int64(o.MaxRecordBytes)})
		}
		st = csvState{}
		if !flush() {
			return events
		}
	}
	if rec.Len() > 0 {
		if st.inQuote {
			p.addf("line %d: quoted field not closed at end of file: %w", start.no, ErrTruncated)
		}
		flush()
	}
	return events
}

// csvState follows RFC 4180 quoting (leniently, as LazyQuotes does) across
// lines, to know whether a record goes on after a line end.
type csvState struct {
	inQuote    bool
	midField   bool // inside an unquoted field
	quoteShown bool // in a quoted field, the last byte was a quote
}

func (s csvState) scan(line []byte) csvState {
	for _, c := range line {
		switch {
		case s.inQuote && s.quoteShown:
			s.quoteShown = false
			switch c {
			case '"': // "" is an escaped quote
			case ',':
				s.inQuote, s.midField = false, false
			default: // lazy: a lone quote inside a quoted field is literal
			}
		case s.inQuote:
			if c == '"' {
				s.quoteShown = true
			}
		case c == ',':
			s.midField = false
		case c == '"' && !s.midField:
			s.inQuote = true
		default:
			s.midField = true
		}
	}
	if s.inQuote && s.quoteShown {
		// A quote at the line end closes the field.
		s.inQuote, s.quoteShown = false, false
	}
	s.midField = s.midField && !s.inQuote
	if !s.inQuote {
		return csvState{}
	}
	return s
}
