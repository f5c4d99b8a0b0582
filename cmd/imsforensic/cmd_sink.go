package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/selection"
	"github.com/imsforensic/imsforensic/rules"
	"github.com/imsforensic/imsforensic/smtpsink"
)

func newSinkCommand() *command {
	opts := &sinkOptions{}
	fs := newFlagSet("sink")
	opts.addFlags(fs)
	return &command{
		name:  "sink",
		usage: "sink [flags]",
		short: "local SMTP sink that stores, lints and can emulate the IMS/store",
		long: `Runs an SMTP server on 127.0.0.1 that accepts every message into --store:
<id>.eml (the DATA bytes, dot-decoded) and <id>.json (envelope with MAIL and RCPT
parameters, sha256, lint findings). It never relays. A 250 reply is sent only
after both files are fsynced. A repeated ENVID with the same bytes is
acknowledged but not stored twice, so replay reruns are exactly-once.

Faults (repeatable):
  --fail 'PHASE:CODE[*N][:FIELD~REGEX]'   e.g. RCPT:451:to~@bad\.example$, DATA:554:rule=blank-charset
  --delay 'PHASE:DURATION[*N][:COND]'     e.g. DATA:2s
  --disconnect 'PHASE[*N][:COND]'         drop the connection, e.g. DATA:from~crash
PHASE is CONNECT, HELO, MAIL, RCPT or DATA; FIELD is remote, helo, from, envid,
to, rule, class or body; *N fires only the first N times per message/address.

STARTTLS is offered with a new self-signed certificate (--tls-cert and
--tls-key for your own, --tls=false for none). --auth FILE (user:password
lines) requires AUTH PLAIN or LOGIN before MAIL, after STARTTLS when offered.
A store that cannot be written answers 451 (452 when the disk is full).

--emulate ims drops the connection of a message with a crash-class finding
(as a dying Exchange store would) and refuses it with 554 5.6.0 after
--poison-threshold crashes; poison messages are listed in STORE/poison.jsonl.

Examples:
  imsforensic sink --store ./sink
  imsforensic sink --store ./sink --emulate ims --transcripts
  imsforensic sink --store ./sink --fail 'RCPT:451:to~@slow\.example$' --chaos 0.05 --chaos-seed 7
  imsforensic sink --store ./sink --exit-after 50 --log-format json
  imsforensic sink --store ./sink --auth users.txt --tls-cert cert.pem --tls-key key.pem`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			return runSink(ctx, opts, g, args)
		},
	}
}

// sinkOptions are the sink command's flags.
type sinkOptions struct {
	listen          string
	store           string
	maxSize         string
	maxRcpt         int
	maxConn         int
	maxLine         int
	timeout         time.Duration
	emulate         string
	poisonThreshold int
	fail            []string
	delay           []string
	disconnect      []string
	chaos           float64
	chaosSeed       int64
	exitAfter       int
	transcripts     bool
	logFormat       string
	allowRemote     bool
	tls             bool
	tlsCert         string
	tlsKey          string
	auth            string

	cfg smtpsink.Config
}

func (o *sinkOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.listen, "listen", smtpsink.DefaultListen, "address to listen on (loopback only unless --allow-remote)")
	fs.StringVar(&o.store, "store", "sink-store", "directory to store messages in")
	fs.StringVar(&o.maxSize, "max-size", "35M", "largest message accepted (K, M, G suffixes)")
	fs.IntVar(&o.maxRcpt, "max-rcpt", smtpsink.DefaultMaxRecipients, "most recipients per message")
	fs.IntVar(&o.maxConn, "max-conn", smtpsink.DefaultMaxConnections, "most simultaneous connections (421 beyond)")
	fs.IntVar(&o.maxLine, "max-line", smtpsink.DefaultMaxLineLength, "longest line accepted, in bytes")
	fs.DurationVar(&o.timeout, "timeout", smtpsink.DefaultTimeout, "idle read timeout and write timeout")
	fs.StringVar(&o.emulate, "emulate", "", "emulate a server: ims (crash on crash-class findings, then refuse as poison)")
	fs.IntVar(&o.poisonThreshold, "poison-threshold", smtpsink.DefaultPoisonThreshold, "crashes before a message is refused as poison (--emulate ims)")
	fs.StringArrayVar(&o.fail, "fail", nil, "reply CODE at PHASE when the condition holds: 'PHASE:CODE[*N][:FIELD~REGEX]' (repeatable)")
	fs.StringArrayVar(&o.delay, "delay", nil, "wait before replying at PHASE: 'PHASE:DURATION[*N][:COND]' (repeatable)")
	fs.StringArrayVar(&o.disconnect, "disconnect", nil, "drop the connection at PHASE: 'PHASE[*N][:COND]' (repeatable)")
	fs.Float64Var(&o.chaos, "chaos", 0, "probability (0..1) of a random 451 or dropped connection at MAIL, RCPT and DATA")
	fs.Int64Var(&o.chaosSeed, "chaos-seed", 1, "seed that makes --chaos reproducible")
	fs.IntVar(&o.exitAfter, "exit-after", 0, "exit after storing N messages (0: run until interrupted)")
	fs.BoolVar(&o.transcripts, "transcripts", false, "write each connection's raw bytes to STORE/transcripts/")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback --listen address (the sink accepts anything)")
	fs.BoolVar(&o.tls, "tls", true, "offer STARTTLS (a self-signed certificate unless --tls-cert/--tls-key)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate for STARTTLS (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key for STARTTLS (with --tls-cert)")
	fs.StringVar(&o.auth, "auth", "", "require AUTH PLAIN/LOGIN with the user:password lines of FILE (after STARTTLS when offered)")
}

