package evidence

import (
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
func exportEvent(f []string, l textLine, name string, o *Options, p *problems) (model.Event, bool) {
	if len(f) < 6 {
		return model.Event{}, false
	}
	t, ok := p.localTime(l.no, f[0], f[1], o.TZ)
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

// readCSV reads an Event Viewer CSV export. A line that does not start a
// record (no date and time first) goes on the record before it: Event
// Viewer writes a description's line breaks as they are, and a KB article
// wraps the record itself ("...,Transport General ," / "1026,N/A,ASM0109,
// An error occurred ...", Q253620). While the fixed fields are not all
// there the line continues them; after that it is the description's next
// line. Blank lines between records (Q318339) separate nothing.
func readCSV(r io.Reader, name string, o *Options, p *problems) []model.Event {
	var (
		events []model.Event
		rec    strings.Builder
		start  textLine
		st     csvState
		pend   csvPending
	)
	flush := func() bool {
		if !pend.open {
			return true
		}
		text, more, at := pend.raw, pend.more, pend.start
		pend = csvPending{}
		f := splitCSVLine(text)
		if f == nil {
			p.damage("line %d: not a CSV record", at.no)
			return true
		}
		if isExportHeader(f) {
			return true
		}
		ev, ok := exportEvent(f, at, name, o, p)
		if !ok {
			p.damage("line %d: not an event record (no date and time)", at.no)
			return true
		}
		if len(more) > 0 {
			msg := strings.TrimRight(strings.Join(append([]string{string(ev.Message)}, more...), "\n"), " \r\n")
			ev.Message = model.Text(capString(msg, o.MaxStringBytes))
		}
		Enrich(&ev)
		events = append(events, ev)
		if len(events) >= o.MaxEvents {
			p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
			return false
		}
		return true
	}
	take := func(text string) bool {
		switch {
		case strings.TrimSpace(text) == "":
			return true
		case pend.open && !startsCSVRecord(text):
			pend.add(text, o, p)
			return true
		}
		if !flush() {
			return false
		}
		pend = csvPending{open: true, raw: text, start: start, size: len(text)}
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
		text := rec.String()
		rec.Reset()
		if !take(text) {
			return events
		}
	}
	if rec.Len() > 0 {
		if st.inQuote {
			p.addf("line %d: quoted field not closed at end of file: %w", start.no, ErrTruncated)
		}
		if !take(rec.String()) {
			return events
		}
	}
	flush()
	return events
}

// csvPending is the record read so far, held until a line starts the
// next one.
type csvPending struct {
	open  bool
	raw   string   // the record's text while its fixed fields are incomplete
	more  []string // the description's further lines
	start textLine
	size  int
	cut   bool
}

// exportFields is the number of fields of a whole export record.
const exportFields = 9

func (c *csvPending) add(text string, o *Options, p *problems) {
	if c.size+len(text) > o.MaxRecordBytes {
		if !c.cut {
			c.cut = true
			p.addf("line %d: record longer than %d bytes, cut: %w", c.start.no, o.MaxRecordBytes, &LimitError{Limit: "MaxRecordBytes", Max: int64(o.MaxRecordBytes)})
		}
		return
	}
	c.size += len(text) + 1
	if len(c.more) == 0 && len(splitCSVLine(c.raw)) < exportFields {
		// The wrap fell inside the fixed fields: a wrap after a comma
		// lost nothing, one between words lost a space.
		if strings.HasSuffix(c.raw, ",") {
			c.raw += text
		} else {
			c.raw += " " + text
		}
		return
	}
	c.more = append(c.more, text)
}

// startsCSVRecord reports whether a line opens an export record: a
// header, or a date and a time as its first two fields.
func startsCSVRecord(text string) bool {
	f := splitCSVLine(text)
	return isExportHeader(f) || len(f) >= 2 && parseDateField(f[0]) && parseTimeField(f[1])
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
