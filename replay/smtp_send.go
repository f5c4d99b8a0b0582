package replay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// Deliver sends one message and returns its journal record. SMTP
// outcomes are in the record (error is nil): Result "ok" when DATA got 250
// for at least one recipient; "deferred" when the server still answered
// 4xx after Retries; "failed" for 5xx, for a connection lost during DATA
// (not sent: a rerun may send it again, the sink's ENVID check makes that
// exactly-once) and for errors reading the file; "refused" when the
// message cannot be sent as is. Phase is the phase that failed (connect,
// helo, tls, auth, mail, rcpt, data), and Reason starts with it. Every server reply is in
// Replies. The error is non-nil only when ctx was cancelled.
func (t *SMTPTarget) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	m := it.Msg
	rec := model.ReplayRecord{Type: model.TypeReplay, Schema: model.SchemaVersion, Target: t.String(), Action: model.ActionSend,
		Dest: t.addr, Time: time.Now().UTC()}
	if m != nil {
		rec.Path = m.Path
	}
	if reason := refuseReason(m, t.opts.FixLineEndings); reason != "" {
		rec.Result, rec.Reason = model.ResultRefused, reason
		return rec, nil
	}
	f, err := readonly.Open(m.Path)
	if err != nil {
		rec.Result, rec.Reason = model.ResultFailed, "read: "+err.Error()
		return rec, nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || messageEnd(m, st.Size()) < m.MessageOffset {
		rec.Result, rec.Reason = model.ResultFailed, fmt.Sprintf("read: file shorter than the message offset %d", m.MessageOffset)
		return rec, nil
	}
	part := io.NewSectionReader(f, m.MessageOffset, messageEnd(m, st.Size())-m.MessageOffset)

	var scan lineScan
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(h, &scan), part); err != nil {
		rec.Result, rec.Reason = model.ResultFailed, "read: "+err.Error()
		return rec, nil
	}
	rec.SHA256Before = hex.EncodeToString(h.Sum(nil))
	if scan.bareLF > 0 && !t.opts.FixLineEndings {
		rec.Result, rec.Reason = model.ResultRefused, "bare LF: would be changed in transit; use --fix-line-endings"
		return rec, nil
	}

	mailOpts, envEnvID, dropped := mailOptions(m.Envelope.FromParams)
	mailOpts.Size = scan.size
	var notes []string
	if len(dropped) > 0 {
		notes = append(notes, "MAIL parameters not passed: "+strings.Join(dropped, " "))
	}
	pending := make([]int, len(m.Envelope.To))
	for i := range pending {
		pending[i] = i
	}
	var delivered, refused []string
	var last txResult
	for attempt := 1; ; attempt++ {
		rec.Attempt = attempt
		if err := t.limiter.wait(ctx); err != nil {
			return t.interrupted(rec, err)
		}
		tx := t.transaction(ctx, part, m, pending, mailOpts, envEnvID, rec.SHA256Before)
		rec.Replies = append(rec.Replies, tx.replies...)
		if ctx.Err() != nil {
			return t.interrupted(rec, ctx.Err())
		}
		last = tx
		if len(tx.delivered) > 0 {
			rec.SHA256After, rec.Bytes = tx.after, tx.bytes
			notes = append(notes, "envid="+tx.envid)
		}
		delivered = append(delivered, addrs(m, tx.delivered)...)
		refused = append(refused, addrs(m, tx.permFailed)...)
		pending = minus(pending, tx.delivered, tx.permFailed)
		if tx.dataLost || len(pending) == 0 || !tx.temporary || attempt > t.opts.Retries {
			break
		}
		if err := sleepCtx(ctx, backoff(t.opts.RetryBackoff, attempt)); err != nil {
			return t.interrupted(rec, err)
		}
	}

	switch {
	case len(delivered) > 0:
		rec.Result = model.ResultOK
		if len(refused) > 0 {
			notes = append(notes, "refused recipients: "+strings.Join(refused, ","))
		}
		if len(pending) > 0 {
			notes = append(notes, "not delivered (temporary): "+strings.Join(addrs(m, pending), ","))
		}
		if rec.SHA256After != rec.SHA256Before {
			notes = append(notes, changeNote(&scan))
		}
	case last.dataLost:
		rec.Result, rec.Phase, rec.ConnectionLost = model.ResultFailed, model.PhaseData, true
		notes = append([]string{"data: connection lost (not sent; a rerun may send it again)"}, notes...)
	case last.temporary:
		rec.Result, rec.Phase, rec.ConnectionLost = model.ResultDeferred, last.phase, last.connLost
		notes = append([]string{string(last.phase) + ": " + last.reason}, notes...)
	default:
		rec.Result, rec.Phase, rec.ConnectionLost = model.ResultFailed, last.phase, last.connLost
		notes = append([]string{string(last.phase) + ": " + last.reason}, notes...)
	}
	rec.Reason = strings.Join(notes, "; ")
	return rec, nil
}

