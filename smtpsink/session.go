package smtpsink

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/imsforensic/imsforensic/model"
)

// backend creates one session per connection (at its first HELO/EHLO).
type backend struct{ sink *Sink }

var _ smtp.Backend = (*backend)(nil)

var errDropped = errors.New("smtpsink: connection dropped on purpose")

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := b.sink
	sess := &session{sink: s, conn: c, remote: c.Conn().RemoteAddr().String(), helo: c.Hostname()}
	if sc, ok := c.Conn().(*sinkConn); ok {
		sess.sc = sc
		sess.connID = sc.id
	}
	subj := &faultSubject{remote: hostOf(c.Conn().RemoteAddr()), helo: sess.helo, key: sess.helo}
	if err := sess.apply(PhaseHelo, subj); err != nil {
		return nil, err
	}
	return sess, nil
}

// session is one SMTP connection's transaction state.
type session struct {
	sink   *Sink
	conn   *smtp.Conn
	sc     *sinkConn
	connID string
	remote string
	helo   string

	mail  *MailParams
	rcpts []RcptEntry
}

var _ smtp.Session = (*session)(nil)

// apply runs the faults and chaos of one phase: it sleeps for delays and
// returns the error to reply (or errDropped after closing the connection).
func (ss *session) apply(phase Phase, subj *faultSubject) error {
	s := ss.sink
	act := s.decide(phase, subj)
	s.sleep(act.delay)
	switch {
	case act.disconnect:
		s.stats.disconnects.Add(1)
		s.logEvent("disconnect", map[string]any{"conn": ss.connID, "phase": string(phase), "fault": act.spec})
		ss.drop()
		return errDropped
	case act.fail != nil:
		s.stats.rejected.Add(1)
		s.logEvent("fault", map[string]any{"conn": ss.connID, "phase": string(phase), "code": act.fail.Code, "fault": act.spec})
		return act.fail
	}
	return nil
}

// drop closes the connection without a reply, as a crashing server does.
func (ss *session) drop() {
	if ss.sc != nil {
		ss.sc.Close()
		return
	}
	ss.conn.Conn().Close()
}

func (ss *session) subject() *faultSubject {
	subj := &faultSubject{remote: hostOf(ss.conn.Conn().RemoteAddr()), helo: ss.helo}
	if ss.mail != nil {
		subj.from, subj.envid = ss.mail.From, ss.mail.EnvID
	}
	return subj
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	ss.helo = ss.conn.Hostname()
	if hasControl(from) {
		ss.mail, ss.rcpts = nil, nil
		return errControlInAddress
	}
	mp := MailParams{From: from}
	if opts != nil {
		mp.Size, mp.Body, mp.Auth = opts.Size, string(opts.Body), opts.Auth
		mp.Return, mp.EnvID = string(opts.Return), opts.EnvelopeID
		mp.UTF8, mp.RequireTLS = opts.UTF8, opts.RequireTLS
	}
	ss.mail, ss.rcpts = &mp, nil
	subj := ss.subject()
	subj.key = from + "\x00" + mp.EnvID
	if err := ss.apply(PhaseMail, subj); err != nil {
		ss.mail = nil
		return err
	}
	return nil
}

func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if hasControl(to) {
		return errControlInAddress
	}
	subj := ss.subject()
	subj.to = []string{to}
	subj.key = subj.from + "\x00" + subj.envid + "\x00" + to
	if err := ss.apply(PhaseRcpt, subj); err != nil {
		return err
	}
	r := RcptEntry{Addr: to}
	if opts != nil {
		for _, n := range opts.Notify {
			r.Notify = append(r.Notify, string(n))
		}
		r.ORcptType, r.ORcpt = string(opts.OriginalRecipientType), opts.OriginalRecipient
	}
	ss.rcpts = append(ss.rcpts, r)
	return nil
}

// errControlInAddress refuses an address with a NUL or another control
// character: RFC 5321 section 4.1.2 allows none in a Mailbox, a real IMS
// refuses it, and the sink would otherwise echo it back in its reply.
var errControlInAddress = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 3},
	Message: "address contains control characters"}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func (ss *session) Reset() { ss.mail, ss.rcpts = nil, nil }

