package corpus

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// mail is one message being built: its envelope, its place in the tree and
// the hooks poison builders use to bend the top header block.
type mail struct {
	name  string    // 8-character spool name
	queue string    // IN, OUT, IN/Archive, OUT/Archive, Pickup
	dir   string    // IN or OUT: inbound or outbound
	t     time.Time // file time (UTC)

	envFrom string   // MAIL FROM address, "" for the null sender <>
	rcpts   []string // envelope RCPT TO addresses
	helo    string   // HELO name of the sending host (inbound)
	host    string   // connecting host name
	ip      string

	fromHdr string // From header value
	toHdr   string // To header value
	ccHdr   string
	subject string // Subject value as written (ASCII or RFC 2047)
	plain   string // subject in plain ASCII for logs
	msgID   string
	mtsID   string

	// Hooks for poison builders.
	noDate      bool
	dateValue   string   // overrides the Date value
	received    []string // extra Received values, written first (newest on top)
	extraTop    []string // raw header lines (with CRLF) before MIME-Version
	noMIMEVer   bool
	envNoRcpt   bool // envelope without any RCPT TO
	envNoEwLs   bool // ImCr but no EwLs
	envOnly     bool // envelope and EwLs, no RFC 822 part
	emptyFile   bool
	rcptNoWrite bool // envelope recipients counted but header shows a group

	rules []string
	role  string // clean, poison, culprit
}

func (g *gen) person(rng *rand.Rand, domain string) (display, addr string) {
	f := firstNames[rng.IntN(len(firstNames))]
	l := lastNames[rng.IntN(len(lastNames))]
	return f + " " + l, strings.ToLower(f[:1]+l) + "@" + domain
}

func (g *gen) remoteDomain() string { return remoteDomains[g.rng.IntN(len(remoteDomains))] }

// setupAddresses fills the envelope and the address headers of m for its
// direction: inbound from a remote domain to local users, outbound the
// other way.
func (g *gen) setupAddresses(m *mail) {
	rng := g.rng
	fromDom, toDom := g.remoteDomain(), g.domain
	if m.dir == "OUT" {
		fromDom, toDom = g.domain, ""
	}
	disp, addr := g.person(rng, fromDom)
	m.envFrom = addr
	m.fromHdr = fmt.Sprintf("\"%s\" <%s>", disp, addr)
	n := 1
	if rng.IntN(4) == 0 {
		n += 1 + rng.IntN(4)
	}
	var to []string
	m.rcpts = m.rcpts[:0]
	for range n {
		d := toDom
		if d == "" {
			d = g.remoteDomain()
		}
		disp, a := g.person(rng, d)
		m.rcpts = append(m.rcpts, a)
		to = append(to, fmt.Sprintf("\"%s\" <%s>", disp, a))
	}
	m.toHdr = strings.Join(to, ", ")
	if n > 2 && rng.IntN(2) == 0 {
		m.toHdr = strings.Join(to[:2], ", ")
		m.ccHdr = strings.Join(to[2:], ", ")
	}
	m.host = "mail." + strings.TrimPrefix(fromDom, "mail.")
	m.helo = m.host
	m.ip = fmt.Sprintf("%d.%d.%d.%d", 192+rng.IntN(20), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
	if m.dir == "OUT" {
		m.host = g.fqdn
		m.helo = g.fqdn
		m.ip = "10.0.0.5"
	}
	s := subjects[rng.IntN(len(subjects))]
	m.subject, m.plain = s, s
	m.msgID = fmt.Sprintf("<%08X.%04X@%s>", rng.Uint32(), rng.IntN(0x10000), fromDom)
	local := m.t.In(g.cfg.TZ)
	m.mtsID = fmt.Sprintf("c=US;a= ;p=%s;l=%s%s%s", g.org, g.server, local.Format("0601021504"), m.name)
}

// rfcDate formats t as an RFC 5322 date in the server's zone.
func (g *gen) rfcDate(t time.Time) string {
	return t.In(g.cfg.TZ).Format("Mon, 2 Jan 2006 15:04:05 -0700")
}

// writeTop writes the top-level header block up to (not including)
// Content-Type. Inbound mail carries the sender's Received line and the
// IMS's own; outbound mail the IMS's outbound Received line.
func (g *gen) writeTop(b *bytes.Buffer, m *mail) {
	sent := m.t.Add(-time.Duration(20+g.rng.IntN(600)) * time.Second)
	for _, r := range m.received {
		writeField(b, "Received", r)
	}
	if m.dir == "IN" {
		id := m.name
		if g.rng.IntN(10) == 0 { // ims-kb.md 1.4: the Received id is not always the file name
			id = g.spoolName()
		}
		fmt.Fprintf(b, "Received: from %s ([%s]) by %s with SMTP (Microsoft Exchange Internet Mail Service Version %s)\r\n\tid %s; %s\r\n",
			m.helo, m.ip, g.fqdn, imsVersion, id, g.rfcDate(m.t))
		fmt.Fprintf(b, "Received: from ws%03d.%s by %s with ESMTP id %08X; %s\r\n",
			g.rng.IntN(300), strings.TrimPrefix(m.host, "mail."), m.host, g.rng.Uint32(), g.rfcDate(sent))
	} else {
		fmt.Fprintf(b, "Received: by %s with Internet Mail Service (%s)\r\n\tid <%s>; %s\r\n", g.fqdn, imsVersion, m.name, g.rfcDate(m.t))
	}
	b.WriteString("Message-ID: " + m.msgID + "\r\n")
	writeField(b, "From", m.fromHdr)
	writeField(b, "To", m.toHdr)
	if m.ccHdr != "" {
		writeField(b, "Cc", m.ccHdr)
	}
	writeField(b, "Subject", m.subject)
	if !m.noDate {
		d := m.dateValue
		if d == "" {
			d = g.rfcDate(sent)
		}
		b.WriteString("Date: " + d + "\r\n")
	}
	if m.dir == "OUT" {
		b.WriteString("X-Mailer: Internet Mail Service (" + imsVersion + ")\r\n")
	} else if g.rng.IntN(3) == 0 {
		b.WriteString("X-Mailer: " + mailers[g.rng.IntN(len(mailers))] + "\r\n")
	}
	for _, l := range m.extraTop {
		b.WriteString(l)
	}
	if !m.noMIMEVer {
		b.WriteString("MIME-Version: 1.0\r\n")
	}
}

const imsVersion = "5.5.2653.13"

var mailers = []string{
	"Microsoft Outlook Express 5.50.4522.1200", "Microsoft Outlook IMO, Build 9.0.2416 (9.0.2911.0)",
	"QUALCOMM Windows Eudora Version 4.3.2", "Mozilla 4.76 [en] (Windows NT 5.0; U)", "Lotus Notes Release 5.0.5",
}

// boundary returns a fresh, valid multipart boundary.
func (g *gen) boundary() string {
	return fmt.Sprintf("----=_NextPart_%03d_%04X_%08X.%08X", g.rng.IntN(1000), g.rng.IntN(0x10000), g.rng.Uint32(), g.rng.Uint32())
}
