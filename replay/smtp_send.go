package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/smtpclient"
)

// Deliver sends one message and returns its journal record. SMTP
// outcomes are in the record (error is nil): Result "ok" when DATA got 250
// for at least one recipient; "deferred" when the server still answered
// 4xx after Retries; "failed" for 5xx, for a connection lost during DATA
// (not sent: a rerun may send it again, the sink's ENVID check makes that
// exactly-once) and for errors reading the file; "refused" when the
// message cannot be sent as is. Phase is the phase that failed (connect,
// helo, tls, auth, mail, rcpt, data), and Reason starts with it. Every
// server reply is in Replies. The error is non-nil only when ctx was cancelled.
func (t *SMTPTarget) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	recs, err := t.DeliverBatch(ctx, []*Item{it})
	return recs[0], err
}

var _ batchTarget = (*SMTPTarget)(nil)

// BatchSize is how many messages one DeliverBatch call pipelines on one
// connection: the journal's in-doubt window (see DeliverBatch). With a
// rate cap, 1, so that sends stay evenly spaced.
func (t *SMTPTarget) BatchSize() int {
	if t.opts.Rate > 0 {
		return 1
	}
	return smtpBatch
}

// smtpBatch bounds the pipeline: enough to hide the round trips and the
// journal's fsyncs, small enough that a kill leaves few messages in doubt.
const smtpBatch = 32

// DeliverBatch sends items on one connection, pipelined when the server
// offers PIPELINING, and returns one record per item, as Deliver does.
// Retries of temporary failures are pipelined again, with backoff.
func (t *SMTPTarget) DeliverBatch(ctx context.Context, items []*Item) ([]model.ReplayRecord, error) {
	ps := make([]*smtpMsg, len(items))
	for i, it := range items {
		ps[i] = t.open(it)
		defer ps[i].close()
	}
	for attempt := 1; ; attempt++ {
		var todo []*smtpMsg
		for _, p := range ps {
			if !p.settled {
				p.rec.Attempt = attempt
				todo = append(todo, p)
			}
		}
		if len(todo) == 0 {
			break
		}
		for range todo {
			if err := t.limiter.wait(ctx); err != nil {
				return t.interruptedAll(ps, err)
			}
		}
		txs := t.transactions(ctx, todo)
		retry := false
		for i, p := range todo {
			p.absorb(txs[i], attempt > t.opts.Retries)
			retry = retry || !p.settled
		}
		if ctx.Err() != nil {
			return t.interruptedAll(ps, ctx.Err())
		}
		if retry {
			if err := sleepCtx(ctx, backoff(t.opts.RetryBackoff, attempt)); err != nil {
				return t.interruptedAll(ps, err)
			}
		}
	}
	recs := make([]model.ReplayRecord, len(ps))
	for i, p := range ps {
		recs[i] = p.result()
	}
	return recs, nil
}

// smtpMsg is one message of a batch: its open file and its progress
// over the attempts.
type smtpMsg struct {
	rec     model.ReplayRecord
	m       *model.Message
	f       *readonly.File
	part    *io.SectionReader
	scan    lineScan
	mail    smtpclient.Mail // the envelope; Rcpts follow pending
	envid   string          // ENVID of the envelope, "" when none
	notes   []string
	pending []int
	settled bool // rec is final, or the last attempt is done

	delivered, refused []string
	last               txResult
}

