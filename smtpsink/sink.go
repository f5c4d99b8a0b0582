package smtpsink

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/imsforensic/imsforensic/model"
)

// Sink is a running (or ready) SMTP sink. Create it with New; it is safe
// for concurrent use.
type Sink struct {
	// inflight counts Data calls still running. go-smtp runs a BDAT chunk
	// in a goroutine of its own that can outlive its connection, so Serve
	// waits for this to reach zero before it returns.
	inflight atomic.Int64

	cfg    Config
	store  *store
	server *smtp.Server

	connSeq   atomic.Uint64
	startedAt string
	lintSem   chan struct{}

	logMu sync.Mutex

	faultMu     sync.Mutex
	faultCounts map[string]int // fault index + subject -> times fired
	chaosSeen   map[string]int // phase + subject -> times seen

	emuMu   sync.Mutex
	crashes map[string]int
	poison  map[string]model.SinkPoison

	storedMu sync.Mutex
	storedCh chan struct{} // closed and replaced at each stored message

	stats struct {
		connections, refusedConnections       atomic.Int64
		stored, duplicates, rejected, crashes atomic.Int64
		disconnects, refused, storeFailures   atomic.Int64
		authFailures, writeTimeouts           atomic.Int64
		quarantined                           atomic.Int64
		fastData                              atomic.Int64 // messages read by readData to the end (tests)
	}

	addrMu   sync.Mutex
	addr     net.Addr
	listener *sinkListener
	stopOnce sync.Once
	stop     chan struct{} // closed by Shutdown
	exitCh   chan struct{} // closed when ExitAfter is reached
	exitOnce sync.Once
}

// Stats is a snapshot of the sink's counters.
type Stats struct {
	Connections        int64 // accepted, refused ones included
	RefusedConnections int64 // beyond MaxConnections
	Stored             int64 // messages stored
	Duplicates         int64 // acknowledged ENVID duplicates, not stored again
	Rejected           int64 // fault and chaos replies
	Disconnects        int64 // fault and chaos drops
	Crashes            int64 // emulated store crashes
	// Refused counts the sink's own refusals of a sender, recipient or
	// message (control characters, too many recipients, too large, a DATA
	// line over MaxLineLength, MAIL missing, authentication required);
	// Rejected the injected ones.
	Refused       int64
	StoreFailures int64 // 451/452: the store could not be written
	AuthFailures  int64 // 535 and other failed AUTH exchanges
	WriteTimeouts int64 // connections cut because the client stopped reading
	// Quarantined counts the files the start moved to broken/: what a
	// killed sink or a crashed machine left of messages never acknowledged.
	Quarantined int64
	Poison      []model.SinkPoison
}

// New checks cfg, applies the defaults and prepares the store (moving what
// a killed sink or a crashed machine left unacknowledged to broken/:
// store.go's crash contract). It does not listen.
func New(cfg Config) (*Sink, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, &ConfigError{Err: err}
	}
	st, moved, err := openStore(cfg.Store)
	if err != nil {
		return nil, err
	}
	s := &Sink{
		cfg:         cfg,
		store:       st,
		startedAt:   time.Now().UTC().Format("20060102T150405Z"),
		lintSem:     make(chan struct{}, runtime.GOMAXPROCS(0)),
		faultCounts: map[string]int{},
		chaosSeen:   map[string]int{},
		crashes:     map[string]int{},
		poison:      map[string]model.SinkPoison{},
		storedCh:    make(chan struct{}),
		stop:        make(chan struct{}),
		exitCh:      make(chan struct{}),
	}
	for _, q := range moved {
		s.logEvent("quarantined", map[string]any{"file": q.name, "to": brokenDir, "reason": q.reason})
	}
	s.stats.quarantined.Store(int64(len(moved)))
	err = st.readJSONL(poisonJournal, func(line []byte) {
		var p model.SinkPoison
		if json.Unmarshal(line, &p) == nil && p.Fingerprint != "" {
			s.poison[p.Fingerprint] = p
		}
	})
	if err != nil {
		st.close()
		return nil, err
	}

	srv := smtp.NewServer(&backend{sink: s})
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	// MaxRecipients is enforced by session.Rcpt, where it is counted.
	srv.MaxLineLength = cfg.MaxLineLength
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	// DSN so that RET, ENVID, NOTIFY and ORCPT are accepted and recorded;
	// the sink never sends a DSN (it never relays or bounces).
	srv.EnableDSN = true
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = s.tlsConfig()
	// Without TLS, AUTH over cleartext is the only AUTH there is (a lab
	// sink on loopback); with TLS, go-smtp offers AUTH after STARTTLS only.
	srv.AllowInsecureAuth = cfg.TLS == nil
	srv.ErrorLog = serverLog{s}
	s.server = srv
	return s, nil
}

