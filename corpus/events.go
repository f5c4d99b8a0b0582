package corpus

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Category numbers are a model: the real values come from each source's
// message DLL, which an export renders as text.
var categories = map[string]uint16{
	"None": 0, "Initialization/Termination": 1, "Addressing": 2, "Message Transfer": 3,
	"SMTP Interface Events": 4, "Internal Processing": 5, "SMTP Protocol Log": 6, "Message Archival": 7,
	"Content Conversion": 8, "Content Engine": 9, "General": 10,
}

const (
	srcIMC      = "MSExchangeIMC"
	srcIS       = "MSExchangeIS"
	srcISPriv   = "MSExchangeIS Private"
	srcDrWatson = "DrWatson"
)

const text4116 = "An error was returned from the messaging software the Internet Mail Service uses to process messages on the Microsoft Exchange Server. It is possible that the piece of mail being processed at the time will not be delivered. The message may be returned to the sender as a failed delivery. The message that was being processed has been moved to the \"BAD\" folder if possible, and the error is not a temporary error. Otherwise it will be retried when the service is restarted.\r\n\r\nUse the appropriate utilities found in the SUPPORT directory of your Exchange CD to view and manipulate these messages."

// imcData builds an MSExchangeIMC data section (ims-kb.md 3.3): location
// DWORD, HRESULT, then the NUL-terminated spool name when given.
func imcData(location, hresult uint32, spool string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, location)
	b = binary.LittleEndian.AppendUint32(b, hresult)
	if spool != "" {
		b = append(b, spool...)
		b = append(b, 0)
	}
	return b
}

func ev(t time.Time, src string, code, typ uint16, cat string, desc string, strs []string, data []byte) logEvent {
	if strs == nil {
		strs = []string{}
	}
	return logEvent{t: t, source: src, code: code, typ: typ, category: categories[cat], catName: cat, strs: strs, data: data, desc: desc}
}