// open checks the message and takes its RFC 822 part's sha256, bare LF
// and size: from the bytes the scan kept (Message.Raw, a streamed run),
// which are then sent, so what is hashed, recorded and sent is what the
// scan read; else by reading the part once from the file, which is read
// again as it is sent. A message that cannot be sent is settled at once.
func (t *SMTPTarget) open(it *Item) *smtpMsg {
	m := it.Msg
	p := &smtpMsg{m: m, rec: model.ReplayRecord{Type: model.TypeReplay, Schema: model.SchemaVersion, Target: t.String(),
		Action: model.ActionSend, Dest: t.addr, Time: time.Now().UTC()}}
	if m != nil {
		p.rec.Path, p.rec.MboxOrdinal = m.Path, m.MboxOrdinal
	}
	if reason := refuseReason(m, t.opts.FixLineEndings); reason != "" {
		return p.settle(model.ResultRefused, reason)
	}
	if part, ok := rawPart(m); ok {
		h := sha256.New()
		h.Write(part)
		p.scan.Write(part)
		return t.prepared(p, h, bytes.NewReader(part), int64(len(part)))
	}
	f, err := readonly.Open(m.Path)
	if err != nil {
		return p.settle(model.ResultFailed, "read: "+err.Error())
	}
	p.f = f
	st, err := f.Stat()
	if err != nil || messageEnd(m, st.Size()) < m.MessageOffset {
		return p.settle(model.ResultFailed, fmt.Sprintf("read: file shorter than the message offset %d", m.MessageOffset))
	}
	p.part = io.NewSectionReader(f, m.MessageOffset, messageEnd(m, st.Size())-m.MessageOffset)
	h := sha256.New()
	bp := smtpclient.CopyBuffers.Get().(*[]byte)
	_, err = io.CopyBuffer(io.MultiWriter(h, &p.scan), io.NewSectionReader(p.part, 0, p.part.Size()), *bp)
	smtpclient.CopyBuffers.Put(bp)
	if err != nil {
		return p.settle(model.ResultFailed, "read: "+err.Error())
	}
	return t.prepared(p, h, p.part, p.part.Size())
}

// rawPart is the RFC 822 part of m from the bytes the scan kept
// (Message.Raw), when it kept them whole.
func rawPart(m *model.Message) ([]byte, bool) {
	if m.Raw == nil || m.MboxOrdinal > 0 || int64(len(m.Raw)) != m.Size || m.MessageOffset > int64(len(m.Raw)) {
		return nil, false
	}
	return m.Raw[m.MessageOffset:], true
}

// prepared completes an opened message from its part's hash h and line
// scan (p.scan): the record's sha256_before, the refusal of bare LF, the
// wire's hash when it is known without sending, and the transaction.
func (t *SMTPTarget) prepared(p *smtpMsg, h hash.Hash, content io.ReaderAt, length int64) *smtpMsg {
	m := p.m
	p.rec.SHA256Before = hex.EncodeToString(h.Sum(nil))
	if p.scan.bareLF > 0 && !t.opts.FixLineEndings {
		return p.settle(model.ResultRefused, "bare LF: would be changed in transit; use --fix-line-endings")
	}
	var wire *smtpclient.Wire
	if p.scan.clean() {
		// The server receives these bytes, plus CRLF when they lack one.
		wire = &smtpclient.Wire{SHA256: p.rec.SHA256Before, Bytes: p.scan.size}
		if !p.scan.endsWithCRLF {
			h.Write([]byte("\r\n"))
			wire = &smtpclient.Wire{SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: p.scan.size + 2}
		}
	}
	var dropped []string
	p.mail, p.envid, dropped = mailOptions(m.Envelope.FromParams)
	p.mail.From, p.mail.Size = m.Envelope.From, p.scan.size
	p.mail.Content, p.mail.Length, p.mail.Wire = content, length, wire
	if len(dropped) > 0 {
		p.notes = append(p.notes, "MAIL parameters not passed: "+strings.Join(dropped, " "))
	}
	p.pending = make([]int, len(m.Envelope.To))
	for i := range p.pending {
		p.pending[i] = i
	}
	return p
}

// settle ends a message that cannot be sent: its record is final.
func (p *smtpMsg) settle(result model.ReplayResult, reason string) *smtpMsg {
	p.rec.Result, p.rec.Reason, p.settled = result, reason, true
	return p
}

func (p *smtpMsg) close() {
	if p.f != nil {
		p.f.Close()
	}
}