func (ss *session) Logout() error { return nil }

// Data receives the message into a temp file, lints it, applies faults,
// chaos and the IMS emulation, and stores it. It returns nil (250) only
// after <id>.eml and <id>.json are durable.
func (ss *session) Data(r io.Reader) error {
	s := ss.sink
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if ss.mail == nil {
		return &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "MAIL first"}
	}
	received := time.Now().UTC()
	tmp, err := s.store.createTemp("eml")
	if err != nil {
		return tempFailure(err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // 552 max size
		}
		return fmt.Errorf("smtpsink: receiving DATA: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))

	var raw []byte
	var findings []model.Finding
	if s.cfg.Lint != nil || s.needsBody() {
		s.lintSem <- struct{}{}
		raw, err = os.ReadFile(tmp.Name())
		if err == nil && s.cfg.Lint != nil {
			findings = s.cfg.Lint(raw)
		}
		<-s.lintSem
		if err != nil {
			return tempFailure(fmt.Errorf("smtpsink: reading back DATA: %w", err))
		}
	}
	summary, top := summarize(findings)

	subj := ss.subject()
	for _, rc := range ss.rcpts {
		subj.to = append(subj.to, rc.Addr)
	}
	subj.findings, subj.body, subj.key = findings, raw, sum
	if err := ss.apply(PhaseData, subj); err != nil {
		return err
	}
	if s.cfg.Emulate == EmulateIMS && top == model.ClassCrash {
		return ss.emulateCrash(tmp, sum, summary)
	}

	dupID, release, err := s.store.reserve(ss.mail.EnvID, sum, s.stop)
	if err != nil {
		return tempFailure(err)
	}
	if dupID != "" {
		s.stats.duplicates.Add(1)
		s.logEvent("duplicate", map[string]any{"conn": ss.connID, "envid": ss.mail.EnvID, "sha256": sum[:12], "stored_as": dupID})
		return nil
	}
	id := s.store.newID(received)
	if err := s.store.commitTemp(tmp, id+".eml"); err != nil {
		release("")
		return tempFailure(err)
	}
	committed = true
	env := StoredEnvelope{
		Type: model.TypeSinkMsg, Schema: model.SchemaVersion,
		ID: id, File: id + ".eml", ReceivedAt: received, ConnID: ss.connID,
		Remote: ss.remote, Helo: ss.helo,
		Mail: *ss.mail, Rcpts: append([]RcptEntry{}, ss.rcpts...),
		Size: size, SHA256: sum, DotDecoded: true,
		TopClass: top, Findings: summary,
	}
	if err := ss.writeEnvelope(&env); err != nil {
		release("")
		return tempFailure(err)
	}
	release(id)
	s.noteStored()
	s.logEvent("stored", map[string]any{
		"id": id, "from": "<" + ss.mail.From + ">", "rcpts": len(ss.rcpts), "size": size,
		"sha256": sum[:12], "class": top.String(), "findings": topFindings(summary, 3),
	})
	return nil
}

// writeEnvelope makes the .eml rename durable, then writes the .json, so a
// .json never exists without its .eml.
func (ss *session) writeEnvelope(env *StoredEnvelope) error {
	st := ss.sink.store
	if err := syncDir(st.dir); err != nil {
		return err
	}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return fmt.Errorf("smtpsink: encode envelope: %w", err)
	}
	return st.writeFileAtomic(env.ID+".json", append(b, '\n'))
}

// needsBody reports whether a fault matches on the raw body.
func (s *Sink) needsBody() bool {
	for _, f := range s.cfg.Faults {
		if f.Field == "body" {
			return true
		}
	}
	return false
}

// tempFailure turns a local storage error into a 451 so the client keeps
// the message and retries.
func tempFailure(err error) error {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "sink could not store the message: " + strings.ReplaceAll(err.Error(), "\n", " ")}
}
