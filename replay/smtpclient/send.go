package smtpclient

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// CopyBuffers holds the 64 KiB buffers content is read through, shared
// with the caller's own reads (replay hashes each file before sending it):
// a fresh buffer per message was most of replay's garbage.
var CopyBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// Mail is one transaction: the envelope and the content to send.
type Mail struct {
	From string
	// Size is sent as SIZE= when the server offers SIZE and it is > 0.
	Size int64
	// Return (FULL, HDRS) and EnvID go out only when the server offers DSN.
	Return string
	EnvID  string
	// Auth, when set, is sent as AUTH= when the server offers AUTH.
	Auth  *string
	UTF8  bool
	Rcpts []Rcpt
	// Content is the message as it is to be sent; the client dot-stuffs
	// it and adds a final CRLF when missing.
	Content io.ReaderAt
	Length  int64
	// Wire, when set, says the content is clean CRLF text (every CR and
	// LF in CRLF pairs) and what the server receives of it: the client then
	// only doubles leading dots, without simulating the dot writer.
	Wire *Wire
}

// Wire is sha256 and size of what the server receives.
type Wire struct {
	SHA256 string
	Bytes  int64
}

// Rcpt is one RCPT TO with its DSN parameters.
type Rcpt struct {
	Addr      string
	Notify    []string
	ORcptType string // "rfc822" or "utf-8"
	ORcpt     string
}

// Outcome is what became of one Mail.
type Outcome struct {
	Replies  []model.SMTPReply // every reply, in order, with its command
	Accepted []int             // indexes into Rcpts with a 2xx reply
	TempRcpt []int             // 4xx
	PermRcpt []int             // 5xx
	// Delivered is a 2xx reply to the end of DATA.
	Delivered bool
	// Failed is the reply that ended the transaction short of delivery
	// (MAIL, the last refused RCPT when none was accepted, DATA or its end).
	Failed *model.SMTPReply
	Phase  model.SMTPPhase // where it stopped: mail, rcpt, data; "" when delivered
	// Err is a connection failure, or with ReadErr the content failed to
	// read; the connection is then unusable.
	Err     error
	ReadErr bool
	// Sent is true once the content began to go out: with Err set, the
	// server may or may not have stored the message (in doubt).
	Sent bool
	// After and Bytes are sha256 and size of what the server receives
	// after dot-decoding (see wireView).
	After string
	Bytes int64
}

// Send runs the transactions in order on the connection. With PIPELINING
// each one costs one round trip: MAIL, every RCPT and DATA go out
// together, and the next transaction's commands follow the end of the
// previous content in the same write (RFC 2920 section 3.1). Without it
// every command waits for its reply. After a connection failure the
// remaining mails get Err and Sent false (none of their content left).
func (c *Conn) Send(ctx context.Context, mails []*Mail) []Outcome {
	stop := c.watch(ctx)
	defer stop()
	out := make([]Outcome, len(mails))
	if !c.Pipelining() {
		for i, m := range mails {
			out[i] = c.sendOne(m)
			if out[i].Err != nil {
				failRest(out[i+1:], out[i].Err)
				break
			}
		}
		return out
	}
	c.writeEnvelope(mails[0], false)
	rset := false
	for i, m := range mails {
		o := &out[i]
		if err := c.flush(); err != nil {
			o.Err = err
			failRest(out[i+1:], err)
			return out
		}
		if rset {
			if _, err := c.read("RSET", c.cfg.Timeout); err != nil {
				o.Err = err
				failRest(out[i+1:], err)
				return out
			}
		}
		dataOK := c.readEnvelope(m, o)
		if o.Err != nil {
			failRest(out[i+1:], o.Err)
			return out
		}
		if dataOK {
			o.Sent = true
			if err := c.writeContent(m, o); err != nil {
				o.Err = err
				failRest(out[i+1:], connLost)
				c.Close()
				return out
			}
		}
		// An open transaction (MAIL accepted, DATA refused) is reset
		// before the next MAIL, in the same group.
		rset = o.Phase != model.PhaseMail && !dataOK
		if i+1 < len(mails) {
			c.writeEnvelope(mails[i+1], rset)
		} else if rset {
			c.writeLine("RSET")
		}
		if dataOK {
			if err := c.flush(); err != nil {
				o.Err = err
				failRest(out[i+1:], connLost)
				return out
			}
			c.readEnd(o)
			if o.Err != nil {
				failRest(out[i+1:], connLost)
				return out
			}
		}
	}
	if rset {
		if err := c.flush(); err == nil {
			c.read("RSET", c.cfg.Timeout)
		}
	}
	return out
}