// absorb takes one attempt's outcome; the message is settled when it is
// delivered to every recipient, refused for good, lost during DATA (in
// doubt: never resent here) or out of attempts.
func (p *smtpMsg) absorb(tx txResult, lastAttempt bool) {
	p.rec.Replies = append(p.rec.Replies, tx.replies...)
	p.last = tx
	if len(tx.delivered) > 0 {
		p.rec.SHA256After, p.rec.Bytes = tx.after, tx.bytes
		p.notes = append(p.notes, "envid="+tx.envid)
	}
	p.delivered = append(p.delivered, addrs(p.m, tx.delivered)...)
	p.refused = append(p.refused, addrs(p.m, tx.permFailed)...)
	p.pending = minus(p.pending, tx.delivered, tx.permFailed)
	if tx.dataLost || len(p.pending) == 0 || !tx.temporary || lastAttempt {
		p.settled = true
	}
}

// result is the final record.
func (p *smtpMsg) result() model.ReplayRecord {
	if p.rec.Result != "" {
		return p.rec
	}
	notes, last := p.notes, p.last
	switch {
	case len(p.delivered) > 0:
		p.rec.Result = model.ResultOK
		if len(p.refused) > 0 {
			notes = append(notes, "refused recipients: "+strings.Join(p.refused, ","))
		}
		if len(p.pending) > 0 {
			notes = append(notes, "not delivered (temporary): "+strings.Join(addrs(p.m, p.pending), ","))
		}
		if p.rec.SHA256After != p.rec.SHA256Before {
			notes = append(notes, changeNote(&p.scan))
		}
	case last.dataLost:
		p.rec.Result, p.rec.Phase, p.rec.ConnectionLost = model.ResultFailed, model.PhaseData, true
		notes = append([]string{"data: connection lost (not sent; a rerun may send it again)"}, notes...)
	case last.temporary:
		p.rec.Result, p.rec.Phase, p.rec.ConnectionLost = model.ResultDeferred, last.phase, last.connLost
		notes = append([]string{string(last.phase) + ": " + last.reason}, notes...)
	default:
		p.rec.Result, p.rec.Phase, p.rec.ConnectionLost = model.ResultFailed, last.phase, last.connLost
		notes = append([]string{string(last.phase) + ": " + last.reason}, notes...)
	}
	p.rec.Reason = strings.Join(notes, "; ")
	return p.rec
}

// interruptedAll settles every record of a batch cut short by ctx: a
// message the server already acknowledged keeps its "ok" (a rerun must not
// send it again), the others are "failed: interrupted".
func (t *SMTPTarget) interruptedAll(ps []*smtpMsg, err error) ([]model.ReplayRecord, error) {
	recs := make([]model.ReplayRecord, len(ps))
	for i, p := range ps {
		if len(p.delivered) > 0 {
			recs[i] = p.result()
			continue
		}
		recs[i], _ = t.interrupted(p.rec, err)
	}
	return recs, fmt.Errorf("replay: smtp %s: %w", t.addr, err)
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
	connLost   bool // the server dropped the connection instead of answering
	dataLost   bool // connection lost once DATA had started
	delivered  []int
	permFailed []int
	envid      string
	after      string
	bytes      int64
}

// transactions sends one attempt of every message on one pooled
// connection (pipelined when offered) and returns their outcomes, in
// order. A pooled connection found dead before anything was sent (the
// server closed it while idle) is replaced once: that is not a failure of
// the messages.
func (t *SMTPTarget) transactions(ctx context.Context, ps []*smtpMsg) []txResult {
	txs := make([]txResult, len(ps))
	c, reused, replies, err := t.acquire(ctx)
	if err != nil {
		for i := range txs {
			txs[i] = setupFailure(replies, err)
		}
		return txs
	}
	mails := t.mails(c, ps, txs)
	outs := c.Send(ctx, mails)
	if reused && outs[0].Err != nil && !outs[0].Sent && ctx.Err() == nil {
		c.Close()
		fresh, replies2, err := t.dial(ctx)
		replies = append(replies, replies2...)
		if err != nil {
			<-t.slots
			for i := range txs {
				txs[i] = setupFailure(replies, err)
			}
			return txs
		}
		c = fresh
		mails = t.mails(c, ps, txs)
		outs = c.Send(ctx, mails)
	}
	t.release(c, outs[len(outs)-1].Err == nil)
	for i, o := range outs {
		txs[i] = outcome(ps[i], o, txs[i].envid)
		if i == 0 {
			txs[i].replies = append(replies, txs[i].replies...)
		}
	}
	return txs
}

