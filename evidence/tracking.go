package evidence

import (
	"io"
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
		if cur < 0 {
			p.damage("line %d: not a tracking log entry", l.no)
			continue
		}
		addRecipient(&events[cur], f, o)
	}
	return events
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
