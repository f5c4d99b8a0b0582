package smtpsink

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/model"
)

// backend creates one session per connection (at its first HELO/EHLO).
type backend struct{ sink *Sink }

var _ smtp.Backend = (*backend)(nil)

var errDropped = errors.New("smtpsink: connection dropped on purpose")

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := b.sink
	sess := &session{sink: s, conn: c, remote: c.Conn().RemoteAddr().String(), helo: c.Hostname()}
	if sc := sinkConnOf(c.Conn()); sc != nil {
		sess.sc = sc
		sess.connID = sc.id
	}
	subj := &faultSubject{remote: hostOf(c.Conn().RemoteAddr()), helo: sess.helo, key: sess.helo}
	if err := sess.apply(PhaseHelo, subj); err != nil {
		return nil, err
	}
	return sess, nil
}

// sinkConnOf is the sink's own connection under c: after STARTTLS
// go-smtp hands the session a *tls.Conn over it, and the session must keep
// the connection's id (logs, stored .json), its counters and its Close.
func sinkConnOf(c net.Conn) *sinkConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, _ := c.(*sinkConn)
	return sc
}

// session is one SMTP connection's transaction state.
type session struct {
	sink   *Sink
	conn   *smtp.Conn
	sc     *sinkConn
	connID string
	remote string
	helo   string

	mail     *model.SinkMail
	rcpts    []model.SinkRcpt
	authUser string // set by a successful AUTH
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
	if ss.sink.cfg.Auth != nil && ss.authUser == "" {
		return ss.refuse(errAuthRequired)
	}
	if hasControl(from) {
		ss.mail, ss.rcpts = nil, nil
		return ss.refuse(errControlInAddress)
	}
	mp := model.SinkMail{From: from}
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
		return ss.refuse(errControlInAddress)
	}
	if len(ss.rcpts) >= ss.sink.cfg.MaxRecipients {
		// Checked here rather than by go-smtp so that it is counted.
		return ss.refuse(&smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3},
			Message: fmt.Sprintf("too many recipients (at most %d)", ss.sink.cfg.MaxRecipients)})
	}
	subj := ss.subject()
	subj.to = []string{to}
	subj.key = subj.from + "\x00" + subj.envid + "\x00" + to
	if err := ss.apply(PhaseRcpt, subj); err != nil {
		return err
	}
	r := model.SinkRcpt{Addr: to}
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
// after <id>.eml and <id>.json are durable (a group commit shared with the
// other sessions: see store.commit).
func (ss *session) Data(r io.Reader) error {
	s := ss.sink
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if ss.mail == nil {
		return ss.refuse(&smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "MAIL first"})
	}
	received := time.Now().UTC()
	tmp, err := s.store.stage()
	if err != nil {
		return ss.storeFailure(err)
	}
	defer tmp.Abort()
	buf := getBuf()
	defer putBuf(buf)
	whole, err := ss.receive(r, tmp, buf)
	size := tmp.Size()
	if err != nil {
		var se *smtp.SMTPError
		var we *atomicfile.WriteError
		switch {
		case errors.As(err, &we):
			return ss.storeFailure(err)
		case errors.As(err, &se):
			return ss.refuse(se) // 552 max size
		case errors.Is(err, smtp.ErrTooLongLine):
			// A line over MaxLineLength: refused too (554), and was
			// counted nowhere.
			ss.sink.stats.refused.Add(1)
		}
		return fmt.Errorf("smtpsink: receiving DATA: %w", err)
	}
	sum := tmp.SHA256()
	findings, raw, err := ss.lint(tmp, buf, whole)
	if err != nil {
		return ss.storeFailure(err)
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
	return ss.store(tmp, received, size, sum, top, summary)
}

// Each Data call borrows one buffer: the copy from the connection to the
// file, then the message read back for lint (Config.Lint and the body
// faults must not keep raw past their call). Buffers that grew past
// maxPooledBuf for a large message are left to the collector.
const (
	copyBufSize  = 32 << 10
	maxPooledBuf = 1 << 20
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize, 64<<10); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:cap(*b)]
		bufPool.Put(b)
	}
}

// receive copies the message into tmp. Over a plaintext connection of
// the sink's own, the content is read in bulk from the connection's
// buffer (sinkConn.readData) and kept whole in *buf when it is not larger
// than flushAt: whole is true, and lint reads no file back. Whatever
// readData hands back, and everything under TLS or in BDAT chunks, is
// copied from go-smtp's reader, under the size limit that is left.
func (ss *session) receive(r io.Reader, tmp *atomicfile.Staged, buf *[]byte) (whole bool, err error) {
	s := ss.sink
	sc := ss.sc
	if sc == nil || sc.tls.Load() || ss.conn.Conn() != net.Conn(sc) || !isDataReader(r) {
		_, err := io.CopyBuffer(tmp, r, (*buf)[:copyBufSize])
		return false, err
	}
	out, flushed, done, err := sc.readData(tmp, (*buf)[:0], flushAt, s.cfg.MaxMessageBytes, s.cfg.MaxLineLength)
	*buf = out[:cap(out)] // it may have grown
	if err != nil {
		return false, err
	}
	if _, err := tmp.Write(out); err != nil {
		return false, err
	}
	if done {
		s.stats.fastData.Add(1)
		*buf = out
		return flushed == 0, nil
	}
	rest := r
	if max := s.cfg.MaxMessageBytes; max > 0 {
		rest = &sizeLimit{r: r, left: max - tmp.Size()}
	}
	_, err = io.CopyBuffer(tmp, rest, (*buf)[:copyBufSize])
	return false, err
}