// spoolPath is how IMC events write a spool file path.
func spoolPath(queue, name string) string {
	return `D:\exchsrvr\imcdata\` + strings.ToLower(strings.ReplaceAll(queue, "/", `\`)) + `\` + name
}

// buildEvents returns the Application log of the incident day in time
// order: noise, then the scenario's sequence around g.crash.
func (g *gen) buildEvents() []logEvent {
	day := g.cfg.Now.UTC()
	sec := func(h, jitter int) time.Time {
		return day.Add(time.Duration(h*3600+g.rng.IntN(jitter)) * time.Second)
	}
	var evs []logEvent
	evs = append(evs,
		ev(sec(1, 3000), srcISPriv, 1221, evInfo, "General", fmt.Sprintf("The database has %d megabytes of free space after online defragmentation has terminated.", 40+g.rng.IntN(400)), []string{fmt.Sprint(40 + g.rng.IntN(400))}, nil),
		ev(sec(2, 1800), srcIMC, 1001, evInfo, "Initialization/Termination", "The Microsoft Exchange Internet Mail Service shut down successfully.", nil, nil),
		ev(sec(6, 6*3600), srcIMC, 3018, evWarning, "Message Transfer", "The free space on the drive holding the Internet Mail Service spool directories has dropped below 10240 K. Messages will not be converted until more space is available.", []string{"10240"}, nil),
	)
	// 2002 / 2001 for a sample of messages: they name files, as noise.
	n2002, n2001 := 0, 0
	for i := range g.metas {
		m := &g.metas[i]
		if m.isCulprit || m.Format != "ims-spool" || m.nrcpt == 0 {
			continue
		}
		if m.dir == "IN" && n2002 < 300 && g.rng.IntN(33) == 0 {
			n2002++
			evs = append(evs, ev(m.t, srcIMC, 2002, evInfo, "Message Transfer",
				fmt.Sprintf("A message from <%s> in temporary file %s was received from %s with %d local recipients.", m.envFrom, spoolPath("in", m.Name), m.helo, m.nrcpt),
				[]string{"<" + m.envFrom + ">", spoolPath("in", m.Name), m.helo, fmt.Sprint(m.nrcpt)}, nil))
		}
		if m.dir == "OUT" && n2001 < 200 && g.rng.IntN(50) == 0 {
			n2001++
			host := "mail." + strings.SplitN(m.rcpts[0], "@", 2)[1]
			evs = append(evs, ev(m.t.Add(2*time.Second), srcIMC, 2001, evInfo, "Message Transfer",
				fmt.Sprintf("Delivery of message %s from <%s> in temporary file %s was attempted to host(s) %s.", m.msgID, m.envFrom, spoolPath("out", m.Name), host),
				[]string{m.msgID, "<" + m.envFrom + ">", spoolPath("out", m.Name), host}, nil))
		}
	}
	evs = append(evs, g.scenarioEvents()...)
	slices.SortStableFunc(evs, func(a, b logEvent) int { return a.t.Compare(b.t) })
	return evs
}

func (g *gen) culprit() *msgMeta {
	for i := range g.metas {
		if g.metas[i].isCulprit {
			return &g.metas[i]
		}
	}
	return nil
}

// scenarioEvents is the incident itself (ims-kb.md 3.1, 3.2 and the KB
// articles each sequence follows).
func (g *gen) scenarioEvents() []logEvent {
	sc := g.cfg.Scenario
	T := g.crash
	at := func(s float64) time.Time { return T.Add(time.Duration(s * float64(time.Second))) }
	e4116 := func(t time.Time, hr uint32) logEvent {
		return ev(t, srcIMC, 4116, evError, "Internal Processing", text4116, nil, imcData(0x00050074, hr, ""))
	}
	e3039 := func(t time.Time) logEvent {
		return ev(t, srcIMC, 3039, evError, "Internal Processing", "The error 0x80040115 was encountered while trying to communicate with the message store. An attempt to refresh the connection will be made. If not successful, the service will be shut down.", []string{"0x80040115"}, imcData(0x00140667, 0x80040115, ""))
	}
	e4102 := func(t time.Time) logEvent {
		return ev(t, srcIMC, 4102, evError, "Internal Processing", "A serious error has occurred while trying to send mail into the Exchange Information Store. The Internet Mail Service is being shut down.", nil, nil)
	}
	switch sc.Kind {
	case KindQuiet:
		return nil
	case KindNonContent:
		return []logEvent{
			ev(at(-60), srcIMC, 1001, evInfo, "Initialization/Termination", "The Microsoft Exchange Internet Mail Service shut down successfully.", nil, nil),
			ev(at(0), srcIMC, 4018, evError, "Initialization/Termination", "Unable to start the Internet Mail Connector service because MAPI could not be initialized.", nil, nil),
			ev(at(1), srcIMC, 4116, evError, "Internal Processing", text4116, nil, nil),
		}
	case KindMTSOut:
		return []logEvent{e4116(at(0), 0x8007000E), e4116(at(900), 0x8007000E)}
	}
	c := g.culprit()
	if c == nil {
		return nil
	}
	name := c.Name
	from := c.envFrom
	var out []logEvent
	if sc.FaultingFunction != "" {
		app := strings.TrimSuffix(sc.FaultingApp, ".exe")
		local := T.In(g.cfg.TZ)
		when := fmt.Sprintf("%d/%d/%d @ %s", local.Month(), local.Day(), local.Year(), fmt.Sprintf("%d:%02d:%02d.%03d", local.Hour(), local.Minute(), local.Second(), local.Nanosecond()/1e6))
		addr := fmt.Sprintf("%08X", g.faultAddress())
		out = append(out, ev(at(0), srcDrWatson, 4097, evInfo, "None",
			fmt.Sprintf("The application, exe\\%s.dbg, generated an application error The error occurred on %s The exception generated was c0000005 at address %s (%s)", app, when, addr, sc.FaultingFunction),
			[]string{`exe\` + app + ".dbg", when, "c0000005", addr + " (" + sc.FaultingFunction + ")"}, nil))
	}
	isCrash := topClass([]string{sc.Culprit}) == "crash"
	switch sc.Naming {
	case NameNone:
		hr := uint32(0x80040115)
		if sc.Dir == "OUT" {
			hr = 0x80004005
		}
		out = append(out, e3039(at(2)), e4116(at(3), hr))
	case NameBy4117:
		if isCrash {
			out = append(out, e3039(at(1)), e4116(at(2), 0x80040115))
		}
		out = append(out,
			ev(c.t, srcIMC, 2002, evInfo, "Message Transfer",
				fmt.Sprintf("A message from <%s> in temporary file %s was received from %s with %d local recipients.", from, spoolPath("in", name), c.helo, c.nrcpt),
				[]string{"<" + from + ">", spoolPath("in", name), c.helo, fmt.Sprint(c.nrcpt)}, nil),
			ev(at(3), srcIMC, 4117, evError, "Internal Processing",
				"An error was returned from the messaging software the Internet Mail Service uses to process messages on the Microsoft Exchange Server. As a result, the message in spool file "+name+" failed to be delivered. The message has been moved to the IMCDATA\\IN\\ARCHIVE directory.",
				[]string{name}, imcData(0x0001037f, 0x80004005, "")))
	case NameBy4182:
		if sc.Culprit == "imcea-malformed" {
			out = append(out, ev(at(-1), srcIS, 12800, evError, "Content Engine", "Message processing failed because there is not enough available memory (8007000E-F20000FF).", []string{"8007000E-F20000FF"}, nil))
		}
		out = append(out, e4116(at(1), 0x80040115),
			ev(at(2), srcIMC, 4182, evError, "Internal Processing",
				"An error was returned from the messaging software the Internet Mail Service uses to process messages on the Microsoft Exchange Server. As a result, the message in spool file "+name+" will be retried when the server is restarted.",
				[]string{name}, imcData(0x00050074, 0x80040115, "")),
			e4102(at(3)))
	case NameBy12006:
		out = append(out,
			ev(at(0), srcIS, 12006, evError, "Content Engine",
				fmt.Sprintf("Error 80040C05-F20000E9 occurred while processing message %s from '%s'. The archive filename is '%s'.", c.msgID, from, name),
				[]string{"80040C05-F20000E9", c.msgID, from, name}, nil),
			ev(at(1), srcIMC, 4117, evError, "Internal Processing",
				"An error was returned from the messaging software the Internet Mail Service uses to process messages on the Microsoft Exchange Server. As a result, the message in spool file "+name+" failed to be delivered. The message has been moved to the IMCDATA\\IN\\ARCHIVE directory.",
				[]string{name}, imcData(0x0001037f, 0x80004005, "")))
	case NameBy12007:
		out = append(out, e4116(at(1), 0x80040115), e3039(at(2)),
			ev(at(3), srcIS, 12007, evError, "Content Engine",
				fmt.Sprintf("Error 0-82000080 occurred while processing message %s with subject %s from %s. The archive filename is '%s'.", c.msgID, c.subject, from, name),
				[]string{"0-82000080", c.msgID, c.subject, from, name}, nil),
			e4102(at(4)))
	case NameBy4131:
		if sc.Dir == "OUT" {
			hr := uint32(0x80004005)
			if sc.Culprit == "header-block-over-32k" || sc.Culprit == "header-field-over-21k" {
				hr = 0x8007000E
				out = append(out, e4116(at(0), hr))
			}
			out = append(out, ev(at(1), srcIMC, 4131, evInfo, "Internal Processing", "An unexpected error occurred in the Internet Mail Service. Information about this error is stored in the data portion of this event.", nil, imcData(0x0001023e, hr, name)))
		} else {
			out = append(out,
				ev(at(0), srcIMC, 4120, evError, "Internal Processing", "The Internet Mail Service could not create a non-delivery report for a failed message, so the sender was not informed. Information about this error is stored in the data portion of this event.", nil, imcData(0x0002019a, 0x8007000E, name)),
				ev(at(1), srcIMC, 4131, evInfo, "Internal Processing", "An unexpected error occurred in the Internet Mail Service. Information about this error is stored in the data portion of this event.", nil, imcData(0x0001023e, 0x8007000E, name)))
		}
	}
	out = append(out, ev(at(1200+float64(g.rng.IntN(600))), srcIMC, 1001, evInfo, "Initialization/Termination", "The Microsoft Exchange Internet Mail Service shut down successfully.", nil, nil))
	return out
}

// faultAddress is the instruction address Dr. Watson reports, stable per run.
func (g *gen) faultAddress() uint32 {
	if g.faultAddr == 0 {
		g.faultAddr = 0x6A200000 + uint32(g.rng.IntN(0x40000))&^3 + 0xA
	}
	return g.faultAddr
}
