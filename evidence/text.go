package evidence

import (
	"io"
	"regexp"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Event Viewer text exports come in two shapes, both read here:
//
//   - tab-delimited lines of the nine export fields (Save Log File As,
//     "Text (Tab delimited)"); a description that spans lines goes on on
//     lines that do not start with a date;
//   - the block copied from the Event Properties dialog:
//
//	Event Type:	Error
//	Event Source:	MSExchangeIMC
//	Event Category:	Internal Processing
//	Event ID:	4116
//	Date:		3/14/2001
//	Time:		10:32:11 AM
//	User:		N/A
//	Computer:	EXCH1
//	Description:
//	An error was returned ...
//	Data:
//	0000: 74 00 05 00 0e 00 07 80   t.......
//
// The block form keeps the data section, in the "Bytes" view (bytes as
// written) or the "Words" view (little-endian DWORDs: "00140667 80040115"
// is the bytes 67 06 14 00 15 01 04 80); both are decoded into Data.

var blockKeys = map[string]bool{
	"event type": true, "event source": true, "event category": true, "event id": true,
	"date": true, "time": true, "user": true, "computer": true, "description": true,
	"data": true, "source": true, "type": true, "category": true, "id": true,
}

// blockFieldLine allows no blank after the colon: a copy pasted from a
// web page or a KB article loses the tab ("Event Type:Error").
var blockFieldLine = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z ]{0,20}?)\s*:[ \t]*(.*)$`)

// blockStarts are the keys that open a new block when they follow a
// description: the Event Properties copy starts with Event Type, KB
// articles often start with Event ID or Source and use the short keys
// (Event ID: / Source: / Type: / Category: / Description:).
var blockStarts = map[string]bool{"event type": true, "event source": true, "event id": true, "date": true}

// blockBareField is a short key without its colon and one value, as KB
// articles mistype them ("Event ID 12007", "Source MSExchangeMTA", "Type
// Error"): the whole line is the key and one word, so a sentence of a
// description is never taken for it.
var blockBareField = regexp.MustCompile(`^\s*(Event ID|Source|Type)\s+(\S+)\s*$`)

// blockField reads a "Key:<tab>Value" line of the Event Properties copy;
// key is lower-cased.
func blockField(line string) (key, value string, ok bool) {
	m := blockFieldLine.FindStringSubmatch(line)
	if m == nil {
		m = blockBareField.FindStringSubmatch(line)
	}
	if m == nil {
		return "", "", false
	}
	key = strings.ToLower(m[1])
	if !blockKeys[key] {
		return "", "", false
	}
	return key, strings.TrimSpace(m[2]), true
}

type textBlock struct {
	ev        model.Event
	fields    map[string]string
	desc      []string
	descBytes int
	section   string // "", "description", "data"
	// implicit: the description began without a "Description:" key,
	// so a field the block already has opens the next block, as
	// before any description.
	implicit bool
	start    textLine
	lines    int  // the lines of the block so far, its first one included
	blank    bool // the previous line was blank
	// indent is the whitespace before the block's first key: a block
	// pasted into a document or a post indented (a real Windows 2003
	// event copied into a blog, one tab before every line) has it
	// before each description line too, where it is no text of the
	// event.
	indent string
	// dataSections counts the block's "Data:" keys: Event Properties
	// writes one; a copy that holds two (its Bytes and then its Words
	// view, as a real Windows XP event pasted into a forum post does)
	// holds the same data twice, and only the first is read.
	dataSections int
	dataAt       int // the line of the second
}

// opens reports whether a field line starts a new block after b.
func (b *textBlock) opens(key string) bool {
	if b == nil {
		return key != "description" && key != "data"
	}
	_, seen := b.fields[key]
	if b.section == "" {
		return seen
	}
	return blockStarts[key] || b.blank && !(key == "description" || key == "data") || b.implicit && seen
}

func readText(r io.Reader, name string, o *Options, p *problems) []model.Event {
	var (
		events []model.Event
		block  *textBlock
		last   = -1 // index in events of the last tab-delimited event, for continuation lines
		// needComputer: the last event is an Event Viewer list line that
		// ended at its User column; its Computer starts the next line.
		needComputer bool
	)
	endBlock := func() {
		if block != nil {
			events = append(events, block.finish(name, o, p))
			block = nil
		}
	}
	for l := range lines(r, o, p) {
		if len(events) >= o.MaxEvents {
			p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
			return events
		}
		if k, _, ok := blockField(l.text); ok && block.opens(k) {
			endBlock()
			block = &textBlock{fields: map[string]string{}, start: l, indent: leadingBlanks(l.text)}
			block.add(l.text, o)
			last, needComputer = -1, false
			continue
		}
		if block != nil {
			block.add(l.text, o)
			continue
		}
		f := strings.Split(l.text, "\t")
		if isExportHeader(f) {
			continue
		}
		if ev, ok := exportEvent(f, l, name, o, p); ok && len(f) >= 8 {
			events = append(events, ev)
			last = len(events) - 1
			continue
		}
		if ev, ok := listViewEvent(l, name, o, p); ok {
			events = append(events, ev)
			last = len(events) - 1
			needComputer = ev.Computer == ""
			continue
		}
		if last >= 0 && needComputer {
			if strings.TrimSpace(l.text) == "" {
				continue
			}
			needComputer = false
			ev := &events[last]
			computer, desc := splitComputer(l.text)
			ev.Computer = capString(computer, o.MaxStringBytes)
			ev.Message = model.Text(capString(desc, o.MaxStringBytes))
			continue
		}
		if last >= 0 {
			// A description that went on past a line end.
			ev := &events[last]
			msg := strings.TrimRight(l.text, " ")
			if ev.Message != "" {
				msg = string(ev.Message) + "\n" + msg
			}
			ev.Message = model.Text(capString(msg, o.MaxStringBytes))
			continue
		}
		if strings.TrimSpace(l.text) != "" {
			p.damage("line %d: not an event record", l.no)
		}
	}
	endBlock()
	for i := range events {
		Enrich(&events[i])
	}
	return events
}

func (b *textBlock) add(line string, o *Options) {
	b.lines++
	defer func() { b.blank = strings.TrimSpace(line) == "" }()
	if k, v, ok := blockField(line); ok {
		switch {
		case k == "data":
			b.section = "data"
			if b.dataSections++; b.dataSections == 2 {
				b.dataAt = b.lines
			}
			return
		case k == "description":
			b.section = "description"
			if v != "" {
				b.desc = append(b.desc, v)
				b.descBytes += len(v)
			}
			return
		case b.section == "":
			b.fields[k] = v
			return
		}
	}
	switch b.section {
	case "description":
		// Bounded: the description is capped at MaxStringBytes anyway.
		if b.descBytes <= o.MaxStringBytes {
			b.desc = append(b.desc, strings.TrimRight(strings.TrimPrefix(line, b.indent), " "))
			b.descBytes += len(line) + 1
		}
	case "data":
		if d, ok := parseHexDumpLine(line); ok && b.dataSections == 1 && len(b.ev.Data)+len(d) <= o.MaxDataBytes {
			b.ev.Data = append(b.ev.Data, d...)
		}
	default:
		// Text before any "Description:" key: KB articles write the
		// block's fields and then the description at once ("Event ID:
		// 4037 / Source: MSExchangeIMC / Category: ... / An exception
		// has occurred ..."); once the block has its Event ID, that
		// text is the description (its spool file name, its error
		// code), not a field's value gone on past its line.
		// A line of one or two words (a source name without its key)
		// or shaped as a field of a key we do not know ("Src: ...") is
		// not taken for one.
		if len(strings.Fields(line)) < 3 || blockFieldLine.MatchString(line) {
			return
		}
		if _, ok := b.fields["event id"]; !ok {
			if _, ok := b.fields["id"]; !ok {
				return
			}
		}
		b.section, b.implicit = "description", true
		b.desc = append(b.desc, strings.TrimRight(strings.TrimPrefix(line, b.indent), " "))
		b.descBytes += len(line) + 1
	}
}

// leadingBlanks returns the blanks and tabs s starts with.
func leadingBlanks(s string) string {
	return s[:len(s)-len(strings.TrimLeft(s, " \t"))]
}

func (b *textBlock) finish(name string, o *Options, p *problems) model.Event {
	ev := b.start.event("eventlog", name)
	ev.Data = b.ev.Data
	if b.dataSections > 1 {
		p.warn("line %d: the event's data is given %d times (Event Properties' Bytes and Words views pasted one after the other?): only the first is read", b.start.no+b.dataAt-1, b.dataSections)
	}
	if t, ok := p.localTime(b.start.no, b.fields["date"], b.fields["time"], o.TZ); ok {
		ev.Time = t
	} else {
		p.warn("line %d: event without a readable date and time", b.start.no)
	}
	if u := b.fields["user"]; u != "N/A" {
		ev.User = capString(u, o.MaxStringBytes)
	}
	idText, inlineSource := blockEventID(firstOf(b.fields, "event id", "id"))
	ev.Source = capString(firstOf(b.fields, "event source", "source"), o.MaxStringBytes)
	if ev.Source == "" {
		ev.Source = capString(inlineSource, o.MaxStringBytes)
	}
	ev.Level = levelFromText(firstOf(b.fields, "event type", "type"))
	ev.Category = exportCategory(firstOf(b.fields, "event category", "category"))
	if id, ok := eventID(idText); ok {
		ev.EventID = id
	}
	ev.Computer = capString(b.fields["computer"], o.MaxStringBytes)
	for len(b.desc) > 0 && strings.TrimSpace(b.desc[len(b.desc)-1]) == "" {
		b.desc = b.desc[:len(b.desc)-1]
	}
	ev.Message = model.Text(capString(strings.Join(b.desc, "\n"), o.MaxStringBytes))
	return ev
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

// blockInlineSource is the "Source:" a KB article writes on the Event ID
// line ("Event ID: 4071 - Source: MSExchangeIMC", "Event ID: 137,
// Source: MSExchangeMTA.", "Event ID:2050   Source:MSExchangeMTA").
var blockInlineSource = regexp.MustCompile(`(?i)\bSource:\s*([A-Za-z][\w .-]*?)\.?\s*$`)

// blockEventID reads an Event ID field as articles and pasted notes write
// it: the number first, then maybe a source (see blockInlineSource) or a
// note ("2025 (IS Priv)", "2553   <<< logged at level 0"), which is not
// part of the number. It returns the number's text and the inline source.
func blockEventID(v string) (id, source string) {
	v = strings.TrimSpace(v)
	n := 0
	for n < len(v) && '0' <= v[n] && v[n] <= '9' {
		n++
	}
	if n == 0 || n == len(v) {
		return v, ""
	}
	if m := blockInlineSource.FindStringSubmatch(v[n:]); m != nil {
		source = m[1]
	}
	return v[:n], source
}

// An Event Viewer list line as KB articles print it, the columns (Date,
// Time, Source, Type, Category, Event, User, Computer, then the
// description) separated by spaces instead of tabs and wrapped at the
// page's width:
//
//	7/31/97 4:15:31 PM MSExchangeMTA Warning Operating System 9221 N/A
//	EXCHSRV1 A sockets error 10054 on a WSARecvEx() call was detected. ...
//
// (Q162674). Source and Category may hold spaces, so the line is read
// around the two columns that cannot: the Type word and "Event User"
// (a number, then N/A or DOMAIN\user). The Computer is the first word
// after the User, on the same line or the next (Q169117, Q162841), or a
// KB placeholder in angle brackets ("<MTA Name>", Q178821).
var listViewLine = regexp.MustCompile(`^(\d{1,2}/\d{1,2}/\d{2,4})\s+(\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)\s+(\S+(?:\s\S+)*?)\s+(Error|Warning|Information|Success Audit|Failure Audit)\s+(?:(.*?)\s+)?(\d{1,5})\s+(N/A|SYSTEM|\S+\\\S+)(?:\s+(.*?))?\s*$`)

func listViewEvent(l textLine, name string, o *Options, p *problems) (model.Event, bool) {
	m := listViewLine.FindStringSubmatch(strings.TrimSpace(l.text))
	if m == nil {
		return model.Event{}, false
	}
	f := m[1:8]
	if m[8] != "" {
		computer, desc := splitComputer(m[8])
		f = append(f, computer, desc)
	}
	return exportEvent(f, l, name, o, p)
}

// splitComputer takes the Computer column off the start of a list line's
// rest: one word, or a placeholder in angle brackets. Event Viewer shows
// the computer's NetBIOS name, upper case and at most 15 characters; a
// first word with a lower-case letter is the description's (Q181931
// prints no Computer: "The application, exe\store.dbg, ..."), and the
// Computer stays unknown.
func splitComputer(s string) (computer, desc string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") {
		if i := strings.IndexByte(s, '>'); i > 0 {
			return s[:i+1], strings.TrimSpace(s[i+1:])
		}
	}
	word, rest, _ := strings.Cut(s, " ")
	if len(word) > 15 || strings.ToUpper(word) != word || strings.ContainsAny(word, `,.;:\/"`) {
		return "", s
	}
	return word, strings.TrimSpace(rest)
}
