package smtpsink

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Defaults applied by New to zero-valued Config fields. Zero never means
// "unlimited": a sink exposed to a replay of a damaged queue must bound
// everything.
const (
	DefaultListen          = "127.0.0.1:2525"
	DefaultDomain          = "imsforensic-sink"
	DefaultMaxMessageBytes = 35 << 20 // 35 MiB: above the largest IMS default limits
	// DefaultMaxRecipients is above RFC 5321's required minimum of 100
	// (section 4.5.3.1.8) so that large distribution-list envelopes of an
	// IMS queue are stored whole.
	DefaultMaxRecipients  = 1000
	DefaultMaxConnections = 100
	// DefaultMaxLineLength is far above RFC 5321's 1000 octets on purpose:
	// poison messages carry 20 KiB Subject lines (rule subject-over-20k) and
	// the sink must store them to be useful, yet a line stays bounded.
	DefaultMaxLineLength   = 64 << 10
	DefaultTimeout         = 60 * time.Second
	DefaultPoisonThreshold = 2
)

// EmulateIMS is the Config.Emulate value that makes the sink behave like
// an Exchange store that crashes on poison content.
const EmulateIMS = "ims"

// Config is the sink's configuration. Zero values take the defaults above.
type Config struct {
	// Listen is the TCP address for ListenAndServe (default 127.0.0.1:2525).
	// A non-loopback address is refused unless AllowNonLoopback.
	Listen           string
	AllowNonLoopback bool

	// Store is the directory messages are stored in; it is created if
	// missing. Required.
	Store string
	// Domain is the name in the greeting and EHLO reply.
	Domain string

	MaxMessageBytes int64
	MaxRecipients   int
	MaxConnections  int
	MaxLineLength   int
	// ReadTimeout is an idle timeout: it is re-armed before every read,
	// also during DATA (go-smtp arms it once per command line only, so a
	// large message over a slow link would otherwise be cut off).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration

	// Lint returns the findings for one message's raw bytes. May be nil (no
	// lint; Emulate "ims" and rule= faults then never fire). It is called
	// concurrently and must be safe for that; raw is only valid during the
	// call (the sink reuses its buffer).
	Lint func(raw []byte) []model.Finding

	// Faults are applied in order; the first that matches a phase decides.
	Faults []Fault
	Chaos  *Chaos
	// Emulate is "" or "ims".
	Emulate         string
	PoisonThreshold int

	// ExitAfter, when > 0, makes Serve return after that many messages were
	// stored (duplicates not counted).
	ExitAfter int

	// Logger receives one line per stored message and per notable event;
	// nil discards. LogJSON writes JSON Lines instead of text.
	Logger  io.Writer
	LogJSON bool
	// TLS, when set, makes the sink offer STARTTLS (RFC 3207) with it
	// (SelfSignedTLS, LoadTLS).
	TLS *tls.Config
	// Auth, when set, maps users to passwords: the sink offers AUTH PLAIN
	// and LOGIN (RFC 4954; over TLS only when TLS is set) and refuses MAIL
	// before a successful AUTH with 530 5.7.0.
	Auth map[string]string

	// Transcripts writes every connection's raw bytes, both directions, to
	// <Store>/transcripts/<conn-id>.log.
	Transcripts bool
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Domain == "" {
		c.Domain = DefaultDomain
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MaxRecipients == 0 {
		c.MaxRecipients = DefaultMaxRecipients
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.MaxLineLength == 0 {
		c.MaxLineLength = DefaultMaxLineLength
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultTimeout
	}
	if c.PoisonThreshold == 0 {
		c.PoisonThreshold = DefaultPoisonThreshold
	}
}

func (c *Config) validate() error {
	if c.Store == "" {
		return errors.New("smtpsink: Config.Store is required")
	}
	if c.MaxMessageBytes < 0 || c.MaxRecipients < 0 || c.MaxConnections < 0 || c.MaxLineLength < 0 ||
		c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.PoisonThreshold < 0 || c.ExitAfter < 0 {
		return errors.New("smtpsink: limits must not be negative")
	}
	switch c.Emulate {
	case "", EmulateIMS:
	default:
		return fmt.Errorf("smtpsink: unknown emulation %q (want %q)", c.Emulate, EmulateIMS)
	}
	if c.Chaos != nil && (c.Chaos.Rate < 0 || c.Chaos.Rate > 1) {
		return fmt.Errorf("smtpsink: chaos rate %v outside 0..1", c.Chaos.Rate)
	}
	if !c.AllowNonLoopback {
		if err := checkLoopbackAddr(c.Listen); err != nil {
			return err
		}
	}
	return nil
}

// ConfigError is New's error for a Config it refuses before touching
// anything (a caller's usage error), as against a store it cannot open or
// one another sink holds.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// errNonLoopback is returned for a listen address that is not loopback.
var errNonLoopback = errors.New("sink: refusing to listen beyond loopback: the sink accepts any mail; give --allow-remote to expose it on purpose")

// checkLoopbackAddr accepts "localhost" and loopback IP literals only: a
// host name is not resolved (no DNS from a forensic workstation), and an
// empty host means all interfaces.
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("smtpsink: listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %q", errNonLoopback, addr)
	}
	return nil
}
