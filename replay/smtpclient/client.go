// Package smtpclient is replay's SMTP client: one connection to a server,
// set up with EHLO (RFC 5321), STARTTLS (RFC 3207) or implicit TLS
// (RFC 8314) and AUTH PLAIN or LOGIN (RFC 4954, RFC 4616,
// draft-murchison-sasl-login), then any number of mail transactions sent
// with PIPELINING (RFC 2920) when the server offers it, carrying SIZE
// (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531) and the DSN
// parameters RET, ENVID, NOTIFY and ORCPT (RFC 3461).
//
// It is its own client rather than go-smtp's because replay needs what
// that one does not offer: pipelined transactions, one after the other on
// a connection without a round trip between them (Send); every reply with
// its command for the journal; AUTH LOGIN whatever the server's challenge
// text; a refused AUTH reported with its reply rather than a timeout; and
// an exact account of how far a transaction went when the connection is
// lost (Outcome.Sent), which decides whether a message is in doubt.
//
// The replay target (package replay, smtp.go) owns policy: which
// messages, retries, journal records. This package owns the wire.
package smtpclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Config says where and how to connect.
type Config struct {
	Addr        string // host:port
	ImplicitTLS bool   // smtps://: TLS before the greeting
	// StartTLS is "" (never), "1" (when offered) or "require".
	StartTLS string
	TLS      *tls.Config
	// AuthMech is "", "plain" or "login".
	AuthMech   string
	User, Pass string
	Helo       string
	// Timeout bounds connecting, each reply and each write; the reply to
	// the end of DATA may take twice as long.
	Timeout time.Duration
	// Transcript receives both directions of every connection, each line
	// prefixed with "c<N>: ". It may be shared by connections.
	Transcript io.Writer
}

// Error is a failure of one phase of a connection's set-up or of a
// transaction. Reply is the server's answer when there was one; without
// it the connection failed (Err).
type Error struct {
	Phase model.SMTPPhase
	Reply *model.SMTPReply
	Err   error
}

func (e *Error) Error() string {
	if e.Reply != nil {
		return string(e.Phase) + ": " + FormatReply(*e.Reply)
	}
	return string(e.Phase) + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports a 5xx reply.
func (e *Error) Permanent() bool { return e.Reply != nil && e.Reply.Code/100 == 5 }

// Conn is one client connection. It is not safe for concurrent use.
type Conn struct {
	ID  int
	cfg *Config
	raw net.Conn // TCP
	nc  net.Conn // raw or TLS above it
	r   *bufio.Reader
	bw  *bufio.Writer
	ext map[string]string
	tr  *transcript
}

// Dial connects and runs the greeting, EHLO, TLS and AUTH. The replies
// of the set-up are returned for the record, also on error.
func Dial(ctx context.Context, cfg *Config, id int) (*Conn, []model.SMTPReply, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, nil, &Error{Phase: model.PhaseConnect, Err: err}
	}
	c := &Conn{ID: id, cfg: cfg, raw: raw}
	if cfg.Transcript != nil {
		c.tr = newTranscript(cfg.Transcript, id)
	}
	stop := c.watch(ctx)
	defer stop()
	replies, err := c.setup(ctx)
	if err != nil {
		raw.Close()
		return nil, replies, err
	}
	return c, replies, nil
}

