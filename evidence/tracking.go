package evidence

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Exchange 4.0/5.x message tracking logs (Exchsrvr\Tracking.log\
// YYYYMMDD.log, ims-kb.md 4.4, Q173280): tab-delimited, times in GMT.
// Fields: 1 message ID or MTS-ID, 2 event number, 3 date/time, 4 gateway,
// 5 partner, 6 remote ID, 7 originator, 8 priority, 9 length, 10 seconds,
// 11 cost, 12 subject ID or report MTS-ID, 13 recipient count, then per
// recipient its name (separated from the previous field by a linefeed)
// and, for reports, its status.
//
// One Event per entry: EventID the tracking event number (1012 SMTP
// received inbound, 1013 transferred inbound to the IS, ...), MTSID
// field 1, Time in UTC, MailFrom the originator, RcptTo the recipients,
// Strings the raw fields 4..13 (gateway, partner, remote ID, originator,
// priority, length, seconds, cost, subject ID, recipient count) as written.
// These logs have no subject field, so Subject stays empty.

const trackingFixedFields = 13

func readTracking(r io.Reader, name string, o *Options, p *problems) []model.Event {
	var (
		events []model.Event
		cur    = -1
		sp     = spacedTracking{cur: -1}
	)
	for l := range lines(r, o, p) {
		line := l.text
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if ev, ok := trackingEvent(f, l, name, o); ok {
			if len(events) >= o.MaxEvents {
				p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
				break
			}
			events = append(events, ev)
			cur = len(events) - 1
			continue
		}
		if ev, date, ok := spacedTrackingEvent(line, l, name, o); ok {
			if len(events) >= o.MaxEvents {
				p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
				break
			}
			if !sp.told {
				sp.told = true
				p.warn("line %d: entries with spaces for tabs and wrapped lines (as a KB article prints them): only the MTS-ID, event number and time are read, the other lines are kept as the entry's text", l.no)
			}
			events = append(events, ev)
			cur = len(events) - 1
			sp.cur, sp.date = cur, ""
			if ev.Time.IsZero() {
				sp.date = date
			}
			continue
		}
		if cur >= 0 && sp.cur == cur {
			sp.more(&events[cur], line, l, o, p)
			continue
		}
		if cur < 0 {
			p.damage("line %d: not a tracking log entry", l.no)
			continue
		}
		addRecipient(&events[cur], f, o)
	}
	return events
}

// A tracking log entry as a KB article prints it (Q153188): the tabs
// became spaces and the lines were wrapped at the page's width, the time
// sometimes on the line after the date:
//
//	c=US;a= ;p=MICROSOFT;l=TAMRAJ2-960701173047Z-2 1000 1996.7.1
//	17:30:48
//	/o=MICROSOFT/ou=TAMRAJ/cn=Configuration/cn=Servers/cn=TAMRAJ
//	2/cn=Microsoft Private MDB
//
// The MTS-ID, the event number and the date and time can be told apart;
// the gateway, partner, originator and recipients cannot (a DN holds
// spaces, a wrap splits a field anywhere), so they are not guessed: the
// entry's further lines are kept verbatim as its Message.
var (
	spacedTrackingHead = regexp.MustCompile(`(?i)^(c=[^;]*;a=[^;]*;p=[^;]*;l=\S+)\s+(\d{1,5})\s+(\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})(?:\s+(\d{1,2}:\d{1,2}:\d{1,2}(?:\s*[AP]M)?))?(?:\s+GMT)?\s*$`)
	spacedTrackingTime = regexp.MustCompile(`(?i)^\s*(\d{1,2}:\d{1,2}:\d{1,2}(?:\s*[AP]M)?)(?:\s+GMT)?\s*$`)
)

// spacedTracking follows the spaced entries of one file.
type spacedTracking struct {
	told bool
	cur  int    // the index of the spaced entry open, -1 when none
	date string // its date while its time is still to come
}

func spacedTrackingEvent(line string, l textLine, name string, o *Options) (model.Event, string, bool) {
	m := spacedTrackingHead.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return model.Event{}, "", false
	}
	ev := l.event("tracking-log", name)
	n, _ := strconv.ParseUint(m[2], 10, 32)
	ev.EventID = uint32(n)
	ev.MTSID = capString(m[1], o.MaxStringBytes)
	if m[4] != "" {
		t, ok := looseLocalTime(m[3], m[4], time.UTC)
		if !ok {
			return model.Event{}, "", false
		}
		ev.Time = t
	}
	return ev, m[3], true
}

// more takes a line of the open spaced entry: its time when the date
// stood alone, else a line of its text.
func (sp *spacedTracking) more(ev *model.Event, line string, l textLine, o *Options, p *problems) {
	if sp.date != "" {
		date := sp.date
		sp.date = ""
		if m := spacedTrackingTime.FindStringSubmatch(line); m != nil {
			// The loose clock: the KB's copy writes "18:32:9".
			if t, ok := looseLocalTime(date, m[1], time.UTC); ok {
				ev.Time = t
				return
			}
		}
		p.warn("line %d: the entry of line %d has a date (%s) but no time: its time is not known", l.no, ev.Line, date)
	}
	text := strings.TrimSpace(line)
	if text == "" {
		return
	}
	msg := string(ev.Message)
	if msg != "" {
		msg += "\n"
	}
	ev.Message = model.Text(capString(msg+text, o.MaxStringBytes))
}

func trackingEvent(f []string, l textLine, name string, o *Options) (model.Event, bool) {
	if len(f) < 9 || !isUint(f[1]) {
		return model.Event{}, false
	}
	t, ok := trackingTime(f[2])
	if !ok {
		return model.Event{}, false
	}
	ev := l.event("tracking-log", name)
	ev.Time = t
	n, _ := strconv.ParseUint(strings.TrimSpace(f[1]), 10, 32)
	ev.EventID = uint32(n)
	ev.MTSID = capString(strings.TrimSpace(f[0]), o.MaxStringBytes)
	ev.MailFrom = capString(strings.TrimSpace(f[6]), o.MaxStringBytes)
	for i := 3; i < len(f) && i < trackingFixedFields; i++ {
		ev.Strings = append(ev.Strings, model.Text(capString(f[i], o.MaxStringBytes)))
	}
	if len(f) > trackingFixedFields {
		addRecipient(&ev, f[trackingFixedFields:], o)
	}
	return ev, true
}

// addRecipient reads a recipient line: the name, then optionally the
// report status.
func addRecipient(ev *model.Event, f []string, o *Options) {
	for _, v := range f {
		v = strings.TrimSpace(v)
		if v == "" || isUint(v) || v == "-1" {
			continue
		}
		if len(ev.RcptTo) < maxRecipients {
			ev.RcptTo = append(ev.RcptTo, capString(v, o.MaxStringBytes))
		}
		return
	}
}

// trackingTime reads "3/14/2001 17:32:11 GMT" (or with AM/PM) as UTC.
func trackingTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, z := range []string{" GMT", " UTC", "Z"} {
		s = strings.TrimSuffix(s, z)
	}
	d, c := splitDateTime(s)
	if c == "" {
		if dd, cc, ok := strings.Cut(d, "T"); ok {
			d, c = dd, cc
		}
	}
	return localTime(d, c, time.UTC)
}

// maxRecipients bounds the recipients kept per event; the IMS itself
// refuses more than 32766 (3041, Q272672), a log line never needs more.
const maxRecipients = 5000
