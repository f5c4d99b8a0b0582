package evidence

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// IIS SMTP service logs (Windows 2000/2003 SMTPSVC, which Exchange 2000 and
// 2003 use for SMTP; %SystemRoot%\System32\LogFiles\SMTPSVC1\*.log) are
// read as protocol evidence, one Event per SMTP session (and one more per
// further MAIL FROM on the same connection), as for the IMS protocol log.
// Two layouts:
//
//   - W3C extended: "#Fields:" names the columns (a log can hold several
//     headers, each naming the columns of the lines after it); each line
//     is one command with date and time in UTC (without a date column, as
//     the "time c-ip cs-method ..." field choice writes it, the date is the
//     last "#Date:" directive's, a day later each time the clock goes
//     back), c-ip the remote host, cs-username the HELO
//     name (or OutboundConnectionCommand / OutboundConnectionResponse for
//     mail this server sends), cs-method the verb, cs-uri-query its
//     argument with '+' for blanks, sc-status the reply code,
//     s-computername (when logged) the server's own name: the Event's
//     Computer.
//   - NCSA common: `c-ip - cs-username [10/Oct/2006:13:16:39 -0600]
//     "VERB -?ARGUMENT SMTP" status bytes`, local time with its offset.
//
// A line carries no connection ID, so sessions are told apart by remote
// address: an inbound session runs from its first line to QUIT, an
// outbound one from the remote's 220 greeting to its 221 reply. Each Event has
// Category "inbound" or "outbound", Remote and Strings[0] the remote
// address, Strings[1] the HELO name, MailFrom, RcptTo, and Status with
// Message the first reply of 400 or more (the error the server gave or
// got).

var (
	ncsaLine  = regexp.MustCompile(`^(\S+) \S+ (\S+) \[(\d{1,2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "(\S+) (\S+?)(?:\?(.*))? SMTP" (\d+) (\d+)\s*$`)
	smtpVerbs = map[string]bool{"HELO": true, "EHLO": true, "MAIL": true, "RCPT": true, "DATA": true,
		"QUIT": true, "RSET": true, "BDAT": true, "AUTH": true, "STARTTLS": true, "TURN": true, "ETRN": true,
		"VRFY": true, "EXPN": true, "NOOP": true, "XEXCH50": true, "X-EXPS": true, "-": true, "XXXX": true}
)

// iisCommand is one line of an IIS SMTP log.
type iisCommand struct {
	time     time.Time
	remote   string // c-ip
	user     string // cs-username
	verb     string // cs-method, upper-cased
	arg      string // cs-uri-query, '+' turned back into blanks
	status   int    // sc-status
	version  string // cs-version: "SMTP" in the SMTP service's lines
	server   string // s-computername: this server's name, "" when not logged
	outbound bool
}

// smtpService reports a line the SMTP service wrote: cs-version "SMTP"
// says so whatever the verb. A browser or an open web proxy aimed at port
// 25 sends HTTP, and the service logs each line of it as a command it
// refused ("get - +/+HTTP/1.0 500 ... SMTP", a real IIS 6.0 log): that is
// SMTP evidence of an attack, not a web log.
func (c iisCommand) smtpService() bool { return strings.EqualFold(c.version, "SMTP") }

// iisSessions groups the commands of one log into sessions.
type iisSessions struct {
	name   string
	o      *Options
	p      *problems
	open   map[string]*protoSession // by remote address
	events []model.Event
}

func newIISSessions(name string, o *Options, p *problems) *iisSessions {
	return &iisSessions{name: name, o: o, p: p, open: map[string]*protoSession{}}
}

// add takes one command; false means MaxEvents was reached.
func (is *iisSessions) add(c iisCommand, l textLine) bool {
	key := c.remote
	if c.outbound {
		key = "out|" + key
	}
	s := is.open[key]
	// An outbound connection starts with the remote's 220 greeting and
	// ends with its 221 reply to our QUIT; an inbound one ends at QUIT.
	greeting := c.outbound && c.verb == "-" && strings.HasPrefix(c.arg, "220")
	if greeting && s != nil {
		is.events = append(is.events, s.ev)
		s = nil
	}
	if s == nil || c.verb == "MAIL" && s.hasMail {
		if len(is.events) >= is.o.MaxEvents {
			is.p.add(&LimitError{Limit: "MaxEvents", Max: int64(is.o.MaxEvents)})
			return false
		}
		if s != nil {
			is.events = append(is.events, s.ev)
		}
		s = is.start(c, l, s)
		is.open[key] = s
	}
	is.command(s, c)
	if !c.outbound && c.verb == "QUIT" || c.outbound && c.verb == "-" && strings.HasPrefix(c.arg, "221") {
		is.events = append(is.events, s.ev)
		delete(is.open, key)
	}
	return true
}