func (o *sinkOptions) validate() error {
	size, err := parseSinkSize(o.maxSize)
	if err != nil {
		return usageErrorf("--max-size: %v", err)
	}
	for _, c := range []struct {
		flag string
		bad  bool
		want string
		got  any
	}{
		{"--store", o.store == "", "a folder to store the messages in", o.store},
		{"--max-rcpt", o.maxRcpt < 1, "1 or more", o.maxRcpt},
		{"--max-conn", o.maxConn < 1, "1 or more", o.maxConn},
		{"--max-line", o.maxLine < 1, "1 or more bytes", o.maxLine},
		{"--timeout", o.timeout <= 0, "a positive duration such as 5m", o.timeout},
		{"--poison-threshold", o.poisonThreshold < 1, "1 or more", o.poisonThreshold},
		{"--exit-after", o.exitAfter < 0, "0 (run until interrupted) or more", o.exitAfter},
	} {
		if c.bad {
			return usageErrorf("%s: want %s, got %#v", c.flag, c.want, c.got)
		}
	}
	// NaN passes both comparisons below it: refuse it by name.
	if math.IsNaN(o.chaos) || o.chaos < 0 || o.chaos > 1 {
		return usageErrorf("--chaos: want a probability between 0 and 1, got %v", o.chaos)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return usageErrorf("--log-format: want text or json, got %q", o.logFormat)
	}
	if o.emulate != "" && o.emulate != smtpsink.EmulateIMS {
		return usageErrorf("--emulate: want ims, got %q", o.emulate)
	}
	o.cfg = smtpsink.Config{
		Listen: o.listen, AllowNonLoopback: o.allowRemote, Store: o.store,
		MaxMessageBytes: size, MaxRecipients: o.maxRcpt, MaxConnections: o.maxConn, MaxLineLength: o.maxLine,
		ReadTimeout: o.timeout, WriteTimeout: o.timeout,
		Emulate: o.emulate, PoisonThreshold: o.poisonThreshold, ExitAfter: o.exitAfter,
		LogJSON: o.logFormat == "json", Transcripts: o.transcripts,
	}
	for _, group := range []struct {
		flag  string
		specs []string
		parse func(string) (smtpsink.Fault, error)
	}{{"--fail", o.fail, smtpsink.ParseFault}, {"--delay", o.delay, smtpsink.ParseDelay}, {"--disconnect", o.disconnect, smtpsink.ParseDisconnect}} {
		for _, spec := range group.specs {
			f, err := group.parse(spec)
			if err != nil {
				return usageErrorf("%s: %v", group.flag, err)
			}
			o.cfg.Faults = append(o.cfg.Faults, f)
		}
	}
	if o.chaos > 0 {
		o.cfg.Chaos = &smtpsink.Chaos{Rate: o.chaos, Seed: o.chaosSeed}
	}
	return o.security()
}

