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

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/smtpclient"
)

// SMTPOptions tunes the smtp:// target. Zero values take the defaults.
type SMTPOptions struct {
	// Concurrency is the size of the connection pool and the number of
	// Deliver calls that talk to the server at once. 0 = the default, 1.
	Concurrency int
	// Rate caps messages per second across all connections. 0 = the
	// default, no cap; -1 = no cap.
	Rate float64
	// FixLineEndings sends bare-LF messages anyway, letting go-smtp's dot
	// writer turn bare LF into CRLF; sha256_after records the change.
	FixLineEndings bool
	// Transcript receives every connection's protocol exchange, each line
	// prefixed with the connection number and C:/S:. It may be shared.
	Transcript io.Writer
	// Timeout bounds connecting and each command's reply, and every write
	// of DATA. 0 = the default, 60 s. The final reply to DATA may take 2x
	// Timeout.
	Timeout time.Duration
	// Retries is how many times a message is tried again after a 4xx or a
	// lost connection before DATA. 0 = the default, no retry; -1 = no
	// retry.
	Retries int
	// RetryBackoff is the first wait before a retry; it doubles up to
	// 30 s. 0 = the default, 1 s.
	RetryBackoff time.Duration
	// ResendInDoubt resends, with the same ENVID, a message whose earlier
	// delivery was interrupted after it began (the server may or may not
	// have stored it). That is exactly-once only with a server that
	// deduplicates on ENVID, as the imsforensic sink does; with any other
	// server it risks a duplicate, so by default such a message is refused
	// and reported instead.
	ResendInDoubt bool
	// Resolver looks up the host's addresses, once per target: its lock
	// and journal know the server by them, and it connects to them. nil
	// means net.DefaultResolver (at most 2 s; a name that does not
	// resolve is known as written, and connecting then resolves it again).
	Resolver Resolver
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
	name string // String(): the URL without the password, made once
	addr string // host:port

	client smtpclient.Config // TLS, AUTH, HELO name, timeout, transcript

	opts    SMTPOptions
	slots   chan struct{}
	idle    chan *smtpclient.Conn
	limiter *rateLimiter
	connSeq sync.Mutex
	nextID  int
	closed  chan struct{}
	once    sync.Once

	idOnce sync.Once
	id     smtpIdentity // identity(): resolved once
}

var _ Target = (*SMTPTarget)(nil)

// NewSMTPTarget parses rawURL; it does not connect (Prepare does).
func NewSMTPTarget(rawURL string, opts SMTPOptions) (*SMTPTarget, error) {
	cc, err := smtpClientConfig(rawURL)
	if err != nil {
		return nil, err
	}
	if opts, err = opts.withDefaults(); err != nil {
		return nil, err
	}
	cc.Timeout, cc.Transcript = opts.Timeout, opts.Transcript
	return &SMTPTarget{
		raw:     rawURL,
		name:    redactedURL(rawURL),
		addr:    cc.Addr,
		client:  cc,
		opts:    opts,
		slots:   make(chan struct{}, opts.Concurrency),
		idle:    make(chan *smtpclient.Conn, opts.Concurrency),
		limiter: newRateLimiter(opts.Rate),
		closed:  make(chan struct{}),
	}, nil
}

