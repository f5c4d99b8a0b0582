package replay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/imsforensic/imsforensic/model"
)

// SMTPOptions tunes the smtp:// target. Zero values take the defaults.
type SMTPOptions struct {
	// Concurrency is the size of the connection pool and the number of
	// Deliver calls that talk to the server at once (default 1).
	Concurrency int
	// Rate caps messages per second across all connections (0: no cap).
	Rate float64
	// FixLineEndings sends bare-LF messages anyway, letting go-smtp's dot
	// writer turn bare LF into CRLF; sha256_after records the change.
	FixLineEndings bool
	// Transcript receives every connection's protocol exchange, each line
	// prefixed with the connection number and C:/S:. It may be shared.
	Transcript io.Writer
	// Timeout bounds connecting and each command's reply, and every write
	// of DATA (default 60 s). The final reply to DATA may take 2x Timeout.
	Timeout time.Duration
	// Retries is how many times a message is tried again after a 4xx or a
	// lost connection before DATA (default 0: no retry).
	Retries int
	// RetryBackoff is the first wait before a retry (default 1 s); it
	// doubles up to 30 s.
	RetryBackoff time.Duration
	// ResendInDoubt resends, with the same ENVID, a message whose earlier
	// delivery was interrupted after it began (the server may or may not
	// have stored it). That is exactly-once only with a server that
	// deduplicates on ENVID, as the imsforensic sink does; with any other
	// server it risks a duplicate, so by default such a message is refused
	// and reported instead.
	ResendInDoubt bool
}

const (
	defaultSMTPTimeout = 60 * time.Second
	maxRetryBackoff    = 30 * time.Second
)

// SMTPTarget replays the RFC 822 part of each message to an SMTP server
// with the envelope's MAIL FROM and RCPT TO (DESIGN.md section 4, item 6):
// byte-exact apart from dot stuffing, with bare-LF messages refused unless
// FixLineEndings. It is safe for concurrent Deliver calls.
//
// URL forms: smtp://host:port, smtps://host:port (implicit TLS), with
// query parameters starttls=1 (use STARTTLS when offered) or
// starttls=require, auth=plain|login with user= and pass= (or
// user:pass@host), insecure=1 (skip certificate verification, for lab
// sinks) and helo=NAME.
//
// Exactly-once: each transaction carries an RFC 3461 ENVID, the one of the
// envelope or, when it has none, "imsf-" and 32 hex digits of a hash of the
// message sha256, the sender and the recipients of that transaction. The
// imsforensic sink acknowledges a repeated ENVID+sha256 without storing it
// again, so a rerun after a connection lost mid-DATA does not duplicate.
type SMTPTarget struct {
	raw  string
	addr string // host:port

	implicitTLS bool
	startTLS    string // "", "1", "require"
	tlsConfig   *tls.Config
	authMech    string // "", "plain", "login"
	user, pass  string
	helo        string

	opts    SMTPOptions
	slots   chan struct{}
	idle    chan *smtpConn
	limiter *rateLimiter
	connSeq sync.Mutex
	nextID  int
	closed  chan struct{}
	once    sync.Once
}

var _ Target = (*SMTPTarget)(nil)