var connLost = errors.New("connection lost earlier in the pipeline")

func failRest(out []Outcome, err error) {
	for i := range out {
		out[i].Err = err
		out[i].Phase = model.PhaseMail
	}
}

// sendOne runs one transaction command by command (no PIPELINING).
func (c *Conn) sendOne(m *Mail) Outcome {
	var o Outcome
	r, err := c.cmd("MAIL", c.mailLine(m))
	if err != nil {
		o.Err, o.Phase = err, model.PhaseMail
		return o
	}
	o.Replies = append(o.Replies, r)
	if r.Code/100 != 2 {
		o.Failed, o.Phase = &r, model.PhaseMail
		return o
	}
	for i, rc := range m.Rcpts {
		r, err := c.cmd(rcptCmd(rc), c.rcptLine(rc))
		if err != nil {
			o.Err, o.Phase = err, model.PhaseRcpt
			return o
		}
		o.noteRcpt(i, r)
	}
	if len(o.Accepted) == 0 {
		o.Phase = model.PhaseRcpt
		c.reset()
		return o
	}
	r, err = c.cmd("DATA", "DATA")
	if err != nil {
		o.Err, o.Phase = err, model.PhaseData
		return o
	}
	o.Replies = append(o.Replies, r)
	if r.Code != 354 {
		o.Failed, o.Phase = &r, model.PhaseData
		c.reset()
		return o
	}
	o.Sent = true
	if err := c.writeContent(m, &o); err != nil {
		o.Err = err
		c.Close()
		return o
	}
	if err := c.flush(); err != nil {
		o.Err = err
		return o
	}
	c.readEnd(&o)
	return o
}

func (c *Conn) reset() {
	c.cmd("RSET", "RSET")
}

func rcptCmd(r Rcpt) string { return "RCPT <" + r.Addr + ">" }

func (o *Outcome) noteRcpt(i int, r model.SMTPReply) {
	o.Replies = append(o.Replies, r)
	switch r.Code / 100 {
	case 2:
		o.Accepted = append(o.Accepted, i)
	case 4:
		o.TempRcpt = append(o.TempRcpt, i)
	default:
		o.PermRcpt = append(o.PermRcpt, i)
	}
	if r.Code/100 != 2 {
		o.Failed = &o.Replies[len(o.Replies)-1]
	}
}

// writeEnvelope buffers [RSET] MAIL, RCPT... and DATA.
func (c *Conn) writeEnvelope(m *Mail, rset bool) {
	if rset {
		c.writeLine("RSET")
	}
	c.writeLine(c.mailLine(m))
	for _, r := range m.Rcpts {
		c.writeLine(c.rcptLine(r))
	}
	c.writeLine("DATA")
}

// readEnvelope reads the replies to MAIL, each RCPT and DATA of a
// pipelined group and reports whether the content may be sent.
func (c *Conn) readEnvelope(m *Mail, o *Outcome) bool {
	r, err := c.read("MAIL", c.cfg.Timeout)
	if err != nil {
		o.Err, o.Phase = err, model.PhaseMail
		return false
	}
	o.Replies = append(o.Replies, r)
	mailOK := r.Code/100 == 2
	if !mailOK {
		o.Failed, o.Phase = &o.Replies[len(o.Replies)-1], model.PhaseMail
	}
	for i, rc := range m.Rcpts {
		r, err := c.read(rcptCmd(rc), c.cfg.Timeout)
		if err != nil {
			o.Err, o.Phase = err, model.PhaseRcpt
			return false
		}
		if mailOK {
			o.noteRcpt(i, r)
		}
	}
	r, err = c.read("DATA", c.cfg.Timeout)
	if err != nil {
		o.Err, o.Phase = err, model.PhaseData
		return false
	}
	if !mailOK {
		o.Failed = &o.Replies[0]
		if r.Code == 354 {
			// A server that opens DATA anyway gets an empty message ended
			// at once (RFC 2920 section 3.1) and its reply is ignored.
			c.writeLine(".")
			c.flush()
			c.read("DATA", 2*c.cfg.Timeout)
		}
		return false
	}
	if len(o.Accepted) == 0 {
		o.Phase = model.PhaseRcpt
		if r.Code == 354 {
			c.writeLine(".")
			c.flush()
			c.read("DATA", 2*c.cfg.Timeout)
		}
		return false
	}
	o.Replies = append(o.Replies, r)
	if r.Code != 354 {
		o.Failed, o.Phase = &o.Replies[len(o.Replies)-1], model.PhaseData
		return false
	}
	return true
}