// start opens a session at c; prev is the session a second MAIL FROM
// continues, whose remote and HELO name it keeps.
func (is *iisSessions) start(c iisCommand, l textLine, prev *protoSession) *protoSession {
	s := &protoSession{ev: l.event("protocol-log", is.name)}
	s.ev.Source = "SMTPSVC"
	s.ev.Time = c.time
	s.ev.Category = "inbound"
	if c.outbound {
		s.ev.Category = "outbound"
	}
	s.ev.Remote = capString(c.remote, is.o.MaxStringBytes)
	s.ev.Computer = capString(c.server, is.o.MaxStringBytes)
	s.ev.Strings = []model.Text{model.Text(s.ev.Remote)}
	if prev != nil {
		s.ev.Strings = prev.ev.Strings
	} else if c.user != "" && c.user != "-" && !c.outbound {
		s.ev.Strings = append(s.ev.Strings, model.Text(capString(c.user, is.o.MaxStringBytes)))
	}
	return s
}

func (is *iisSessions) command(s *protoSession, c iisCommand) {
	o := is.o
	switch c.verb {
	case "MAIL":
		s.hasMail = true
		s.ev.MailFrom = capString(envelopeAddress(afterColon(c.arg)), o.MaxStringBytes)
	case "RCPT":
		if len(s.ev.RcptTo) < maxRecipients {
			s.ev.RcptTo = append(s.ev.RcptTo, capString(envelopeAddress(afterColon(c.arg)), o.MaxStringBytes))
		}
	}
	status := c.status
	if c.outbound && c.verb == "-" {
		// OutboundConnectionResponse: the remote's reply is the argument.
		if len(c.arg) >= 3 && isUint(c.arg[:3]) {
			status, _ = strconv.Atoi(c.arg[:3])
		}
	}
	if status >= 400 && s.ev.Status == "" {
		s.ev.Status = strconv.Itoa(status)
		s.ev.Level = "error"
		msg := strconv.Itoa(status) + " after " + strings.TrimSpace(c.verb+" "+c.arg)
		if c.outbound && c.verb == "-" {
			// The remote's reply is the argument; say which of our
			// commands it came after ("504 5.5.2 <HOST>: Helo command
			// rejected ... after RCPT TO:<...>"), none before a greeting.
			msg = c.arg
			if s.sent != "" {
				msg += " after " + s.sent
			}
		}
		s.ev.Message = model.Text(capString(msg, o.MaxStringBytes))
	}
	if c.outbound && c.verb != "-" {
		s.sent = capString(strings.TrimSpace(c.verb+" "+c.arg), o.MaxStringBytes)
	}
}

// finish returns the events, sessions still open (no QUIT logged) last.
func (is *iisSessions) finish() []model.Event {
	for _, s := range is.open {
		is.events = append(is.events, s.ev)
	}
	return is.events
}

// afterColon returns what follows "FROM:" / "TO:".
func afterColon(arg string) string {
	if _, v, ok := strings.Cut(arg, ":"); ok {
		return strings.TrimSpace(v)
	}
	return arg
}

// iisArg turns an IIS log argument back into text: '+' stands for a blank.
func iisArg(s string) string {
	if s == "-" {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(s, "+", " "))
}

func isOutboundUser(u string) bool {
	return strings.HasPrefix(u, "OutboundConnection")
}

// httpMethods are the cs-method values of an IIS web log: such a line is
// a web request, never an SMTP command, whatever the file was read as.
var httpMethods = map[string]bool{"GET": true, "POST": true, "HEAD": true, "PUT": true, "DELETE": true,
	"OPTIONS": true, "PATCH": true, "TRACE": true, "CONNECT": true, "PROPFIND": true, "PROPPATCH": true,
	"MKCOL": true, "COPY": true, "MOVE": true, "LOCK": true, "UNLOCK": true, "SEARCH": true,
	"RPC_IN_DATA": true, "RPC_OUT_DATA": true, "BITS_POST": true}

// w3cHeader is what the "#" directives of a W3C log said so far.
type w3cHeader struct {
	col  map[string]int // #Fields: column of each field, lower-cased
	date string         // #Date: its date, for lines without a date field
	last time.Time      // the previous line's time, to see a day roll over
	// untimedTold: the warning that lines have no time was given for
	// the current #Fields.
	untimedTold bool
}

// directive takes one "#" line.
func (h *w3cHeader) directive(text string) {
	if f, ok := strings.CutPrefix(text, "#Fields:"); ok {
		h.col = map[string]int{}
		for i, n := range strings.Fields(f) {
			h.col[strings.ToLower(n)] = i
		}
		h.last, h.untimedTold = time.Time{}, false
	}
	if d, ok := strings.CutPrefix(text, "#Date:"); ok {
		if f := strings.Fields(d); len(f) > 0 {
			h.date = f[0]
		}
		h.last = time.Time{}
	}
}

