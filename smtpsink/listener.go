package smtpsink

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// sinkListener wraps the real listener: it numbers connections, enforces
// MaxConnections (a 421 reply beyond it, before go-smtp sees the
// connection), applies CONNECT faults and wraps each net.Conn for idle
// timeouts and transcripts.
type sinkListener struct {
	net.Listener
	sink   *Sink
	active atomic.Int64
}

func (l *sinkListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		s := l.sink
		s.stats.connections.Add(1)
		if l.active.Add(1) > int64(s.cfg.MaxConnections) {
			l.active.Add(-1)
			s.stats.refusedConnections.Add(1)
			s.logEvent("refused", map[string]any{"remote": c.RemoteAddr().String(), "reason": "too many connections"})
			refuse(c, fmt.Sprintf("421 4.7.0 %s too many connections, try again later\r\n", s.cfg.Domain))
			continue
		}
		sc := s.wrapConn(c, &l.active)
		remote := hostOf(c.RemoteAddr())
		subj := &faultSubject{remote: remote, key: remote}
		act := s.decide(PhaseConnect, subj)
		switch {
		case act.disconnect:
			sc.Close()
			continue
		case act.fail != nil:
			refuse(sc, fmt.Sprintf("%d %s\r\n", act.fail.Code, act.fail.Message))
			continue
		}
		sc.greetDelay = act.delay
		return sc, nil
	}
}

// refuse writes one reply line with a short deadline and closes c.
func refuse(c net.Conn, line string) {
	c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte(line))
	c.Close()
}

func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// sinkConn is one accepted connection.
type sinkConn struct {
	net.Conn
	id           string
	readTimeout  time.Duration
	writeTimeout time.Duration
	greetDelay   time.Duration
	onCut        func()      // called once when a write times out
	tls          atomic.Bool // TLS runs above: bytes are ciphertext
	wrote        bool
	transcript   *transcriptWriter

	// The sink's own read buffer (plaintext only, see Read and data.go):
	// rbuf[r:w] is read from the socket and not yet handed out, rerr the
	// socket's error once it is empty, inject what go-smtp's DATA reader is
	// given instead of the socket's bytes after a fast DATA (".\r\n").
	rbuf   []byte
	r, w   int
	rerr   error
	inject []byte

	closeOnce sync.Once
	active    *atomic.Int64
	closeErr  error
}

func (s *Sink) wrapConn(c net.Conn, active *atomic.Int64) *sinkConn {
	sc := &sinkConn{Conn: c, id: s.newConnID(), readTimeout: s.cfg.ReadTimeout, writeTimeout: s.cfg.WriteTimeout, active: active}
	sc.onCut = func() {
		s.stats.writeTimeouts.Add(1)
		s.logEvent("write-timeout", map[string]any{"conn": sc.id, "remote": c.RemoteAddr().String()})
	}
	if s.cfg.Transcripts {
		t, err := openTranscript(filepath.Join(s.cfg.Store, transcriptsDir), sc.id)
		if err != nil {
			s.logEvent("error", map[string]any{"conn": sc.id, "error": err.Error()})
		} else {
			sc.transcript = t
		}
	}
	return sc
}

// Read re-arms the read deadline before every read from the socket:
// ReadTimeout is an idle timeout, including during DATA, where go-smtp
// would keep the deadline it set when it read the DATA command.
//
// In plaintext it hands go-smtp at most one line per call, from a buffer
// of its own: go-smtp's bufio.Reader then never holds a byte past the end
// of the command it parses, so once DATA is answered every byte of the
// message is still here and the session can read it in bulk (data.go)
// instead of go-smtp's reader, which decodes one ReadByte at a time. A
// call still reads as much as the socket has (one read for many lines).
func (c *sinkConn) Read(b []byte) (int, error) {
	if len(c.inject) > 0 {
		n := copy(b, c.inject)
		c.inject = c.inject[n:]
		return n, nil
	}
	if c.r == c.w {
		if c.tls.Load() {
			return c.readSocket(b)
		}
		if c.rerr != nil {
			return 0, c.rerr
		}
		if c.fill() == 0 {
			return 0, c.rerr
		}
	}
	p := c.rbuf[c.r:c.w]
	if !c.tls.Load() {
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			p = p[:i+1]
		}
	}
	n := copy(b, p)
	c.handOut(n)
	return n, nil
}