// smtpClientConfig reads the target URL (see SMTPTarget for its forms)
// into the client's address, TLS, AUTH and HELO settings; an unknown
// scheme or parameter is an error rather than silently ignored, since a
// misspelt starttls would send the evidence in clear.
func smtpClientConfig(rawURL string) (smtpclient.Config, error) {
	var cc smtpclient.Config
	u, err := url.Parse(rawURL)
	if err != nil {
		return cc, fmt.Errorf("replay: smtp target %q: %w", rawURL, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
	case "smtps":
		cc.ImplicitTLS = true
	default:
		return cc, fmt.Errorf("replay: smtp target %q: scheme must be smtp or smtps", rawURL)
	}
	if u.Hostname() == "" {
		return cc, fmt.Errorf("replay: smtp target %q: missing host", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "25"
		if cc.ImplicitTLS {
			port = "465"
		}
	}
	cc.Addr = net.JoinHostPort(u.Hostname(), port)
	q := u.Query()
	for k := range q {
		switch k {
		case "starttls", "auth", "user", "pass", "insecure", "helo":
		default:
			return cc, fmt.Errorf("replay: smtp target %q: unknown parameter %q", rawURL, k)
		}
	}
	for _, step := range []func(*smtpclient.Config, *url.URL) error{smtpTLS, smtpAuth, smtpHelo} {
		if err := step(&cc, u); err != nil {
			return cc, fmt.Errorf("replay: smtp target %q: %w", rawURL, err)
		}
	}
	return cc, nil
}

// smtpTLS sets STARTTLS (starttls=1 or require; not with smtps, which is
// TLS from the start) and the certificate check (insecure=1 skips it).
func smtpTLS(cc *smtpclient.Config, u *url.URL) error {
	q := u.Query()
	switch v := strings.ToLower(q.Get("starttls")); v {
	case "", "0":
	case "1", "require":
		if cc.ImplicitTLS {
			return errors.New("starttls with smtps")
		}
		cc.StartTLS = v
	default:
		return errors.New("starttls must be 1 or require")
	}
	cc.TLS = &tls.Config{ServerName: u.Hostname()}
	if b, _ := strconv.ParseBool(q.Get("insecure")); b {
		cc.TLS.InsecureSkipVerify = true
	}
	return nil
}

// smtpAuth sets the AUTH mechanism and credentials: user= and pass=, or
// user:pass@ in the URL (which wins); a user without auth= means PLAIN.
func smtpAuth(cc *smtpclient.Config, u *url.URL) error {
	q := u.Query()
	cc.User, cc.Pass = q.Get("user"), q.Get("pass")
	if u.User != nil {
		cc.User = u.User.Username()
		cc.Pass, _ = u.User.Password()
	}
	switch m := strings.ToLower(q.Get("auth")); m {
	case "":
		if cc.User != "" {
			cc.AuthMech = "plain"
		}
	case "plain", "login":
		cc.AuthMech = m
	default:
		return errors.New("auth must be plain or login")
	}
	if cc.AuthMech != "" && cc.User == "" {
		return errors.New("auth needs a user")
	}
	if strings.ContainsAny(cc.User+cc.Pass, "\r\n") {
		return errors.New("bad user or password")
	}
	return nil
}

// smtpHelo sets the EHLO name (helo=, by default imsforensic.localhost);
// a line break or space in it would inject a command.
func smtpHelo(cc *smtpclient.Config, u *url.URL) error {
	cc.Helo = u.Query().Get("helo")
	if cc.Helo == "" {
		cc.Helo = "imsforensic.localhost"
	}
	if strings.ContainsAny(cc.Helo, "\r\n ") {
		return errors.New("bad helo name")
	}
	return nil
}

// withDefaults maps the Options convention (0 = the default, -1 = none)
// onto the values the target runs with.
func (opts SMTPOptions) withDefaults() (SMTPOptions, error) {
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
	if opts.Rate == -1 {
		opts.Rate = 0
	}
	if opts.Rate < 0 {
		return opts, fmt.Errorf("replay: smtp target: negative rate %v", opts.Rate)
	}
	return opts, nil
}

// String is the URL without the password. Every journal record carries
// it, so it is made once.
func (t *SMTPTarget) String() string { return t.name }

// redactedURL is rawURL with its password, in the user part or in pass=,
// replaced by "xxxxx".
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
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
// there, and keeps the connection for the first Deliver. A refused AUTH
// is an error naming the phase and the reply ("auth: 535 5.7.8 ...").
func (t *SMTPTarget) Prepare(ctx context.Context) error {
	t.slots <- struct{}{}
	c, _, err := t.dial(ctx)
	if err != nil {
		<-t.slots
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
	case badAddress(m.Envelope):
		return "envelope address contains CR, LF or NUL: it would inject SMTP commands"
	case m.Scan.BareLF > 0 && !fix:
		return "bare LF: would be changed in transit; use --fix-line-endings"
	}
	return ""
}

func badAddress(e model.Envelope) bool {
	bad := func(a string) bool { return strings.ContainsAny(a, "\r\n\x00") }
	if bad(e.From) {
		return true
	}
	for _, to := range e.To {
		if bad(to) {
			return true
		}
	}
	return false
}

// Close closes idle connections (with QUIT) and refuses further use.
func (t *SMTPTarget) Close() error {
	t.once.Do(func() { close(t.closed) })
	for {
		select {
		case c := <-t.idle:
			c.Quit()
		default:
			return nil
		}
	}
}

// acquire takes a concurrency slot and a connection (idle or new). The
// replies of a new connection's set-up are returned for the record; a
// set-up failure is an *smtpclient.Error naming its phase.
func (t *SMTPTarget) acquire(ctx context.Context) (c *smtpclient.Conn, reused bool, replies []model.SMTPReply, err error) {
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, false, nil, &smtpclient.Error{Phase: model.PhaseConnect, Err: ctx.Err()}
	case <-t.closed:
		return nil, false, nil, &smtpclient.Error{Phase: model.PhaseConnect, Err: errors.New("target closed")}
	}
	select {
	case c := <-t.idle:
		return c, true, nil, nil
	default:
	}
	c, replies, err = t.dial(ctx)
	if err != nil {
		<-t.slots
		return nil, false, replies, err
	}
	return c, false, replies, nil
}

// release returns c to the pool when it is still usable, else closes it,
// and frees the slot.
func (t *SMTPTarget) release(c *smtpclient.Conn, healthy bool) {
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
		c.Quit()
		return
	}
	c.Close()
}

// dial connects and runs greeting, EHLO, TLS and AUTH. It connects to
// the addresses the host resolved to when the run began (identity), in
// the resolver's order, the next one only when a connection could not be
// made: the server the run locked and journals is the one that gets the
// mail. An address written as the host is dialled as written (with its
// zone), a host that did not resolve by its name.
func (t *SMTPTarget) dial(ctx context.Context) (*smtpclient.Conn, []model.SMTPReply, error) {
	t.connSeq.Lock()
	t.nextID++
	id := t.nextID
	t.connSeq.Unlock()
	addrs := t.identity().dial
	if len(addrs) == 0 {
		return smtpclient.Dial(ctx, &t.client, id)
	}
	var (
		c       *smtpclient.Conn
		replies []model.SMTPReply
		err     error
	)
	for _, a := range addrs {
		cc := t.client
		cc.Addr = a
		c, replies, err = smtpclient.Dial(ctx, &cc, id)
		var se *smtpclient.Error
		var ne *net.OpError
		if err == nil || ctx.Err() != nil || !errors.As(err, &se) || se.Phase != model.PhaseConnect || se.Reply != nil || !errors.As(err, &ne) || ne.Op != "dial" {
			break
		}
	}
	return c, replies, err
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
		Reason: inDoubtReason + ", not retried to avoid a duplicate: check the server, or rerun with --resend-in-doubt against a server that deduplicates on ENVID (the imsforensic sink)",
	}, true, nil
}