// writeContent sends the content dot-stuffed, then the final dot, and
// computes what the server receives.
func (c *Conn) writeContent(m *Mail, o *Outcome) error {
	if m.Wire != nil {
		return c.writeClean(m, o)
	}
	wire := newWireView()
	// The dot writer flushes its writer when closed: an inner buffer keeps
	// that flush off the network, so that the end of the content and the
	// next transaction's commands leave in one write. Two writes make a
	// server that flushes its replies when its input runs dry (Postfix)
	// send them in two segments, and the second waits out a delayed ACK
	// (about 40 ms a message).
	dw := textproto.NewWriter(bufio.NewWriterSize(c.bw, 4096)).DotWriter()
	bp := CopyBuffers.Get().(*[]byte)
	defer CopyBuffers.Put(bp)
	buf := *bp
	for off := int64(0); off < m.Length; {
		n, rerr := m.Content.ReadAt(buf[:min(int64(len(buf)), m.Length-off)], off)
		if n > 0 {
			c.raw.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
			if _, err := dw.Write(buf[:n]); err != nil {
				o.Phase = model.PhaseData
				o.Replies = append(o.Replies, model.SMTPReply{Command: "DATA", Text: "connection lost"})
				return err
			}
			wire.Write(buf[:n])
			off += int64(n)
		}
		if rerr != nil && !(rerr == io.EOF && off >= m.Length) {
			if rerr == io.EOF {
				rerr = io.ErrUnexpectedEOF
			}
			// The file failed under us: the caller abandons the
			// connection so the server never sees a final dot.
			o.Phase, o.ReadErr = model.PhaseData, true
			return fmt.Errorf("read: %w", rerr)
		}
	}
	c.raw.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	if err := dw.Close(); err != nil {
		o.Phase = model.PhaseData
		o.Replies = append(o.Replies, model.SMTPReply{Command: "DATA", Text: "connection lost"})
		return err
	}
	o.After, o.Bytes = wire.finish()
	return nil
}

// writeClean is writeContent for clean CRLF text: a '.' that begins a
// line is doubled (RFC 5321 section 4.5.2), and the end is CRLF "." CRLF
// (with a CRLF first when the content does not end with one), exactly as
// the dot writer would send it.
func (c *Conn) writeClean(m *Mail, o *Outcome) error {
	bp := CopyBuffers.Get().(*[]byte)
	defer CopyBuffers.Put(bp)
	buf := *bp
	lineStart, last := true, byte(0)
	lost := func(err error) error {
		o.Phase = model.PhaseData
		o.Replies = append(o.Replies, model.SMTPReply{Command: "DATA", Text: "connection lost"})
		return err
	}
	for off := int64(0); off < m.Length; {
		n, rerr := m.Content.ReadAt(buf[:min(int64(len(buf)), m.Length-off)], off)
		b := buf[:n]
		if n > 0 {
			c.raw.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
			if lineStart && b[0] == '.' {
				c.bw.WriteByte('.')
			}
			for {
				i := bytes.Index(b, []byte("\n."))
				if i < 0 {
					break
				}
				c.bw.Write(b[:i+1])
				c.bw.WriteByte('.')
				b = b[i+1:]
			}
			if _, err := c.bw.Write(b); err != nil {
				return lost(err)
			}
			last = buf[n-1]
			lineStart = last == '\n'
			off += int64(n)
		}
		if rerr != nil && !(rerr == io.EOF && off >= m.Length) {
			if rerr == io.EOF {
				rerr = io.ErrUnexpectedEOF
			}
			o.Phase, o.ReadErr = model.PhaseData, true
			return fmt.Errorf("read: %w", rerr)
		}
	}
	end := ".\r\n"
	if last != '\n' {
		end = "\r\n.\r\n"
	}
	if _, err := c.bw.WriteString(end); err != nil {
		return lost(err)
	}
	o.After, o.Bytes = m.Wire.SHA256, m.Wire.Bytes
	return nil
}

