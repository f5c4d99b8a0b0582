package smtpsink

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A store that cannot be written answers 4xx (the client keeps the message
// and retries; a 5xx makes a real MTA bounce it) and never shows a path.
func TestStoreFailureIs451WithoutPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows deletes no file a process holds open without FILE_SHARE_DELETE (the running sink's .checkpoint): a store vanishing under the sink cannot be made this way there")
	}
	s := startSink(t)
	rc := dialRaw(t, s)
	rc.expect("EHLO x", 250)
	// The store folder vanishes under the running sink (an unmounted or
	// deleted volume): every write fails.
	if err := os.RemoveAll(s.cfg.Store); err != nil {
		t.Fatal(err)
	}
	code, text := rc.sendMessage("a@x", []string{"b@x"}, "Subject: x\r\n\r\nbody\r\n")
	if code != 451 {
		t.Fatalf("DATA with a vanished store: %d %q, want 451", code, text)
	}
	if strings.Contains(text, s.cfg.Store) || strings.Contains(text, "/") {
		t.Errorf("reply shows a path: %q", text)
	}
	if st := s.Stats(); st.StoreFailures != 1 || st.Stored != 0 {
		t.Errorf("stats = %+v, want 1 store failure and nothing stored", st)
	}
}

// A full disk or quota is 452 4.3.1 (RFC 3463: mail system full), also
// when it strikes while DATA is being received, and says no path.
func TestNoSpaceIs452WithoutPath(t *testing.T) {
	for _, errno := range []error{syscall.ENOSPC, syscall.EDQUOT} {
		err := fmt.Errorf("smtpsink: %w", &fs.PathError{Op: "write", Path: "/var/sink/.imsf-0123.tmp", Err: errno})
		r := storeReply(err)
		if r.Code != 452 || r.EnhancedCode != [3]int{4, 3, 1} || strings.Contains(r.Message, "/") {
			t.Errorf("%v: reply %d %v %q, want 452 4.3.1 without a path", errno, r.Code, r.EnhancedCode, r.Message)
		}
	}
	if r := storeReply(errors.New("smtpsink: rename /a/b: input/output error")); r.Code != 451 || strings.Contains(r.Message, "/") {
		t.Errorf("other error: reply %d %q, want 451 without a path", r.Code, r.Message)
	}
}

// A client that sends commands but never reads the replies is cut once a
// reply cannot be written within WriteTimeout; go-smtp alone ignores the
// failed write and keeps serving it.
func TestWriteDeadlineCutsClientThatDoesNotRead(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Small socket buffers on both ends: otherwise loopback autotunes the
	// sink's send buffer to megabytes, and under -race on a loaded machine
	// the sink may not fill it before the test gives up.
	s := runSinkOn(t, Config{Store: t.TempDir(), Logger: testLog{t}, WriteTimeout: 200 * time.Millisecond},
		smallSendBufferListener{l})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10)
	}
	burst := []byte(strings.Repeat("NOOP\r\n", 4096))
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.Write(burst); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			break // the sink closed the connection
		}
		if s.Stats().WriteTimeouts > 0 && s.ActiveConnections() == 0 {
			break
		}
	}
	waitIdle(t, s)
	if st := s.Stats(); st.WriteTimeouts != 1 {
		t.Errorf("write timeouts = %d, want 1", st.WriteTimeouts)
	}
}

// smallSendBufferListener gives each accepted connection a 4 KiB send
// buffer, so that a client that does not read blocks the sink's writes
// after a few kilobytes of replies.
type smallSendBufferListener struct{ net.Listener }

func (l smallSendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// Every refusal shows in the counters: connections beyond the limit,
// addresses with control characters, too many recipients (store
// failures: TestStoreFailureIs451WithoutPath).
func TestCountersCountEveryRefusal(t *testing.T) {
	s := startSink(t, func(c *Config) { c.MaxConnections = 1; c.MaxRecipients = 1 })
	rc := dialRaw(t, s)
	rc.expect("EHLO x", 250)
	// A second connection beyond MaxConnections gets 421.
	c2, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rc2 := &rawClient{t: t, c: c2, r: newReader(c2)}
	if code, _, _ := rc2.reply(); code != 421 {
		t.Errorf("second connection: %d, want 421", code)
	}
	c2.Close()
	rc.expect("MAIL FROM:<a\x01@x>", 553)
	rc.expect("MAIL FROM:<a@x>", 250)
	rc.expect("RCPT TO:<b@x>", 250)
	rc.expect("RCPT TO:<c@x>", 452)
	rc.expect("RSET", 250)
	st := s.Stats()
	if st.RefusedConnections != 1 || st.Refused != 2 {
		t.Errorf("stats = %+v, want 1 refused connection and 2 refusals (553, 452)", st)
	}
}