func (t *SMTPTarget) interrupted(rec model.ReplayRecord, err error) (model.ReplayRecord, error) {
	if rec.Result == "" {
		rec.Result, rec.Reason = model.ResultFailed, "interrupted"
	}
	return rec, fmt.Errorf("replay: smtp %s: %w", t.addr, err)
}

// changeNote explains why the bytes the server received differ.
func changeNote(s *lineScan) string {
	var why []string
	if s.bareLF > 0 {
		why = append(why, fmt.Sprintf("%d bare LF sent as CRLF", s.bareLF))
	}
	if !s.endsWithCRLF {
		why = append(why, "CRLF added at the end (the data did not end with CRLF)")
	}
	if len(why) == 0 {
		why = append(why, "bytes changed by the dot writer")
	}
	return "sent bytes differ from the file: " + strings.Join(why, ", ")
}

// txResult is the outcome of one SMTP transaction.
type txResult struct {
	replies    []model.SMTPReply
	phase      model.SMTPPhase // where it stopped short of delivery
	reason     string
	temporary  bool // 4xx or connection trouble before DATA: worth a retry
	dataLost   bool // connection lost once DATA had started
	connLost   bool // the server dropped the connection instead of answering
	delivered  []int
	permFailed []int
	envid      string
	after      string
	bytes      int64
}

// transaction runs MAIL, RCPT for the pending recipients and DATA on one
// pooled connection.
func (t *SMTPTarget) transaction(ctx context.Context, part *io.SectionReader, m *model.Message, pending []int,
	mailOpts smtp.MailOptions, envEnvID, sha string) (tx txResult) {
	c, reused, replies, phase, err := t.acquire(ctx)
	tx.replies = replies
	if err != nil {
		tx.phase, tx.reason = phase, err.Error()
		tx.temporary = !isPermanent(err)
		return tx
	}
	healthy := false
	defer func() { t.release(c, healthy) }()
	stop := context.AfterFunc(ctx, func() { c.raw.SetDeadline(time.Unix(1, 0)) })
	defer func() { stop() }()

	// fail records an error of one phase; an SMTP reply leaves the
	// connection usable after RSET, anything else does not.
	fail := func(phase model.SMTPPhase, cmd string, err error) txResult {
		tx.phase, tx.reason = phase, err.Error()
		tx.replies = append(tx.replies, replyOf(cmd, err)...)
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			tx.temporary = se.Code/100 == 4
			tx.reason = formatReply(replyOf(cmd, err)[0])
			healthy = c.client.Reset() == nil
		} else {
			tx.temporary, tx.reason, tx.connLost = true, "connection lost: "+err.Error(), true
		}
		return tx
	}

	tx.envid = envEnvID
	if tx.envid == "" {
		if ok, _ := c.client.Extension("DSN"); ok {
			tx.envid = derivedEnvID(sha, m.Envelope.From, addrs(m, pending))
		}
	}
	mailOpts.EnvelopeID = tx.envid
	err = c.client.Mail(m.Envelope.From, &mailOpts)
	var se *smtp.SMTPError
	if err != nil && reused && !errors.As(err, &se) {
		// The pooled connection died while idle (server timeout): this is
		// not a failure of the message; dial a fresh one once.
		c.client.Close()
		fresh, replies, err2 := t.dial(ctx)
		tx.replies = append(tx.replies, replies...)
		if err2 != nil {
			var pe *phaseError
			tx.phase, tx.reason, tx.temporary = model.PhaseConnect, err2.Error(), !isPermanent(err2)
			if errors.As(err2, &pe) {
				tx.phase = pe.phase
			}
			c = &smtpConn{raw: c.raw, client: c.client}
			return tx
		}
		c = fresh
		stop()
		stop = context.AfterFunc(ctx, func() { fresh.raw.SetDeadline(time.Unix(1, 0)) })
		err = c.client.Mail(m.Envelope.From, &mailOpts)
	}
	if err != nil {
		return fail(model.PhaseMail, "MAIL", err)
	}
	tx.replies = append(tx.replies, model.SMTPReply{Command: "MAIL", Code: 250})

	var accepted []int
	anyTemp := false
	var lastRcpt error
	for _, i := range pending {
		to := m.Envelope.To[i]
		var params string
		if i < len(m.Envelope.ToParams) {
			params = m.Envelope.ToParams[i]
		}
		ropts, _ := rcptOptions(params)
		cmd := "RCPT <" + to + ">"
		err := c.client.Rcpt(to, &ropts)
		var se *smtp.SMTPError
		switch {
		case err == nil:
			accepted = append(accepted, i)
			tx.replies = append(tx.replies, model.SMTPReply{Command: cmd, Code: 250})
		case errors.As(err, &se):
			tx.replies = append(tx.replies, replyOf(cmd, err)...)
			lastRcpt = err
			if se.Code/100 == 4 {
				anyTemp = true
			} else {
				tx.permFailed = append(tx.permFailed, i)
			}
		default:
			return fail(model.PhaseRcpt, cmd, err)
		}
	}
	if len(accepted) == 0 {
		tx.phase, tx.temporary = model.PhaseRcpt, anyTemp
		tx.reason = formatReply(replyOf("RCPT", lastRcpt)[0])
		healthy = c.client.Reset() == nil
		return tx
	}
	tx.temporary = anyTemp

	dc, err := c.client.Data()
	if err != nil {
		r := fail(model.PhaseData, "DATA", err)
		r.permFailed = nil
		if !r.temporary {
			r.permFailed = append(tx.permFailed, accepted...)
		}
		return r
	}
	wire := newWireView()
	buf := make([]byte, 64<<10)
	sr := io.NewSectionReader(part, 0, part.Size())
	for {
		n, rerr := sr.Read(buf)
		if n > 0 {
			c.raw.SetWriteDeadline(time.Now().Add(t.opts.Timeout))
			if _, werr := dc.Write(buf[:n]); werr != nil {
				tx.phase, tx.reason, tx.dataLost = model.PhaseData, "connection lost: "+werr.Error(), true
				tx.replies = append(tx.replies, model.SMTPReply{Command: "DATA", Text: "connection lost"})
				return tx
			}
			wire.Write(buf[:n])
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			// The file failed under us: abandon the connection so the
			// server never sees a final dot.
			tx.phase, tx.reason = model.PhaseData, "read: "+rerr.Error()
			return tx
		}
	}
	tx.after, tx.bytes = wire.finish()
	resp, err := dc.CloseWithResponse()
	if err != nil {
		var se *smtp.SMTPError
		if !errors.As(err, &se) {
			tx.phase, tx.reason, tx.dataLost = model.PhaseData, "connection lost: "+err.Error(), true
			tx.replies = append(tx.replies, model.SMTPReply{Command: "DATA", Text: "connection lost"})
			return tx
		}
		r := fail(model.PhaseData, "DATA", err)
		if !r.temporary {
			r.permFailed = append(r.permFailed, accepted...)
		}
		return r
	}
	tx.replies = append(tx.replies, parseReplyText("DATA", 250, resp.StatusText))
	tx.delivered = accepted
	healthy = true
	return tx
}