// Serve serves SMTP on l until ctx is cancelled, Shutdown is called or
// ExitAfter messages were stored; then it shuts down gracefully (a few
// seconds for open transactions) and returns nil. l must be a loopback
// listener unless AllowNonLoopback. Serve closes l and, when it returns
// (a refusal too), the store.
func (s *Sink) Serve(ctx context.Context, l net.Listener) error {
	if !s.cfg.AllowNonLoopback {
		if err := checkLoopbackAddr(l.Addr().String()); err != nil {
			l.Close()
			s.Close()
			return err
		}
	}
	s.addrMu.Lock()
	s.addr = l.Addr()
	sl := &sinkListener{Listener: l, sink: s}
	s.listener = sl
	s.addrMu.Unlock()

	// The last checkpoint covers every message stored: the next start
	// checks nothing of this run's.
	defer func() {
		if err := s.store.close(); err != nil {
			s.logEvent("store-error", map[string]any{"error": err.Error()})
		}
	}()
	served := make(chan error, 1)
	go func() { served <- s.server.Serve(sl) }()
	s.logEvent("listening", map[string]any{"addr": l.Addr().String(), "store": s.cfg.Store})

	select {
	case err := <-served:
		if err != nil && !isClosed(err) {
			return fmt.Errorf("smtpsink: serve: %w", err)
		}
		wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.waitInflight(wait)
		return nil
	case <-ctx.Done():
	case <-s.stop:
	case <-s.exitCh:
	}
	grace, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Shutdown(grace)
	// go-smtp's Shutdown closes the listeners its Serve has registered: a
	// stop that comes before that goroutine ran (a context cancelled as
	// soon as the sink listens) would leave its Accept waiting for ever.
	sl.Close()
	<-served
	s.waitInflight(grace)
	return nil
}

// tlsConfig clones Config.TLS with a hook that marks the connection as
// carrying TLS once a handshake begins: from then on its bytes are
// ciphertext, which the reply sanitiser and the transcripts must not touch.
func (s *Sink) tlsConfig() *tls.Config {
	if s.cfg.TLS == nil {
		return nil
	}
	tc := s.cfg.TLS.Clone()
	next := tc.GetConfigForClient
	tc.GetConfigForClient = func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
		if sc, ok := hi.Conn.(*sinkConn); ok {
			sc.tls.Store(true)
			if sc.transcript != nil {
				sc.transcript.record('S', []byte("(TLS started: the rest is encrypted and not recorded)\r\n"))
			}
		}
		if next != nil {
			return next(hi)
		}
		return nil, nil
	}
	return tc
}

// waitInflight returns when no Data call is running (each one has stored
// its message or removed its temporary file), or when ctx is done.
func (s *Sink) waitInflight(ctx context.Context) {
	for s.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// ListenAndServe listens on Config.Listen and calls Serve; a listener
// that cannot be opened closes the store (Close).
func (s *Sink) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		s.Close()
		return fmt.Errorf("smtpsink: listen on %s: %w", s.cfg.Listen, err)
	}
	return s.Serve(ctx, l)
}

// Addr is the address Serve listens on, nil before Serve.
func (s *Sink) Addr() net.Addr {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return s.addr
}

// ActiveConnections is the number of open connections.
func (s *Sink) ActiveConnections() int64 {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	if s.listener == nil {
		return 0
	}
	return s.listener.active.Load()
}

// Close releases the store of a sink that New made and Serve did not
// run (a listener that could not be opened, a refused one): its lock and
// checkpoint handle, which on Windows keep the store folder from being
// moved or deleted while the process lives. Serve closes the store
// itself when it returns; Close after that does nothing.
func (s *Sink) Close() error { return s.store.close() }

// Shutdown stops accepting connections and waits for open ones to end
// until ctx is done, then closes them. Messages acknowledged so far are
// durable either way.
func (s *Sink) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		close(s.stop)
		err = s.server.Shutdown(ctx)
		if err != nil {
			s.server.Close()
		}
	})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Stats returns a snapshot of the counters and the poison list.