// readEnd reads the reply to the end of DATA.
func (c *Conn) readEnd(o *Outcome) {
	r, err := c.read("DATA", 2*c.cfg.Timeout)
	if err != nil {
		o.Err, o.Phase = err, model.PhaseData
		o.Replies = append(o.Replies, model.SMTPReply{Command: "DATA", Text: "connection lost"})
		return
	}
	o.Replies = append(o.Replies, r)
	if r.Code/100 == 2 {
		o.Delivered, o.Phase, o.Failed = true, "", nil
		return
	}
	o.Failed, o.Phase = &o.Replies[len(o.Replies)-1], model.PhaseData
}

// mailLine formats MAIL FROM with the parameters the server offers, as
// go-smtp's client does (BODY=8BITMIME whenever 8BITMIME is offered).
func (c *Conn) mailLine(m *Mail) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "MAIL FROM:<%s>", m.From)
	if ok, _ := c.Extension("8BITMIME"); ok {
		sb.WriteString(" BODY=8BITMIME")
	}
	if ok, _ := c.Extension("SIZE"); ok && m.Size > 0 {
		sb.WriteString(" SIZE=" + strconv.FormatInt(m.Size, 10))
	}
	if ok, _ := c.Extension("SMTPUTF8"); ok && m.UTF8 {
		sb.WriteString(" SMTPUTF8")
	}
	if ok, _ := c.Extension("DSN"); ok {
		if m.Return != "" {
			sb.WriteString(" RET=" + m.Return)
		}
		if m.EnvID != "" {
			sb.WriteString(" ENVID=" + encodeXtext(m.EnvID))
		}
	}
	if ok, _ := c.Extension("AUTH"); ok && m.Auth != nil {
		sb.WriteString(" AUTH=" + encodeXtext(*m.Auth))
	}
	return sb.String()
}

func (c *Conn) rcptLine(r Rcpt) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "RCPT TO:<%s>", r.Addr)
	if ok, _ := c.Extension("DSN"); ok {
		if len(r.Notify) > 0 {
			sb.WriteString(" NOTIFY=" + strings.Join(r.Notify, ","))
		}
		if r.ORcpt != "" {
			enc := encodeXtext(r.ORcpt)
			if strings.EqualFold(r.ORcptType, "utf-8") {
				if ok, _ := c.Extension("SMTPUTF8"); ok {
					enc = encodeUTF8Addr(r.ORcpt, true)
				} else {
					enc = encodeUTF8Addr(r.ORcpt, false)
				}
			}
			sb.WriteString(" ORCPT=" + r.ORcptType + ";" + enc)
		}
	}
	return sb.String()
}

// encodeXtext is RFC 3461 section 4 xtext.
func encodeXtext(raw string) string {
	var out strings.Builder
	for _, ch := range []byte(raw) {
		if ch >= '!' && ch <= '~' && ch != '+' && ch != '=' {
			out.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&out, "+%02X", ch)
	}
	return out.String()
}

// encodeUTF8Addr is RFC 6533's utf-8-addr-unitext (keepUTF8) or
// utf-8-addr-xtext.
func encodeUTF8Addr(raw string, keepUTF8 bool) string {
	var out strings.Builder
	for _, ch := range raw {
		switch {
		case ch >= '!' && ch <= '~' && ch != '+' && ch != '=':
			out.WriteRune(ch)
		case keepUTF8 && ch > 0x7f:
			out.WriteRune(ch)
		default:
			fmt.Fprintf(&out, `\x{%X}`, ch)
		}
	}
	return out.String()
}