// NewSMTPTarget parses rawURL; it does not connect (Prepare does).
func NewSMTPTarget(rawURL string, opts SMTPOptions) (*SMTPTarget, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("replay: smtp target %q: %w", rawURL, err)
	}
	t := &SMTPTarget{raw: rawURL, closed: make(chan struct{})}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
	case "smtps":
		t.implicitTLS = true
	default:
		return nil, fmt.Errorf("replay: smtp target %q: scheme must be smtp or smtps", rawURL)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("replay: smtp target %q: missing host", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "25"
		if t.implicitTLS {
			port = "465"
		}
	}
	t.addr = net.JoinHostPort(u.Hostname(), port)
	q := u.Query()
	for k := range q {
		switch k {
		case "starttls", "auth", "user", "pass", "insecure", "helo":
		default:
			return nil, fmt.Errorf("replay: smtp target %q: unknown parameter %q", rawURL, k)
		}
	}
	switch v := strings.ToLower(q.Get("starttls")); v {
	case "", "0":
	case "1", "require":
		if t.implicitTLS {
			return nil, fmt.Errorf("replay: smtp target %q: starttls with smtps", rawURL)
		}
		t.startTLS = v
	default:
		return nil, fmt.Errorf("replay: smtp target %q: starttls must be 1 or require", rawURL)
	}
	t.tlsConfig = &tls.Config{ServerName: u.Hostname()}
	if b, _ := strconv.ParseBool(q.Get("insecure")); b {
		t.tlsConfig.InsecureSkipVerify = true
	}
	t.user, t.pass = q.Get("user"), q.Get("pass")
	if u.User != nil {
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
	}
	switch m := strings.ToLower(q.Get("auth")); m {
	case "":
		if t.user != "" {
			t.authMech = "plain"
		}
	case "plain", "login":
		t.authMech = m
	default:
		return nil, fmt.Errorf("replay: smtp target %q: auth must be plain or login", rawURL)
	}
	if t.authMech != "" && t.user == "" {
		return nil, fmt.Errorf("replay: smtp target %q: auth needs a user", rawURL)
	}
	t.helo = q.Get("helo")
	if t.helo == "" {
		t.helo = "imsforensic.localhost"
	}
	if strings.ContainsAny(t.helo, "\r\n ") {
		return nil, fmt.Errorf("replay: smtp target %q: bad helo name", rawURL)
	}

	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultSMTPTimeout
	}
	if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = time.Second
	}
	if opts.Rate < 0 {
		return nil, fmt.Errorf("replay: smtp target: negative rate %v", opts.Rate)
	}
	t.opts = opts
	t.slots = make(chan struct{}, opts.Concurrency)
	t.idle = make(chan *smtpConn, opts.Concurrency)
	t.limiter = newRateLimiter(opts.Rate)
	return t, nil
}

