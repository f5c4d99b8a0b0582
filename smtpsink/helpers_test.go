package smtpsink

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/stopwait"
)

// startSink runs a sink on 127.0.0.1:0 with a fresh store; options adjust
// the Config. It is shut down at the end of the test.
func startSink(t *testing.T, opts ...func(*Config)) *Sink {
	t.Helper()
	cfg := Config{Store: t.TempDir(), Logger: testLog{t}}
	for _, o := range opts {
		o(&cfg)
	}
	return runSink(t, cfg)
}

func runSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return runSinkOn(t, cfg, l)
}

// runSinkOn is runSink on a listener the test provides.
func runSinkOn(t *testing.T, cfg Config, l net.Listener) *Sink {
	t.Helper()
	s, stop := serveSink(t, cfg, l)
	t.Cleanup(stop)
	return s
}

// serveSinkLoopback is serveSink on a new listener on 127.0.0.1.
func serveSinkLoopback(t *testing.T, cfg Config) (*Sink, func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveSink(t, cfg, l)
}

// serveSink runs a sink on l until stop (which may be called more than
// once) has shut it down.
func serveSink(t *testing.T, cfg Config, l net.Listener) (*Sink, func()) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := stopwait.Await("the sink's Serve", done); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	for s.Addr() == nil {
		select {
		case err := <-done:
			done <- err // for stop, which the cleanup still calls
			t.Fatalf("Serve returned before it listened: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	return s, stop
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// rawClient speaks SMTP byte by byte, like go-smtp's server_test.go.
type rawClient struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, s *Sink) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawClient{t: t, c: c, r: bufio.NewReader(c)}
	if code, text, err := rc.reply(); err != nil || code != 220 {
		t.Fatalf("greeting: %d %q %v", code, text, err)
	}
	return rc
}

// reply reads one (possibly multi-line) reply.
func (rc *rawClient) reply() (int, string, error) {
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var text []string
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			return 0, strings.Join(text, "\n"), err
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 4 {
			return 0, line, fmt.Errorf("short reply line %q", line)
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil {
			return 0, line, fmt.Errorf("bad reply line %q", line)
		}
		text = append(text, line[4:])
		if line[3] == ' ' {
			return code, strings.Join(text, "\n"), nil
		}
	}
}

func (rc *rawClient) write(raw string) {
	rc.t.Helper()
	if _, err := rc.c.Write([]byte(raw)); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// cmd sends one command line and returns the reply.
func (rc *rawClient) cmd(line string) (int, string) {
	rc.t.Helper()
	rc.write(line + "\r\n")
	code, text, err := rc.reply()
	if err != nil {
		rc.t.Fatalf("%s: %v", line, err)
	}
	return code, text
}

func (rc *rawClient) expect(line string, want int) string {
	rc.t.Helper()
	code, text := rc.cmd(line)
	if code != want {
		rc.t.Fatalf("%s: got %d %q, want %d", line, code, text, want)
	}
	return text
}

// sendMessage runs one whole transaction; data is sent as is (already
// dot-stuffed) followed by the end marker.
func (rc *rawClient) sendMessage(from string, to []string, data string) (int, string) {
	rc.t.Helper()
	rc.expect("MAIL FROM:<"+from+">", 250)
	for _, r := range to {
		rc.expect("RCPT TO:<"+r+">", 250)
	}
	rc.expect("DATA", 354)
	rc.write(data + ".\r\n")
	code, text, err := rc.reply()
	if err != nil {
		rc.t.Fatalf("end of DATA: %v", err)
	}
	return code, text
}

// storedMessages reads every <id>.json of a store with its .eml bytes.
func storedMessages(t *testing.T, dir string) map[string]storedMsg {
	t.Helper()
	out := map[string]storedMsg{}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		var env StoredEnvelope
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		eml, err := os.ReadFile(filepath.Join(dir, env.File))
		if err != nil {
			t.Fatalf("envelope %s without its .eml: %v", m, err)
		}
		out[env.ID] = storedMsg{env: env, eml: eml}
	}
	return out
}

type storedMsg struct {
	env StoredEnvelope
	eml []byte
}

func waitStored(t *testing.T, s *Sink, n int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitStored(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

// waitIdle waits until the sink has no open connection (closing is
// asynchronous on the server side).
func waitIdle(t *testing.T, s *Sink) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.ActiveConnections() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open", s.ActiveConnections())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
