package evidence

import (
	"io"
	"regexp"
	"strings"
	"time"

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
	// Commands are "<<<"-prefixed inbound, bare outbound; a KB article
	// that prints an outbound session may prefix ours ">>>" (Q245787).
	protoMail     = regexp.MustCompile(`(?i)^(<<<\s*|>>>\s*)?MAIL FROM:\s*(.*)$`)
	protoRcpt     = regexp.MustCompile(`(?i)^(<<<\s*|>>>\s*)?RCPT TO:\s*(.*)$`)
	protoSubject  = regexp.MustCompile(`(?i)Message subject:\s*"(.*)"`)
	protoHeaderSu = regexp.MustCompile(`(?i)^(?:<<<\s*)?Subject:\s?(.*)$`)
	protoData     = regexp.MustCompile(`(?i)^(<<<\s*)?DATA\s*$`)
	// DATA ends at the lone dot or at the server's reply to it: any
	// reply but 354 (Q262945's "554 Mailbox is not local" refuses the
	// message as "250" accepts it).
	protoDataEnd = regexp.MustCompile(`^(?:<<<\s*)?\.\s*$|^(?:>>>\s*|IO: \|)[245]\d\d\b`)
	// protoStatus is an outbound session's own unprefixed status line,
	// "499 No routing hosts are reachable for tool.com. Message subject:
	// ..." (Q228725); "354 Enter mail" repeats the go-ahead.
	protoStatus = regexp.MustCompile(`^[245]\d\d `)
)

type protoSession struct {
	ev       model.Event
	hasMail  bool
	inData   bool
	inHeader bool
	// sent is the last command this server sent in an outbound IIS
	// session: the remote's replies are logged on lines of their own.
	sent string
}

// protoReader follows the sessions of one protocol log.
type protoReader struct {
	name   string
	o      *Options
	p      *problems
	events []model.Event
	s      *protoSession // the open session
	stamp  time.Time     // the last time a line carried
	line   textLine      // the line being read
	prev   string        // the text of the last line read
}

func readProtocolLog(r io.Reader, name string, o *Options, p *problems) []model.Event {
	pr := &protoReader{name: name, o: o, p: p}
	for l := range lines(r, o, p) {
		pr.line = l
		text := l.text
		stamped := false
		if m := protoLine.FindStringSubmatch(text); m != nil {
			if t, ok := p.localTime(l.no, m[1], m[2], o.TZ); ok {
				pr.stamp = t
			}
			text, stamped = m[3], true
		}
		text = strings.TrimRight(text, " ")
		if !stamped && pr.continuesSummary(text) {
			continue
		}
		pr.prev = text
		if !pr.read(text) {
			return pr.events
		}
	}
	pr.flush()
	return pr.events
}

// read takes one line's text (its time stamp removed); false means
// MaxEvents was reached.
func (pr *protoReader) read(text string) bool {
	if m := protoAccepted.FindStringSubmatch(text); m != nil {
		return pr.start("inbound", m[1])
	}
	if m := protoOpened.FindStringSubmatch(text); m != nil {
		return pr.start("outbound", m[1])
	}
	s := pr.s
	if s != nil && s.inData {
		s.dataLine(text, pr.o)
		return true
	}
	if m := protoMail.FindStringSubmatch(text); m != nil {
		if s == nil || s.hasMail {
			// No session start logged, or a second message on the
			// connection: one more Event.
			dir, remote := "outbound", ""
			if strings.HasPrefix(m[1], "<<<") {
				dir = "inbound"
			}
			if s != nil {
				dir, remote = s.ev.Category, firstString(s.ev.Strings)
			}
			if !pr.start(dir, remote) {
				return false
			}
		}
		pr.s.hasMail = true
		pr.s.ev.MailFrom = capString(envelopeAddress(m[2]), pr.o.MaxStringBytes)
		return true
	}
	if s != nil {
		s.commandLine(text, pr.o)
	}
	return true
}

// continuesSummary reads a line without a time stamp that completes the
// summary line before it: a KB article wraps "... Message" / "subject:
// "Case 27375". Rescheduling ..." (Q228725), and so does an editor that
// wraps long lines. Other unstamped lines (the rest of a multi-line
// reply, "250-XEXCH50" in Q262945) are read as they are.
func (pr *protoReader) continuesSummary(text string) bool {
	s := pr.s
	if s == nil || pr.prev == "" || protoSubject.MatchString(pr.prev) {
		return false
	}
	joined := pr.prev + " " + strings.TrimSpace(text)
	if !protoSubject.MatchString(joined) {
		return false
	}
	s.inData, s.inHeader = false, false
	s.commandLine(joined, pr.o)
	pr.prev = joined
	return true
}

func (pr *protoReader) flush() {
	if pr.s != nil {
		pr.events = append(pr.events, pr.s.ev)
		pr.s = nil
	}
}

func (pr *protoReader) start(direction, remote string) bool {
	pr.flush()
	if len(pr.events) >= pr.o.MaxEvents {
		pr.p.add(&LimitError{Limit: "MaxEvents", Max: int64(pr.o.MaxEvents)})
		return false
	}
	if pr.stamp.IsZero() {
		// A KB article's copy without its time stamps (Q245787).
		pr.p.warn("line %d: session without a time stamp: its time is not known", pr.line.no)
	}
	s := &protoSession{ev: pr.line.event("protocol-log", pr.name)}
	s.ev.Source = "MSExchangeIMC"
	s.ev.Time = pr.stamp
	s.ev.Category = direction
	if remote != "" {
		s.ev.Strings = []model.Text{model.Text(capString(remote, pr.o.MaxStringBytes))}
		s.ev.Remote = string(s.ev.Strings[0])
	}
	pr.s = s
	return true
}

// dataLine reads a message line: only the header's Subject is of
// interest, and nothing here is a command (a body may say "MAIL FROM:").
func (s *protoSession) dataLine(text string, o *Options) {
	switch {
	case protoDataEnd.MatchString(text):
		s.inData, s.inHeader = false, false
	case s.ev.Category == "outbound" && protoStatus.MatchString(text) && !strings.HasPrefix(text, "354"):
		// The IMS does not log what it sends after DATA: its own
		// status line ends the message.
		s.inData, s.inHeader = false, false
		s.commandLine(text, o)
	case s.inHeader && strings.TrimSpace(strings.TrimPrefix(text, "<<<")) == "":
		s.inHeader = false
	case s.inHeader && s.ev.Subject == "":
		if m := protoHeaderSu.FindStringSubmatch(text); m != nil {
			s.ev.Subject = model.Text(capString(m[1], o.MaxStringBytes))
		}
	}
}

// commandLine reads a line of the open session outside DATA.
func (s *protoSession) commandLine(text string, o *Options) {
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