// derivedEnvID is the ENVID sent when the envelope has none: stable for
// the same message bytes, sender and recipients, so a rerun is recognised.
func derivedEnvID(sha, from string, rcpts []string) string {
	rs := append([]string(nil), rcpts...)
	sort.Strings(rs)
	h := sha256.Sum256([]byte(sha + "\n" + from + "\n" + strings.Join(rs, "\n")))
	return "imsf-" + hex.EncodeToString(h[:])[:32]
}

func addrs(m *model.Message, idx []int) []string {
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		out = append(out, m.Envelope.To[i])
	}
	return out
}

func minus(all []int, drop ...[]int) []int {
	gone := map[int]bool{}
	for _, d := range drop {
		for _, i := range d {
			gone[i] = true
		}
	}
	var out []int
	for _, i := range all {
		if !gone[i] {
			out = append(out, i)
		}
	}
	return out
}

func isPermanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code/100 == 5
}

// replyOf turns an error into the reply record(s) of cmd.
func replyOf(cmd string, err error) []model.SMTPReply {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		r := model.SMTPReply{Command: cmd, Code: se.Code, Text: se.Message}
		if ec := se.EnhancedCode; ec != smtp.EnhancedCodeNotSet && ec != smtp.NoEnhancedCode {
			r.EnhancedCode = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		return []model.SMTPReply{r}
	}
	if err == nil {
		return []model.SMTPReply{{Command: cmd}}
	}
	return []model.SMTPReply{{Command: cmd, Text: err.Error()}}
}

// parseReplyText splits "2.0.0 OK: queued" into enhanced code and text.
func parseReplyText(cmd string, code int, text string) model.SMTPReply {
	r := model.SMTPReply{Command: cmd, Code: code, Text: text}
	first, rest, ok := strings.Cut(text, " ")
	if ok && strings.Count(first, ".") == 2 && strings.Trim(first, "0123456789.") == "" {
		r.EnhancedCode, r.Text = first, rest
	}
	return r
}

func formatReply(r model.SMTPReply) string {
	s := fmt.Sprintf("%d", r.Code)
	if r.EnhancedCode != "" {
		s += " " + r.EnhancedCode
	}
	if r.Text != "" {
		s += " " + r.Text
	}
	return s
}

func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
