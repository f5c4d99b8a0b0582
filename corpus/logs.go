package corpus

import (
	"bufio"
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// protoTime is the IMS protocol log time stamp (ims-kb.md 4.3): local
// wall-clock time, two-digit year.
func protoTime(t time.Time, tz *time.Location) string {
	return t.In(tz).Format("1/2/06 3:04:05 PM")
}

func (g *gen) recipientsOf(m *msgMeta) []string {
	if m.nrcpt > len(m.rcpts) {
		return bulkRecipients(m.nrcpt, g.domain)
	}
	return m.rcpts
}

// writeProtocolLogs writes SMTP protocol logs (Medium level: commands and
// headers) for the culprit's inbound session and a sample of others,
// spread over three L*.LOG files as simultaneous connections are.
// metas must be in time order.
func (g *gen) writeProtocolLogs(dir string, metas []*msgMeta) ([]string, error) {
	const files = 3
	var sessions [files][]*msgMeta
	k := 0
	for _, m := range metas {
		if m.dir != "IN" || m.Format != "ims-spool" || m.nrcpt == 0 || m.nrcpt > 50 {
			continue
		}
		if m.isCulprit || g.rng.IntN(20) == 0 {
			sessions[k%files] = append(sessions[k%files], m)
			k++
		}
	}
	var written []string
	for i := range files {
		if len(sessions[i]) == 0 {
			// No session for this file (a small queue): an empty log is
			// no evidence format, and a demo of 50 messages would tell
			// the user so.
			continue
		}
		name := fmt.Sprintf("L%07d.LOG", i+1)
		path := filepath.Join(dir, name)
		err := writeLines(path, func(w *bufio.Writer) error {
			for _, m := range sessions[i] {
				g.writeSession(w, m)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		written = append(written, name)
	}
	return written, nil
}

func (g *gen) writeSession(w *bufio.Writer, m *msgMeta) {
	tz := g.cfg.TZ
	t := m.t.Add(-time.Duration(3+g.rng.IntN(20)) * time.Second)
	line := func(s string) {
		fmt.Fprintf(w, "%s : %s\r\n", protoTime(t, tz), s)
		if g.rng.IntN(3) == 0 {
			t = t.Add(time.Second)
		}
	}
	line("A connection was accepted from " + m.helo + ".")
	line("<<< EHLO " + m.helo)
	line(">>> 250-" + g.fqdn + " Hello [" + m.ip + "]")
	line(fmt.Sprintf("<<< MAIL FROM:<%s> SIZE=%d", m.envFrom, m.size))
	line(">>> 250 OK - mail from <" + m.envFrom + ">")
	for _, r := range g.recipientsOf(m) {
		line("<<< RCPT TO:<" + r + ">")
		line(">>> 250 OK - Recipient <" + r + ">")
	}
	line("<<< DATA")
	line(">>> 354 Send data.  End with CRLF.CRLF")
	line("<<< Message-ID: " + m.msgID)
	line("<<< Subject: " + m.subject)
	t = m.t
	line(">>> 250 OK")
	line("<<< QUIT")
	line(">>> 221 closing connection")
}

// writeTracking writes message tracking logs (ims-kb.md 4.4), one file per
// GMT day named YYYYMMDD.log: 1012 (SMTP received inbound) for every
// inbound spool file and 1013 (transferred inbound to the IS) for all but
// the culprit; 1010 (SMTP queued outbound) for outbound ones. A record is
// fields 1-13 separated by TAB, then each recipient after a bare LF; the
// record ends with CRLF. Times are GMT.
func (g *gen) writeTracking(dir string, metas []*msgMeta) ([]string, error) {
	type rec struct {
		t     time.Time
		event int
		m     *msgMeta
	}
	var recs []rec
	for _, m := range metas {
		if m.Format != "ims-spool" {
			continue
		}
		if m.dir == "IN" {
			recs = append(recs, rec{m.t, 1012, m})
			if !m.isCulprit {
				recs = append(recs, rec{m.t.Add(2 * time.Second), 1013, m})
			}
		} else {
			recs = append(recs, rec{m.t, 1010, m})
		}
	}
	slices.SortStableFunc(recs, func(a, b rec) int { return a.t.Compare(b.t) })
	var written []string
	for len(recs) > 0 {
		day := recs[0].t.UTC().Format("20060102")
		n := 0
		for n < len(recs) && recs[n].t.UTC().Format("20060102") == day {
			n++
		}
		batch := recs[:n]
		recs = recs[n:]
		name := day + ".log"
		err := writeLines(filepath.Join(dir, name), func(w *bufio.Writer) error {
			for _, r := range batch {
				m := r.m
				rc := g.recipientsOf(m)
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t0\t%d\t0\t1\t\t%d", m.mtsID, r.event, r.t.UTC().Format("1/2/2006 15:04:05")+" GMT",
					g.server, "MSExchangeIMC", m.msgID, m.envFrom, m.size, len(rc))
				for _, a := range rc {
					w.WriteString("\n" + a)
				}
				w.WriteString("\r\n")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		written = append(written, name)
	}
	return written, nil
}