// handOut consumes n bytes of rbuf (recorded in the transcript).
func (c *sinkConn) handOut(n int) {
	if n > 0 && c.transcript != nil && !c.tls.Load() {
		c.transcript.record('C', c.rbuf[c.r:c.r+n])
	}
	c.r += n
}

// fill reads from the socket into rbuf after what it holds (moved to the
// front first), returning how many bytes came; an error is kept in rerr.
func (c *sinkConn) fill() int {
	if c.rbuf == nil {
		c.rbuf = make([]byte, readBufSize)
	}
	if c.r > 0 {
		c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
		c.r = 0
	}
	if c.w == len(c.rbuf) {
		return 0
	}
	n, err := c.readSocket(c.rbuf[c.w:])
	c.w += n
	if err != nil {
		c.rerr = err
	}
	return n
}

// readBufSize is a connection's read buffer: a whole typical message in
// one or two reads.
const readBufSize = 32 << 10

func (c *sinkConn) readSocket(b []byte) (int, error) {
	if c.readTimeout > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(c.readTimeout))
	}
	return c.Conn.Read(b) // recorded, in plaintext, by handOut
}

func (c *sinkConn) Write(b []byte) (int, error) {
	if !c.wrote {
		c.wrote = true
		if c.greetDelay > 0 {
			time.Sleep(c.greetDelay)
		}
	}
	out := b
	if !c.tls.Load() {
		// Under TLS, go-smtp's replies are sanitised by replySafe only in
		// plaintext: its TLS layer sits above this connection.
		out = replySafe(b)
	}
	if c.writeTimeout > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	n, err := c.Conn.Write(out)
	if n > 0 && c.transcript != nil && !c.tls.Load() {
		c.transcript.record('S', out[:n])
	}
	if err != nil {
		// go-smtp ignores reply write errors and reads on, so a client that
		// sends commands but never reads replies would keep its slot for
		// ever: a reply that cannot be written ends the connection.
		if errors.Is(err, os.ErrDeadlineExceeded) && c.onCut != nil {
			c.onCut()
		}
		c.Close()
	}
	if err == nil {
		n = len(b)
	}
	return n, err
}

// replySafe returns b with every control byte that is not part of a CRLF
// line end (or a tab) replaced by '?'. go-smtp echoes the client's EHLO
// name and addresses into replies; a NUL, bare CR or bare LF from a
// hostile peer must not reach the client as a malformed reply line
// (RFC 5321 section 4.2). b is returned as is when it is clean.
func replySafe(b []byte) []byte {
	var out []byte
	for i, c := range b {
		ok := c >= 0x20 && c != 0x7f || c == '\t' ||
			c == '\r' && (i+1 == len(b) || b[i+1] == '\n') ||
			c == '\n' && i > 0 && b[i-1] == '\r'
		if ok {
			continue
		}
		if out == nil {
			out = append([]byte(nil), b...)
		}
		out[i] = '?'
	}
	if out == nil {
		return b
	}
	return out
}

// SetWriteDeadline is go-smtp's; Write arms its own when WriteTimeout is set.
func (c *sinkConn) SetWriteDeadline(t time.Time) error {
	if c.writeTimeout > 0 {
		return nil
	}
	return c.Conn.SetWriteDeadline(t)
}

// SetReadDeadline is kept from go-smtp's calls only when no idle timeout
// is configured; otherwise Read arms its own.
func (c *sinkConn) SetReadDeadline(t time.Time) error {
	if c.readTimeout > 0 {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *sinkConn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.Conn.Close()
		if c.transcript != nil {
			c.transcript.close()
		}
		if c.active != nil {
			c.active.Add(-1)
		}
	})
	return c.closeErr
}

// isClosed reports an error from a connection the sink closed itself.
func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded)
}