// security sets up STARTTLS and AUTH from --tls, --tls-cert, --tls-key
// and --auth.
func (o *sinkOptions) security() error {
	// Each is read whole: a folder, a device (/dev/zero never ends) or a
	// log given by mistake is refused by the flag's name before that.
	for _, f := range []struct{ flag, path string }{{"--tls-cert", o.tlsCert}, {"--tls-key", o.tlsKey}, {"--auth", o.auth}} {
		if f.path == "" {
			continue
		}
		if err := checkSmallFile(f.flag, f.path, maxSinkFile); err != nil {
			return err
		}
	}
	var err error
	switch {
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return usageErrorf("--tls-cert and --tls-key go together")
	case o.tlsCert != "":
		if !o.tls {
			return usageErrorf("--tls-cert with --tls=false")
		}
		o.cfg.TLS, err = smtpsink.LoadTLS(o.tlsCert, o.tlsKey)
	case o.tls:
		o.cfg.TLS, err = smtpsink.SelfSignedTLS(smtpsink.DefaultDomain)
	}
	if err != nil {
		return usageError(fmt.Errorf("--tls-cert, --tls-key: %w", err))
	}
	if o.auth != "" {
		if o.cfg.Auth, err = smtpsink.LoadAuth(o.auth); err != nil {
			return usageError(fmt.Errorf("--auth: %w", err))
		}
	}
	return nil
}

// maxSinkFile bounds --tls-cert, --tls-key and --auth: a PEM chain or a
// list of lab users is a few KiB.
const maxSinkFile = 1 << 20

// sinkGCPercent is the sink's GOGC unless the environment sets one.
const sinkGCPercent = 400

// runSink serves until ctx is cancelled (SIGINT) or --exit-after is reached.
func runSink(ctx context.Context, opts *sinkOptions, g *globals, args []string) error {
	if len(args) > 0 {
		return usageErrorf("sink takes no arguments, got %q", args)
	}
	if err := opts.validate(); err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// The sink's live heap is small (sessions and one message each
		// being linted), so the default GOGC=100 collects every few
		// messages: about 7% of its CPU under smtp-source -s 16. The soft
		// memory limit (main.go) still bounds the heap.
		debug.SetGCPercent(sinkGCPercent)
	}
	cfg := opts.cfg
	cfg.Logger = g.stderr
	cfg.Lint = func(raw []byte) []model.Finding { return rules.LintBytes(raw, nil).Findings }
	s, err := smtpsink.New(cfg)
	var cfgErr *smtpsink.ConfigError
	if errors.As(err, &cfgErr) {
		// The flags are checked above but for the address, which the
		// sink checks itself (HOST:PORT, loopback unless --allow-remote).
		return usageError(fmt.Errorf("--listen %q: %w", cfg.Listen, err))
	}
	if err != nil {
		return err // the store: it cannot be opened, or another sink holds it
	}
	defer s.Close() // when Serve did not run: the port was in use
	if n := s.Stats().Quarantined; n > 0 {
		// What a killed sink or a crashed machine left of messages it never
		// acknowledged: said once, beside the log's quarantined lines.
		fmt.Fprintf(g.stderr, "imsforensic sink: moved %d unacknowledged leftover file(s) to %s (see the quarantined log lines)\n",
			n, filepath.Join(cfg.Store, smtpsink.BrokenDir))
	}
	// Listen here, not in ListenAndServe: "listening on" is said only once
	// it is true (with the port --listen 127.0.0.1:0 got), and a port in
	// use says what to do.
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("sink: cannot listen on %s: %w; is another server (another imsforensic sink?) on that port? Stop it, or give --listen 127.0.0.1:PORT with a free port", cfg.Listen, err)
	}
	fmt.Fprintf(g.stderr, "imsforensic sink: listening on %s, storing into %s\n", l.Addr(), cfg.Store)
	if err := s.Serve(ctx, l); err != nil {
		return err
	}
	st := s.Stats()
	fmt.Fprintf(g.stderr, "imsforensic sink: stored %d, duplicates %d, refused %d, store failures %d, auth failures %d, "+
		"refused connections %d, cut (not reading) %d, rejected (faults) %d, dropped %d, crashes %d, poison %d\n",
		st.Stored, st.Duplicates, st.Refused, st.StoreFailures, st.AuthFailures,
		st.RefusedConnections, st.WriteTimeouts, st.Rejected, st.Disconnects, st.Crashes, len(st.Poison))
	return nil
}

// parseSinkSize reads --max-size with selection's size syntax ("35M",
// "512K", "1.5G", a byte count), which must be positive.
func parseSinkSize(s string) (int64, error) {
	n, err := selection.ParseSize(s)
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, fmt.Errorf("want a positive size such as 35M, got %q", s)
	}
	return n, nil
}