func readSMTPW3C(r io.Reader, name string, o *Options, p *problems) []model.Event {
	is := newIISSessions(name, o, p)
	var h w3cHeader
	for l := range lines(r, o, p) {
		text := strings.TrimSpace(l.text)
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "#") {
			h.directive(text)
			continue
		}
		c, ok := h.command(strings.Fields(text))
		if ok && !h.timed() && !h.untimedTold {
			h.untimedTold = true
			p.warn("line %d: the #Fields name no time: the times of the lines under them are unknown (a #Date directive says only when the header was written)", l.no)
		}
		switch {
		case !ok && h.col != nil && !hasField(h.col, "date") && h.date == "":
			p.damage("line %d: no date field and no #Date directive before it: its day is unknown", l.no)
			continue
		case !ok:
			p.damage("line %d: not an IIS SMTP W3C log line", l.no)
			continue
		case httpMethods[c.verb] && !c.smtpService():
			p.damage("line %d: %s is an HTTP request, not an SMTP command (an IIS web log?)", l.no, c.verb)
			continue
		}
		if !is.add(c, l) {
			break
		}
	}
	return is.finish()
}

// timed reports whether the #Fields name a time. An admin may log no
// time at all ("#Fields: c-ip cs-username s-sitename ...", a real IIS
// 7.0 SMTP log): its lines are read with their time unknown, never the
// #Date directive's, which is only when the header was written.
func (h *w3cHeader) timed() bool { return hasField(h.col, "time") }

func hasField(col map[string]int, name string) bool {
	_, ok := col[name]
	return ok
}

// command reads one line under the current header.
func (h *w3cHeader) command(f []string) (iisCommand, bool) {
	get := func(name string) string {
		if i, ok := h.col[name]; ok && i < len(f) {
			return f[i]
		}
		return ""
	}
	if h.col == nil {
		return iisCommand{}, false
	}
	var t time.Time
	date := get("date")
	byHeader := !hasField(h.col, "date")
	if byHeader {
		date = h.date
	}
	if h.timed() {
		var ok bool
		if t, ok = localTime(date, get("time"), time.UTC); !ok {
			return iisCommand{}, false
		}
	}
	if byHeader && !t.IsZero() {
		// W3C lines are written in time order: a clock that goes back
		// means midnight (UTC) passed since the #Date directive.
		for !h.last.IsZero() && t.Before(h.last) {
			t = t.AddDate(0, 0, 1)
		}
		h.last = t
	}
	c := iisCommand{time: t, remote: get("c-ip"), user: get("cs-username"), verb: strings.ToUpper(get("cs-method"))}
	c.arg = iisArg(get("cs-uri-query"))
	c.status, _ = strconv.Atoi(get("sc-status"))
	c.version = get("cs-version")
	if c.server = get("s-computername"); c.server == "-" {
		c.server = ""
	}
	c.outbound = isOutboundUser(c.user)
	return c, c.remote != "" && c.verb != ""
}

func readSMTPNCSA(r io.Reader, name string, o *Options, p *problems) []model.Event {
	is := newIISSessions(name, o, p)
	for l := range lines(r, o, p) {
		if strings.TrimSpace(l.text) == "" {
			continue
		}
		m := ncsaLine.FindStringSubmatch(l.text)
		var t time.Time
		var err error
		if m != nil {
			t, err = time.Parse("02/Jan/2006:15:04:05 -0700", m[3])
		}
		if m == nil || err != nil {
			p.damage("line %d: not an IIS SMTP NCSA log line", l.no)
			continue
		}
		c := iisCommand{time: t, remote: m[1], user: m[2], verb: strings.ToUpper(m[4]), arg: iisArg(m[6])}
		c.status, _ = strconv.Atoi(m[7])
		c.outbound = isOutboundUser(c.user)
		if !is.add(c, l) {
			break
		}
	}
	evs := is.finish()
	for i := range evs {
		if !evs[i].Time.IsZero() {
			evs[i].TimeZone = evs[i].Time.Format("UTC-07:00") // as the line wrote it
		}
	}
	return evs
}

// isW3CSMTP recognises an IIS W3C extended log of the SMTP service: a
// #Fields line with cs-method, and a first data line whose method is an
// SMTP verb (an IIS web log has GET and POST there) or whose cs-version
// is "SMTP" (the service logging HTTP sent to its port).
func isW3CSMTP(lines []string) bool {
	c, ok := firstW3CCommand(lines)
	return ok && (smtpVerbs[c.verb] || c.smtpService())
}

// firstW3CCommand reads the first data line of a W3C log's head.
func firstW3CCommand(lines []string) (iisCommand, bool) {
	var h w3cHeader
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "#") {
			h.directive(l)
			continue
		}
		if h.col == nil || l == "" {
			continue
		}
		return h.command(strings.Fields(l))
	}
	return iisCommand{}, false
}

// isNCSASMTP recognises an NCSA line of the IIS SMTP service.
func isNCSASMTP(line string) bool {
	m := ncsaLine.FindStringSubmatch(line)
	return m != nil && smtpVerbs[strings.ToUpper(m[4])]
}