func (c *Conn) setup(ctx context.Context) ([]model.SMTPReply, error) {
	c.nc = c.raw
	if c.cfg.ImplicitTLS {
		tc := tls.Client(c.raw, c.cfg.TLS)
		c.raw.SetDeadline(time.Now().Add(c.cfg.Timeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, &Error{Phase: model.PhaseTLS, Err: err}
		}
		c.nc = tc
	}
	c.wrap()
	var replies []model.SMTPReply
	greet, err := c.read("CONNECT", c.cfg.Timeout)
	if err != nil {
		return nil, &Error{Phase: model.PhaseConnect, Err: err}
	}
	if greet.Code != 220 {
		replies = append(replies, greet)
		return replies, &Error{Phase: model.PhaseConnect, Reply: &greet}
	}
	rs, err := c.hello()
	replies = append(replies, rs...)
	if err != nil {
		return replies, err
	}
	if c.cfg.StartTLS != "" && !c.cfg.ImplicitTLS {
		rs, err := c.startTLS(ctx)
		replies = append(replies, rs...)
		if err != nil {
			return replies, err
		}
	}
	if c.cfg.AuthMech != "" {
		rs, err := c.auth()
		replies = append(replies, rs...)
		if err != nil {
			return replies, err
		}
	}
	return replies, nil
}

// wrap puts the buffered reader and writer (and the transcript) above nc.
func (c *Conn) wrap() {
	var r io.Reader = c.nc
	var w io.Writer = c.nc
	if c.tr != nil {
		r = io.TeeReader(c.nc, c.tr)
		w = io.MultiWriter(c.nc, c.tr)
	}
	c.r = bufio.NewReaderSize(r, 4096)
	c.bw = bufio.NewWriterSize(w, 32<<10)
}

// hello sends EHLO (HELO when EHLO is refused) and records the extensions.
func (c *Conn) hello() ([]model.SMTPReply, error) {
	r, lines, err := c.cmdLines("EHLO", "EHLO "+c.cfg.Helo)
	if err != nil {
		return nil, &Error{Phase: model.PhaseHelo, Err: err}
	}
	if r.Code == 250 {
		c.ext = map[string]string{}
		for _, l := range lines[1:] {
			k, v, _ := strings.Cut(l, " ")
			c.ext[strings.ToUpper(k)] = v
		}
		return []model.SMTPReply{{Command: "EHLO", Code: 250}}, nil
	}
	ehlo := r
	r, err = c.cmd("HELO", "HELO "+c.cfg.Helo)
	if err != nil {
		return []model.SMTPReply{ehlo}, &Error{Phase: model.PhaseHelo, Err: err}
	}
	if r.Code != 250 {
		return []model.SMTPReply{ehlo, r}, &Error{Phase: model.PhaseHelo, Reply: &r}
	}
	c.ext = map[string]string{}
	return []model.SMTPReply{ehlo, {Command: "HELO", Code: 250}}, nil
}

func (c *Conn) startTLS(ctx context.Context) ([]model.SMTPReply, error) {
	if _, ok := c.ext["STARTTLS"]; !ok {
		if c.cfg.StartTLS == "require" {
			return nil, &Error{Phase: model.PhaseTLS, Err: errors.New("server does not offer STARTTLS (starttls=require)")}
		}
		return nil, nil
	}
	r, err := c.cmd("STARTTLS", "STARTTLS")
	if err != nil {
		return nil, &Error{Phase: model.PhaseTLS, Err: err}
	}
	if r.Code != 220 {
		return []model.SMTPReply{r}, &Error{Phase: model.PhaseTLS, Reply: &r}
	}
	tc := tls.Client(c.raw, c.cfg.TLS)
	c.raw.SetDeadline(time.Now().Add(c.cfg.Timeout))
	if err := tc.HandshakeContext(ctx); err != nil {
		return []model.SMTPReply{r}, &Error{Phase: model.PhaseTLS, Err: err}
	}
	c.nc = tc
	c.wrap()
	rs, err := c.hello()
	return append([]model.SMTPReply{r}, rs...), err
}

// auth runs AUTH PLAIN (initial response) or LOGIN. LOGIN answers the
// first challenge with the user and the second with the password whatever
// they say ("Username:", "User Name", ...), as Python's smtplib does. A
// final reply other than 235 is the error, with its code; the exchange is
// never cancelled with "*" after a final reply (that made go-smtp wait for
// an answer the server never sends).
func (c *Conn) auth() ([]model.SMTPReply, error) {
	enc := base64.StdEncoding.EncodeToString
	var r model.SMTPReply
	var err error
	switch c.cfg.AuthMech {
	case "plain":
		r, err = c.cmdSecret("AUTH", "AUTH PLAIN "+enc([]byte("\x00"+c.cfg.User+"\x00"+c.cfg.Pass)))
	case "login":
		r, err = c.cmd("AUTH", "AUTH LOGIN")
		for _, answer := range []string{c.cfg.User, c.cfg.Pass} {
			if err != nil || r.Code != 334 {
				break
			}
			r, err = c.cmdSecret("AUTH", enc([]byte(answer)))
		}
		if err == nil && r.Code == 334 {
			// A third challenge: LOGIN has none; cancel (RFC 4954 section 4).
			r, err = c.cmd("AUTH", "*")
			if err == nil && r.Code == 235 {
				r.Code = 501
			}
		}
	default:
		return nil, &Error{Phase: model.PhaseAuth, Err: fmt.Errorf("unknown mechanism %q", c.cfg.AuthMech)}
	}
	if err != nil {
		return nil, &Error{Phase: model.PhaseAuth, Err: err}
	}
	if r.Code != 235 {
		return []model.SMTPReply{r}, &Error{Phase: model.PhaseAuth, Reply: &r}
	}
	return []model.SMTPReply{{Command: "AUTH", Code: 235}}, nil
}

// Extension reports whether the server offered an EHLO keyword, with
// its parameters.
func (c *Conn) Extension(name string) (bool, string) {
	v, ok := c.ext[strings.ToUpper(name)]
	return ok, v
}

// Pipelining reports whether transactions are pipelined (RFC 2920).
func (c *Conn) Pipelining() bool { ok, _ := c.Extension("PIPELINING"); return ok }

// Quit says QUIT (briefly) and closes.
func (c *Conn) Quit() {
	c.raw.SetDeadline(time.Now().Add(5 * time.Second))
	c.writeLine("QUIT")
	if c.bw.Flush() == nil {
		c.read("QUIT", 5*time.Second)
	}
	c.raw.Close()
}

// Close closes without QUIT.
func (c *Conn) Close() { c.raw.Close() }

// watch makes ctx's end interrupt any read or write on the connection.
func (c *Conn) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.raw.SetDeadline(time.Unix(1, 0)) })
}

