package evidence

import (
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// IMS SMTP protocol logs (Imcdata\Log\L*.log, ims-kb.md 4.3) are lines
// "M/D/YY H:MM:SS AM : text" in the server's local time. A session starts
// with "A connection was accepted from HOST." (inbound: the remote's
// commands are prefixed "<<<", our replies ">>>") or "A connection to HOST
// was established." (outbound: our commands unprefixed, the remote's
// replies prefixed "IO: |"), and lasts until the next start.
//
// One Event per session, at the session start: Category "inbound" or
// "outbound", Strings[0] the remote host, MailFrom and RcptTo from the
// MAIL FROM / RCPT TO commands, Subject from the outbound summary line
// ('Message subject: "..."') or an inbound Subject header logged during
// DATA. QUIRK: a session that carries a second MAIL FROM (several messages
// on one connection) gives one more Event per message, at the time of its
// MAIL FROM, so each envelope can be joined to its spool file.

var (
	protoLine     = regexp.MustCompile(`^(\d{1,2}/\d{1,2}/\d{2,4}) +(\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?) : ?(.*)$`)
	protoAccepted = regexp.MustCompile(`(?i)^A connection was accepted from\s+(.*?)\.?\s*$`)
	protoOpened   = regexp.MustCompile(`(?i)^A connection to\s+(.*?)\s+was established`)
	protoMail     = regexp.MustCompile(`(?i)^(<<<\s*)?MAIL FROM:\s*(.*)$`)
	protoRcpt     = regexp.MustCompile(`(?i)^(<<<\s*)?RCPT TO:\s*(.*)$`)
	protoSubject  = regexp.MustCompile(`(?i)Message subject:\s*"(.*)"`)
	protoHeaderSu = regexp.MustCompile(`(?i)^(?:<<<\s*)?Subject:\s?(.*)$`)
	protoData     = regexp.MustCompile(`(?i)^(<<<\s*)?DATA\s*$`)
	protoDataEnd  = regexp.MustCompile(`^(?:<<<\s*)?\.\s*$|^(?:>>>\s*|IO: \|)250\b`)
)

type protoSession struct {
	ev       model.Event
	hasMail  bool
	inData   bool
	inHeader bool
}

func readProtocolLog(r io.Reader, name string, o *Options, p *problems) []model.Event {
	lr := newLineReader(r, o.MaxRecordBytes)
	var (
		events []model.Event
		s      *protoSession
		stamp  = model.Event{}.Time
	)
	flush := func() {
		if s != nil {
			events = append(events, s.ev)
			s = nil
		}
	}
	start := func(direction, remote string) bool {
		flush()
		if len(events) >= o.MaxEvents {
			p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
			return false
		}
		s = &protoSession{ev: newEvent("protocol-log", name+":"+strconv.Itoa(lr.line))}
		s.ev.Source = "MSExchangeIMC"
		s.ev.Time = stamp
		s.ev.Category = direction
		if remote != "" {
			s.ev.Strings = []model.Text{model.Text(capString(remote, o.MaxStringBytes))}
		}
		return true
	}
	for {
		raw, _, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.addf("line %d: %w", lr.line+1, err)
			}
			break
		}
		text := string(raw)
		if m := protoLine.FindStringSubmatch(text); m != nil {
			if t, ok := localTime(m[1], m[2], o.TZ); ok {
				stamp = t
			}
			text = m[3]
		}
		text = strings.TrimRight(text, " ")
		if m := protoAccepted.FindStringSubmatch(text); m != nil {
			if !start("inbound", m[1]) {
				return events
			}
			continue
		}
		if m := protoOpened.FindStringSubmatch(text); m != nil {
			if !start("outbound", m[1]) {
				return events
			}
			continue
		}
		if s != nil && s.inData {
			// Message lines: only the header's Subject is of interest, and
			// nothing here is a command (a body may say "MAIL FROM:").
			switch {
			case protoDataEnd.MatchString(text):
				s.inData, s.inHeader = false, false
			case s.inHeader && strings.TrimSpace(strings.TrimPrefix(text, "<<<")) == "":
				s.inHeader = false
			case s.inHeader && s.ev.Subject == "":
				if m := protoHeaderSu.FindStringSubmatch(text); m != nil {
					s.ev.Subject = model.Text(capString(m[1], o.MaxStringBytes))
				}
			}
			continue
		}
		if m := protoMail.FindStringSubmatch(text); m != nil {
			if s == nil || s.hasMail {
				dir, remote := "outbound", ""
				if m[1] != "" {
					dir = "inbound"
				}
				if s != nil {
					dir = s.ev.Category
					remote = firstString(s.ev.Strings)
				}
				if !start(dir, remote) {
					return events
				}
			}
			s.hasMail = true
			s.ev.MailFrom = capString(envelopeAddress(m[2]), o.MaxStringBytes)
			continue
		}
		if s == nil {
			continue
		}
		switch {
		case protoRcpt.MatchString(text):
			if len(s.ev.RcptTo) < maxRecipients {
				a := protoRcpt.FindStringSubmatch(text)[2]
				s.ev.RcptTo = append(s.ev.RcptTo, capString(envelopeAddress(a), o.MaxStringBytes))
			}
		case protoData.MatchString(text):
			s.inData, s.inHeader = true, true
		default:
			if m := protoSubject.FindStringSubmatch(text); m != nil {
				if s.ev.Subject == "" {
					s.ev.Subject = model.Text(capString(m[1], o.MaxStringBytes))
				}
				s.ev.Message = model.Text(capString(text, o.MaxStringBytes))
			}
		}
	}
	flush()
	return events
}

// envelopeAddress takes the address out of "<a@b> SIZE=1460" or
// "bob@dom.com"; the null reverse-path stays "<>".
func envelopeAddress(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") {
		if i := strings.IndexByte(s, '>'); i >= 0 {
			if i == 1 {
				return "<>"
			}
			return s[1:i]
		}
		s = s[1:]
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	return s
}

func firstString(ss []model.Text) string {
	if len(ss) == 0 {
		return ""
	}
	return string(ss[0])
}