// String is the URL without the password.
func (t *SMTPTarget) String() string {
	u, err := url.Parse(t.raw)
	if err != nil {
		return t.raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("pass") {
		q.Set("pass", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Prepare connects once (greeting, EHLO, TLS, AUTH) to prove the server is
// there, and keeps the connection for the first Deliver.
func (t *SMTPTarget) Prepare(ctx context.Context) error {
	c, _, err := t.dial(ctx)
	if err != nil {
		return fmt.Errorf("replay: smtp target %s: %w", t.addr, err)
	}
	t.release(c, true)
	return nil
}

// Plan decides without touching the network.
func (t *SMTPTarget) Plan(ctx context.Context, it *Item) (Decision, error) {
	d := Decision{Action: model.ActionSend, Dest: t.addr}
	if reason := refuseReason(it.Msg, t.opts.FixLineEndings); reason != "" {
		d.Action, d.Reason = model.ActionRefuse, reason
	} else if it.Msg.Scan.BareLF > 0 {
		d.Reason = "bare LF will be sent as CRLF (--fix-line-endings)"
	}
	return d, nil
}

// refuseReason says why a message cannot be sent as is, or "".
func refuseReason(m *model.Message, fix bool) string {
	switch {
	case m == nil:
		return "no message"
	case m.MessageOffset < 0:
		return "no RFC 822 part in the file"
	case len(m.Envelope.To) == 0:
		return "envelope has no recipient (RCPT TO): nothing to send to"
	case m.Scan.BareLF > 0 && !fix:
		return "bare LF: would be changed in transit; use --fix-line-endings"
	}
	return ""
}

// Close closes idle connections (with QUIT) and refuses further use.
func (t *SMTPTarget) Close() error {
	t.once.Do(func() { close(t.closed) })
	for {
		select {
		case c := <-t.idle:
			c.quit()
		default:
			return nil
		}
	}
}

// smtpConn is one pooled client connection.
type smtpConn struct {
	id     int
	raw    net.Conn // the TCP connection (TLS runs above it)
	client *smtp.Client
}

func (c *smtpConn) quit() {
	c.raw.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.client.Quit(); err != nil {
		c.client.Close()
	}
}

// acquire takes a concurrency slot and a connection (idle or new). The
// replies of a new connection's set-up are returned for the record.
func (t *SMTPTarget) acquire(ctx context.Context) (c *smtpConn, reused bool, replies []model.SMTPReply, phase model.SMTPPhase, err error) {
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, false, nil, "connect", ctx.Err()
	case <-t.closed:
		return nil, false, nil, "connect", errors.New("target closed")
	}
	select {
	case c := <-t.idle:
		return c, true, nil, "", nil
	default:
	}
	c, replies, err = t.dial(ctx)
	if err != nil {
		<-t.slots
		var pe *phaseError
		if errors.As(err, &pe) {
			return nil, false, replies, pe.phase, pe.err
		}
		return nil, false, replies, "connect", err
	}
	return c, false, replies, "", nil
}

// release returns c to the pool when it is still usable, else closes it.
func (t *SMTPTarget) release(c *smtpConn, healthy bool) {
	defer func() {
		select {
		case <-t.slots:
		default:
		}
	}()
	if healthy {
		select {
		case <-t.closed:
		case t.idle <- c:
			return
		default:
		}
		c.quit()
		return
	}
	c.client.Close()
}

// phaseError is an error of one SMTP phase.
type phaseError struct {
	phase model.SMTPPhase
	err   error
}

func (e *phaseError) Error() string { return string(e.phase) + ": " + e.err.Error() }
func (e *phaseError) Unwrap() error { return e.err }

// dial connects and runs greeting, EHLO, TLS and AUTH.
func (t *SMTPTarget) dial(ctx context.Context) (*smtpConn, []model.SMTPReply, error) {
	return t.dialMode(ctx, t.startTLS)
}

func (t *SMTPTarget) dialMode(ctx context.Context, startTLS string) (*smtpConn, []model.SMTPReply, error) {
	t.connSeq.Lock()
	t.nextID++
	id := t.nextID
	t.connSeq.Unlock()

	d := net.Dialer{Timeout: t.opts.Timeout}
	raw, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, nil, &phaseError{model.PhaseConnect, err}
	}
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	raw.SetDeadline(time.Now().Add(t.opts.Timeout))
	defer raw.SetDeadline(time.Time{})

	var conn net.Conn = raw
	if t.implicitTLS {
		tc := tls.Client(raw, t.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, nil, &phaseError{model.PhaseTLS, err}
		}
		conn = tc
	}
	var client *smtp.Client
	var replies []model.SMTPReply
	switch startTLS {
	case "":
		client = smtp.NewClient(conn)
	default:
		// QUIRK: go-smtp's STARTTLS path says EHLO localhost before TLS;
		// helo= applies to the EHLO after it.
		client, err = smtp.NewClientStartTLS(conn, t.tlsConfig)
		if err != nil {
			raw.Close()
			if startTLS == "1" && strings.Contains(err.Error(), "doesn't support STARTTLS") {
				// starttls=1 is opportunistic; go-smtp closed the
				// connection, so dial again without it.
				return t.dialMode(ctx, "")
			}
			return nil, replyOf("STARTTLS", err), &phaseError{model.PhaseTLS, err}
		}
	}
	c := &smtpConn{id: id, raw: raw, client: client}
	t.setupClient(c)
	if err := client.Hello(t.helo); err != nil {
		client.Close()
		return nil, replyOf("EHLO", err), &phaseError{model.PhaseHelo, err}
	}
	replies = append(replies, model.SMTPReply{Command: "EHLO", Code: 250})
	if t.authMech != "" {
		var sc sasl.Client
		if t.authMech == "login" {
			sc = sasl.NewLoginClient(t.user, t.pass)
		} else {
			sc = sasl.NewPlainClient("", t.user, t.pass)
		}
		if err := client.Auth(sc); err != nil {
			client.Close()
			return nil, append(replies, replyOf("AUTH", err)...), &phaseError{model.PhaseAuth, err}
		}
		replies = append(replies, model.SMTPReply{Command: "AUTH", Code: 235})
	}
	return c, replies, nil
}

func (t *SMTPTarget) setupClient(c *smtpConn) {
	c.client.CommandTimeout = t.opts.Timeout
	c.client.SubmissionTimeout = 2 * t.opts.Timeout
	if t.opts.Transcript != nil {
		c.client.DebugWriter = newTranscriptPrefixer(t.opts.Transcript, c.id)
	}
}

var _ recoverer = (*SMTPTarget)(nil)

// recover settles a delivery that a killed run began but never recorded
// as done. Only with ResendInDoubt is it sent again (same ENVID, so a
// deduplicating server stores it once); otherwise it is refused.
func (t *SMTPTarget) recover(ctx context.Context, it *Item, begin model.ReplayRecord) (model.ReplayRecord, bool, error) {
	if t.opts.ResendInDoubt {
		return model.ReplayRecord{}, false, nil
	}
	return model.ReplayRecord{
		Action: begin.Action, Dest: begin.Dest, SHA256Before: it.Msg.SHA256, Result: model.ResultRefused,
		Reason: "interrupted during delivery; outcome unknown, not retried to avoid a duplicate: check the server, or rerun with --resend-in-doubt against a server that deduplicates on ENVID (the imsforensic sink)",
	}, true, nil
}