// cmd writes one command line, flushes and reads its reply.
func (c *Conn) cmd(name, line string) (model.SMTPReply, error) {
	r, _, err := c.cmdLines(name, line)
	return r, err
}

// cmdSecret is cmd for a line that carries a credential: the transcript
// gets a placeholder instead.
func (c *Conn) cmdSecret(name, line string) (model.SMTPReply, error) {
	if c.tr != nil {
		c.tr.hide(line, "(credentials not recorded)")
	}
	return c.cmd(name, line)
}

func (c *Conn) cmdLines(name, line string) (model.SMTPReply, []string, error) {
	if err := c.writeLine(line); err != nil {
		return model.SMTPReply{}, nil, err
	}
	if err := c.flush(); err != nil {
		return model.SMTPReply{}, nil, err
	}
	return c.readLines(name, c.cfg.Timeout)
}

func (c *Conn) writeLine(line string) error {
	_, err := c.bw.WriteString(line + "\r\n")
	return err
}

func (c *Conn) flush() error {
	c.raw.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	return c.bw.Flush()
}

func (c *Conn) read(name string, timeout time.Duration) (model.SMTPReply, error) {
	r, _, err := c.readLines(name, timeout)
	return r, err
}

// A reply's size is bounded, so that a broken or hostile server cannot
// make replay hold its endless "250-..." lines, or one line without an
// end, until memory runs out (the read deadline alone let a server that
// kept writing grow one reply to gigabytes). RFC 5321 4.5.3.1.5 allows a
// reply line of 512 octets; EHLO lists a few dozen lines.
const (
	maxReplyLine  = 16 << 10
	maxReplyLines = 1000
)

// ErrReplyTooLong is a reply over maxReplyLine bytes a line or
// maxReplyLines lines.
var ErrReplyTooLong = errors.New("reply too long")

// readLine reads one reply line without its CRLF (or LF), at most
// maxReplyLine bytes.
func (c *Conn) readLine() (string, error) {
	var line []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		if len(line)+len(frag) > maxReplyLine {
			return "", fmt.Errorf("%w: a line over %d bytes (RFC 5321 allows 512)", ErrReplyTooLong, maxReplyLine)
		}
		line = append(line, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || len(line) == 0) {
			return "", err
		}
		break // a last line without its end is taken, as net/textproto does
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return string(line), nil
}

// readLines reads one reply (all its lines) within timeout.
func (c *Conn) readLines(name string, timeout time.Duration) (model.SMTPReply, []string, error) {
	c.raw.SetReadDeadline(time.Now().Add(timeout))
	var lines []string
	code := 0
	for {
		if len(lines) == maxReplyLines {
			return model.SMTPReply{Command: name}, lines, fmt.Errorf("%w: more than %d lines", ErrReplyTooLong, maxReplyLines)
		}
		l, err := c.readLine()
		if err != nil {
			return model.SMTPReply{Command: name}, lines, err
		}
		if len(l) < 3 {
			return model.SMTPReply{Command: name}, lines, fmt.Errorf("malformed reply line %q", l)
		}
		n, err := strconv.Atoi(l[:3])
		if err != nil || n < 200 || n > 599 || code != 0 && n != code {
			return model.SMTPReply{Command: name}, lines, fmt.Errorf("malformed reply line %q", l)
		}
		code = n
		text := ""
		if len(l) > 4 {
			text = l[4:]
		}
		lines = append(lines, text)
		if len(l) == 3 || l[3] == ' ' {
			break
		}
		if l[3] != '-' {
			return model.SMTPReply{Command: name}, lines, fmt.Errorf("malformed reply line %q", l)
		}
	}
	return ParseReplyText(name, code, strings.Join(lines, "\n")), lines, nil
}

// ParseReplyText splits "2.0.0 OK: queued" into enhanced code and text.
func ParseReplyText(cmd string, code int, text string) model.SMTPReply {
	r := model.SMTPReply{Command: cmd, Code: code, Text: text}
	first, rest, ok := strings.Cut(text, " ")
	if !ok {
		first, rest = text, ""
	}
	if strings.Count(first, ".") == 2 && strings.Trim(first, "0123456789.") == "" && first[0] != '.' {
		r.EnhancedCode, r.Text = first, rest
	}
	return r
}

// FormatReply is "451 4.3.0 text".
func FormatReply(r model.SMTPReply) string {
	s := strconv.Itoa(r.Code)
	if r.EnhancedCode != "" {
		s += " " + r.EnhancedCode
	}
	if r.Text != "" {
		s += " " + r.Text
	}
	return s
}