// mails builds each message's transaction for the pending recipients,
// with its ENVID: the envelope's, or when it has none and the server
// offers DSN, one derived from the bytes and the envelope.
func (t *SMTPTarget) mails(c *smtpclient.Conn, ps []*smtpMsg, txs []txResult) []*smtpclient.Mail {
	dsn, _ := c.Extension("DSN")
	mails := make([]*smtpclient.Mail, len(ps))
	for i, p := range ps {
		m := p.mail
		m.EnvID = p.envid
		if m.EnvID == "" && dsn {
			m.EnvID = derivedEnvID(p.rec.SHA256Before, p.m.Envelope.From, addrs(p.m, p.pending))
		}
		txs[i].envid = m.EnvID
		m.Rcpts = nil
		for _, j := range p.pending {
			var params string
			if j < len(p.m.Envelope.ToParams) {
				params = p.m.Envelope.ToParams[j]
			}
			r, _ := rcptOptions(params)
			r.Addr = p.m.Envelope.To[j]
			m.Rcpts = append(m.Rcpts, r)
		}
		mails[i] = &m
	}
	return mails
}

// setupFailure is the outcome of every message of an attempt whose
// connection could not be set up.
func setupFailure(replies []model.SMTPReply, err error) txResult {
	tx := txResult{replies: replies, phase: model.PhaseConnect, reason: err.Error(), temporary: true}
	var ce *smtpclient.Error
	if errors.As(err, &ce) {
		tx.phase, tx.temporary = ce.Phase, !ce.Permanent()
		if ce.Reply != nil {
			tx.reason = smtpclient.FormatReply(*ce.Reply)
		} else {
			tx.reason, tx.connLost = ce.Err.Error(), ce.Phase != model.PhaseConnect
		}
	}
	return tx
}

// outcome maps the client's account of a transaction to the record's
// terms; recipient indexes go back from the transaction's to the
// envelope's.
func outcome(p *smtpMsg, o smtpclient.Outcome, envid string) txResult {
	idx := func(is []int) []int {
		out := make([]int, 0, len(is))
		for _, i := range is {
			out = append(out, p.pending[i])
		}
		return out
	}
	tx := txResult{replies: o.Replies, phase: o.Phase, envid: envid, permFailed: idx(o.PermRcpt),
		temporary: len(o.TempRcpt) > 0}
	switch {
	case o.Err != nil && o.ReadErr:
		tx.reason = o.Err.Error()
		tx.phase, tx.temporary = model.PhaseData, false
	case o.Err != nil && o.Sent:
		tx.phase, tx.reason, tx.dataLost = model.PhaseData, "connection lost: "+o.Err.Error(), true
	case o.Err != nil:
		tx.reason, tx.temporary, tx.connLost = "connection lost: "+o.Err.Error(), true, true
	case o.Delivered:
		tx.delivered, tx.after, tx.bytes = idx(o.Accepted), o.After, o.Bytes
	case o.Failed != nil:
		tx.reason = smtpclient.FormatReply(*o.Failed)
		if o.Phase != model.PhaseRcpt {
			tx.temporary = o.Failed.Code/100 == 4
			if !tx.temporary {
				tx.permFailed = append(tx.permFailed, idx(o.Accepted)...)
			}
		}
	}
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