func (s *Sink) Stats() Stats {
	st := Stats{
		Connections:        s.stats.connections.Load(),
		RefusedConnections: s.stats.refusedConnections.Load(),
		Stored:             s.stats.stored.Load(),
		Duplicates:         s.stats.duplicates.Load(),
		Rejected:           s.stats.rejected.Load(),
		Disconnects:        s.stats.disconnects.Load(),
		Crashes:            s.stats.crashes.Load(),
		Refused:            s.stats.refused.Load(),
		StoreFailures:      s.stats.storeFailures.Load(),
		AuthFailures:       s.stats.authFailures.Load(),
		WriteTimeouts:      s.stats.writeTimeouts.Load(),
		Quarantined:        s.stats.quarantined.Load(),
	}
	s.emuMu.Lock()
	for _, p := range s.poison {
		st.Poison = append(st.Poison, p)
	}
	s.emuMu.Unlock()
	sort.Slice(st.Poison, func(i, j int) bool { return st.Poison[i].Fingerprint < st.Poison[j].Fingerprint })
	return st
}

// WaitStored blocks until at least n messages were stored by this Sink
// (duplicates not counted) or ctx is done.
func (s *Sink) WaitStored(ctx context.Context, n int64) error {
	for {
		s.storedMu.Lock()
		ch := s.storedCh
		s.storedMu.Unlock()
		if s.stats.stored.Load() >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("smtpsink: waiting for %d stored messages (have %d): %w", n, s.stats.stored.Load(), ctx.Err())
		}
	}
}

func (s *Sink) noteStored() {
	n := s.stats.stored.Add(1)
	s.storedMu.Lock()
	close(s.storedCh)
	s.storedCh = make(chan struct{})
	s.storedMu.Unlock()
	if s.cfg.ExitAfter > 0 && n >= int64(s.cfg.ExitAfter) {
		s.exitOnce.Do(func() { close(s.exitCh) })
	}
}

func (s *Sink) newConnID() string {
	return fmt.Sprintf("%s-c%06d", s.startedAt, s.connSeq.Add(1))
}

// action is what faults and chaos decided for one phase.
type action struct {
	delay      time.Duration
	disconnect bool
	fail       *smtp.SMTPError
	spec       string
}

// decide applies the faults (in order; delays add up, the first fail or
// disconnect wins) and then chaos to one phase.
func (s *Sink) decide(phase Phase, subj *faultSubject) action {
	var act action
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i := range s.cfg.Faults {
		f := &s.cfg.Faults[i]
		if f.Phase != phase || !f.matches(subj) {
			continue
		}
		if f.Times > 0 {
			k := fmt.Sprintf("%d\x00%s", i, subj.key)
			if s.faultCounts[k] >= f.Times {
				continue
			}
			s.faultCounts[k]++
		}
		switch f.Kind {
		case FaultDelay:
			act.delay += f.Delay
			continue
		case FaultDisconnect:
			act.disconnect = true
		case FaultFail:
			act.fail = &smtp.SMTPError{Code: f.Code, EnhancedCode: smtp.EnhancedCode{f.Code / 100, 0, 0},
				Message: "fault injected by imsforensic sink (" + f.Spec + ")"}
		}
		act.spec = f.Spec
		return act
	}
	if c := s.cfg.Chaos; c != nil && c.Rate > 0 && phase != PhaseConnect && phase != PhaseHelo {
		k := string(phase) + "\x00" + subj.key
		n := s.chaosSeen[k]
		s.chaosSeen[k] = n + 1
		u, v := chaosDraw(c.Seed, k, n)
		if u < c.Rate {
			act.spec = fmt.Sprintf("chaos rate=%v seed=%d", c.Rate, c.Seed)
			if v < 1.0/3 {
				act.disconnect = true
			} else {
				act.fail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "chaos: try again later"}
			}
		}
	}
	return act
}

// chaosDraw returns two uniform numbers in [0,1) from a hash of its inputs.
func chaosDraw(seed int64, key string, n int) (float64, float64) {
	h := sha256.New()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(seed))
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	h.Write(b[:])
	io.WriteString(h, key)
	sum := h.Sum(nil)
	u := float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
	v := float64(binary.BigEndian.Uint64(sum[8:16])>>11) / (1 << 53)
	return u, v
}

// sleep waits d unless the sink is shutting down.
func (s *Sink) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.stop:
	}
}

// serverLog routes go-smtp's internal error log into the sink's log.
type serverLog struct{ s *Sink }

func (l serverLog) Printf(format string, v ...any) {
	l.s.logEvent("smtp-error", map[string]any{"error": strings.TrimSpace(fmt.Sprintf(format, v...))})
}

func (l serverLog) Println(v ...any) {
	l.s.logEvent("smtp-error", map[string]any{"error": strings.TrimSpace(fmt.Sprintln(v...))})
}