// flushAt is how much of a message readData keeps in memory for lint
// before it writes to the file.
const flushAt = maxPooledBuf / 2

// sizeLimit is go-smtp's limit on the decoded size (a Read when nothing is
// left fails with ErrDataTooLarge, a read is cut to what is left) for what
// follows the bytes readData decoded, so the whole message meets the one
// MaxMessageBytes.
type sizeLimit struct {
	r    io.Reader
	left int64
}

func (l *sizeLimit) Read(b []byte) (int, error) {
	if l.left <= 0 {
		return 0, smtp.ErrDataTooLarge
	}
	if int64(len(b)) > l.left {
		b = b[:l.left]
	}
	n, err := l.r.Read(b)
	l.left -= int64(n)
	return n, err
}

// lint reads the received message back for the lint function and the
// body faults (from *buf when whole); neither set means no read at all.
func (ss *session) lint(tmp *atomicfile.Staged, buf *[]byte, whole bool) ([]model.Finding, []byte, error) {
	s := ss.sink
	if s.cfg.Lint == nil && !s.needsBody() {
		return nil, nil, nil
	}
	s.lintSem <- struct{}{}
	defer func() { <-s.lintSem }()
	raw := *buf
	if !whole {
		var err error
		if raw, err = tmp.Contents(*buf); err != nil {
			return nil, nil, fmt.Errorf("smtpsink: reading back DATA: %w", err)
		}
	}
	*buf = raw
	var findings []model.Finding
	if s.cfg.Lint != nil {
		findings = s.cfg.Lint(raw)
	}
	return findings, raw, nil
}

// store acknowledges an ENVID duplicate without storing it again, or
// commits the message and its envelope.
func (ss *session) store(tmp *atomicfile.Staged, received time.Time, size int64, sum string, top model.Class, summary []model.FindingSummary) error {
	s := ss.sink
	dupID, release, err := s.store.reserve(ss.mail.EnvID, sum, s.stop)
	if err != nil {
		return ss.storeFailure(err)
	}
	if dupID != "" {
		s.stats.duplicates.Add(1)
		s.logEvent("duplicate", map[string]any{"conn": ss.connID, "envid": ss.mail.EnvID, "sha256": sum[:12], "stored_as": dupID})
		return nil
	}
	id, seq := s.store.newID()
	committed := false // a failed commit may have named files: never settled
	defer func() {
		if committed {
			s.store.settle(seq)
		}
	}()
	env := model.SinkMessage{
		Type: model.TypeSinkMsg, Schema: model.SchemaVersion,
		ID: id, File: id + ".eml", ReceivedAt: received, ConnID: ss.connID,
		Remote: ss.remote, Helo: ss.helo, AuthUser: ss.authUser, TLSVersion: ss.tlsVersion(),
		Mail: *ss.mail, Rcpts: append([]model.SinkRcpt{}, ss.rcpts...),
		Size: size, SHA256: sum, DotDecoded: true,
		TopClass: top, Findings: summary,
	}
	env.TLS = env.TLSVersion != ""
	b, err := json.MarshalIndent(&env, "", "  ")
	if err != nil {
		release("")
		committed = true // nothing named
		return ss.storeFailure(fmt.Errorf("smtpsink: encode envelope: %w", err))
	}
	envTmp, err := s.store.stageBytes(append(b, '\n'))
	if err != nil {
		release("")
		committed = true // nothing named
		return ss.storeFailure(err)
	}
	defer envTmp.Abort()
	// Both are named, then one sync makes contents and names durable; a
	// crash before it completes may leave a torn pair or either name
	// alone, which the next start quarantines (store.go).
	if err := s.store.commit.Commit(tmp.To(s.store.path(id+".eml")), envTmp.To(s.store.path(id+".json"))); err != nil {
		release("")
		return ss.storeFailure(err)
	}
	committed = true
	release(id)
	s.noteStored()
	s.logEvent("stored", map[string]any{
		"id": id, "from": "<" + ss.mail.From + ">", "rcpts": len(ss.rcpts), "size": size,
		"sha256": sum[:12], "class": top.String(), "findings": topFindings(summary, 3),
	})
	return nil
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

// storeFailure logs a local storage error (with its paths, for the
// operator) and answers a 4xx without them (RFC 5321 section 4.2.5: the
// client keeps the message and retries; a 5xx would make a real MTA bounce
// mail the sink only failed to write). A full disk or quota is 452
// 4.3.1, anything else 451 4.3.0.
func (ss *session) storeFailure(err error) error {
	s := ss.sink
	s.stats.storeFailures.Add(1)
	s.logEvent("store-error", map[string]any{"conn": ss.connID, "error": err.Error()})
	return storeReply(err)
}

func storeReply(err error) *smtp.SMTPError {
	if isNoSpace(err) {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
			Message: "insufficient storage in the sink, try again later"}
	}
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "sink could not store the message, try again later"}
}

// isNoSpace reports a full disk, an exhausted quota or a file size limit.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG)
}

// refuse counts a refusal the sink decides itself and returns it.
func (ss *session) refuse(se *smtp.SMTPError) error {
	ss.sink.stats.refused.Add(1)
	return se
}
