package smtpsink

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The sink under load and abuse (issue 9): many concurrent clients beyond
// MaxConnections, slow-drip clients, oversize lines and messages,
// pipelined junk, path-like and NUL-laden addresses. Each test checks
// that the sink keeps serving, that its limits hold, and that it wrote
// nothing outside its store (checkStoreContents, session_fuzz_test.go).

// loadScale returns the long figure when IMSF_LONG is set or the race
// detector is off and -short is not given, else the short one.
func loadScale(short, long int) int {
	if os.Getenv("IMSF_LONG") != "" || !raceEnabled && !testing.Short() {
		return long
	}
	return short
}

// sinkInParent starts a sink whose store is <parent>/store, so the test
// can prove nothing appears beside it.
func sinkInParent(t *testing.T, opts ...func(*Config)) (*Sink, string) {
	t.Helper()
	parent := t.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		// tmpfs: fsync latency only slows a load test down (durability
		// is what kill_test.go proves).
		if d, err := os.MkdirTemp("/dev/shm", "imsf-load-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			parent = d
		}
	}
	cfg := Config{Store: filepath.Join(parent, "store")}
	for _, o := range opts {
		o(&cfg)
	}
	return runSink(t, cfg), parent
}

// TestLoadManyClients runs far more clients than MaxConnections, each
// sending several messages; refused clients (421) retry. Every message
// must be stored exactly once and the open connections never exceed the
// limit.
func TestLoadManyClients(t *testing.T) {
	clients, perClient := loadScale(60, 1000), loadScale(2, 5)
	maxConn := loadScale(16, 64)
	s, parent := sinkInParent(t, func(c *Config) { c.MaxConnections = maxConn })
	var peak atomic.Int64
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-stopWatch:
				return
			default:
			}
			if n := s.ActiveConnections(); n > peak.Load() {
				peak.Store(n)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	var refused atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			giveUp := time.Now().Add(10 * time.Minute)
			for attempt := 0; ; attempt++ {
				err := sendBatch(s.Addr().String(), c, perClient)
				if errors.Is(err, errBusy) && time.Now().Before(giveUp) {
					refused.Add(1)
					// Jittered backoff, as a real client retries a 421.
					time.Sleep(time.Duration(1+rand.IntN(10<<min(attempt, 4))) * time.Millisecond)
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("client %d: %w", c, err)
				}
				return
			}
		}(c)
	}
	wg.Wait()
	close(stopWatch)
	<-watched
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := clients * perClient
	msgs := storedMessages(t, s.cfg.Store)
	bodies := map[string]int{}
	for _, m := range msgs {
		bodies[string(m.eml)]++
	}
	if len(msgs) != want || len(bodies) != want {
		t.Errorf("stored %d messages (%d distinct), want %d", len(msgs), len(bodies), want)
	}
	// The listener counts a connection before it decides to refuse it, and
	// it accepts one at a time: the count seen may exceed the accepted
	// connections by that one, never more.
	if p := peak.Load(); p > int64(maxConn)+1 {
		t.Errorf("%d connections open at once, over MaxConnections %d", p, maxConn)
	}
	st := s.Stats()
	if st.RefusedConnections != refused.Load() {
		t.Errorf("sink refused %d, clients saw %d refusals", st.RefusedConnections, refused.Load())
	}
	checkStoreContents(t, parent, s.cfg.Store, st.Stored)
	t.Logf("%d clients, %d messages stored, %d connections accepted, %d refused with 421, at most %d open at once",
		clients, len(msgs), st.Connections-st.RefusedConnections, st.RefusedConnections, peak.Load())
}

var errBusy = errors.New("421 too many connections")

// sendBatch sends n numbered messages on one connection.
func sendBatch(addr string, client, n int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(c)
	code, err := readCode(r)
	if err != nil {
		return err
	}
	if code == 421 {
		return errBusy
	}
	step := func(send string, want int) error {
		if _, err := io.WriteString(c, send); err != nil {
			return err
		}
		code, err := readCode(r)
		if err != nil {
			return fmt.Errorf("%q: %w", send, err)
		}
		if code != want {
			return fmt.Errorf("%q: reply %d, want %d", send, code, want)
		}
		return nil
	}
	if err := step("EHLO load\r\n", 250); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("Subject: load %d/%d\r\n\r\n%s\r\n", client, i, strings.Repeat("payload line\r\n", 20+i))
		for _, s := range []struct {
			send string
			want int
		}{{"MAIL FROM:<load@x>\r\n", 250}, {"RCPT TO:<r@x>\r\n", 250}, {"DATA\r\n", 354}, {body + ".\r\n", 250}} {
			if err := step(s.send, s.want); err != nil {
				return err
			}
		}
	}
	return step("QUIT\r\n", 221)
}

// readCode reads one reply and returns its code.
func readCode(r *bufio.Reader) (int, error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		if len(line) < 4 {
			return 0, fmt.Errorf("short reply %q", line)
		}
		var code int
		if _, err := fmt.Sscanf(line[:3], "%d", &code); err != nil {
			return 0, fmt.Errorf("bad reply %q", line)
		}
		if line[3] != '-' {
			return code, nil
		}
	}
}

// TestAbuseSlowDripAndLimits fills every connection slot with slow-drip
// clients, proves the next client is refused with 421 rather than queued,
// that drip clients that stall past the idle timeout are dropped without
// anything stored, and that the sink serves normally afterwards.
func TestAbuseSlowDripAndLimits(t *testing.T) {
	const slots = 4
	s, parent := sinkInParent(t, func(c *Config) {
		c.MaxConnections = slots
		// Wide margin: a drip byte every 50 ms against a 2 s idle timeout,
		// so a loaded machine does not cut a drip early.
		c.ReadTimeout = 2 * time.Second
	})
	stopDrip := make(chan struct{})
	var dripping sync.WaitGroup
	var drips []net.Conn
	for i := 0; i < slots; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		r := bufio.NewReader(c)
		if code, err := readCode(r); err != nil || code != 220 {
			t.Fatalf("drip %d greeting: %d %v", i, code, err)
		}
		// A command line, one byte every 50 ms, until told to stop; then
		// silence.
		dripping.Add(1)
		go func() {
			defer dripping.Done()
			for i := 0; ; i++ {
				select {
				case <-stopDrip:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte{"MAIL FROM:<slow@x>"[i%18]}); err != nil {
					return
				}
			}
		}()
		drips = append(drips, c)
	}
	for s.ActiveConnections() < slots {
		time.Sleep(time.Millisecond)
	}
	extra, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, _ := io.ReadAll(extra)
	extra.Close()
	close(stopDrip)
	dripping.Wait()
	if !strings.HasPrefix(string(got), "421 ") {
		t.Fatalf("client beyond MaxConnections got %q, want 421", got)
	}
	// The stalled drips are cut by the idle timeout.
	for i, c := range drips {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("drip %d: %v (the sink did not close it)", i, err)
		}
	}
	waitIdle(t, s)
	rc := dialRaw(t, s)
	rc.expect("EHLO after", 250)
	if code, text := rc.sendMessage("a@x", []string{"b@x"}, "Subject: after the drips\r\n\r\nok\r\n"); code != 250 {
		t.Fatalf("after the drips: %d %s", code, text)
	}
	rc.expect("QUIT", 221)
	checkStoreContents(t, parent, s.cfg.Store, 1)
}

// TestAbuseOversizeAndJunk sends a command line far beyond MaxLineLength
// with no line end, a message beyond MaxMessageBytes, a megabyte of
// pipelined junk and path-like and NUL-laden addresses. None may store
// anything partial, leave a temp file, write outside the store, or stop
// the sink serving the next client.
func TestAbuseOversizeAndJunk(t *testing.T) {
	s, parent := sinkInParent(t, func(c *Config) {
		c.MaxMessageBytes = 1 << 20
		c.MaxLineLength = 1000
		c.ReadTimeout = 5 * time.Second
	})
	addr := s.Addr().String()
	stream := func(name string, payload func(w io.Writer)) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		go func() {
			payload(c)
			c.(*net.TCPConn).CloseWrite()
		}()
		replies, err := io.ReadAll(c)
		if err != nil && !isReset(err) {
			t.Errorf("%s: %v", name, err)
		}
		checkRepliesLoose(t, name, replies)
		return string(replies)
	}

	longLine := stream("16 MiB line", func(w io.Writer) {
		io.WriteString(w, "EHLO x\r\nMAIL FROM:<")
		chunk := strings.Repeat("A", 64<<10)
		for i := 0; i < 256; i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	if !strings.Contains(longLine, "500") && !strings.Contains(longLine, "552") && !strings.Contains(longLine, "421") {
		t.Errorf("16 MiB command line: no error reply in %q", tailStr(longLine))
	}

	big := stream("8 MiB message", func(w io.Writer) {
		io.WriteString(w, "EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n")
		line := strings.Repeat("b", 78) + "\r\n"
		for i := 0; i < (8<<20)/len(line); i++ {
			if _, err := io.WriteString(w, line); err != nil {
				return
			}
		}
		io.WriteString(w, ".\r\nQUIT\r\n")
	})
	if !strings.Contains(big, "552") {
		t.Errorf("8 MiB message over a 1 MiB limit: no 552 in %q", tailStr(big))
	}

	rng := rand.New(rand.NewPCG(9, 4116))
	stream("pipelined junk", func(w io.Writer) {
		junk := make([]byte, 1<<20)
		for i := range junk {
			switch rng.IntN(20) {
			case 0:
				junk[i] = '\n'
			case 1:
				junk[i] = '\r'
			default:
				junk[i] = byte(rng.IntN(256))
			}
		}
		w.Write(append([]byte("EHLO junk\r\nMAIL FROM:<j@x>\r\nRCPT TO:<k@x>\r\n"), junk...))
	})

	hostileAddrs := stream("path-like and NUL addresses", func(w io.Writer) {
		io.WriteString(w, "EHLO ../../etc\r\n"+
			"MAIL FROM:<\"../../../../tmp/evil\"@x>\r\nRCPT TO:<\"..\\\\..\\\\windows\\\\win.ini\"@x>\r\nRCPT TO:</etc/passwd@x>\r\n"+
			"DATA\r\nSubject: ../../x\r\nMessage-ID: <../../../y@z>\r\n\r\nbody\r\n.\r\n"+
			"MAIL FROM:<nul\x00@x>\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b\x00@x>\r\nQUIT\r\n")
	})
	if strings.Count(hostileAddrs, "553") != 2 {
		t.Errorf("NUL-laden addresses: want two 553 refusals, got %q", hostileAddrs)
	}

	waitIdle(t, s)
	rc := dialRaw(t, s)
	rc.expect("EHLO after", 250)
	if code, _ := rc.sendMessage("a@x", []string{"b@x"}, "Subject: still serving\r\n\r\nok\r\n"); code != 250 {
		t.Fatalf("after the abuse the sink does not store: %d", code)
	}
	rc.expect("QUIT", 221)
	waitIdle(t, s)
	st := s.Stats()
	checkStoreContents(t, parent, s.cfg.Store, st.Stored)
	if st.Stored != 2 {
		t.Errorf("stored %d, want 2 (the path-like message and the last one)", st.Stored)
	}
	for _, m := range storedMessages(t, s.cfg.Store) {
		if strings.Contains(m.env.File, "/") || strings.Contains(m.env.File, "..") {
			t.Errorf("stored under a name taken from content: %q", m.env.File)
		}
	}
}

// TestServeRefusesNonLoopbackListener: a listener on all interfaces is
// refused at Serve as well as at New, unless AllowNonLoopback.
func TestServeRefusesNonLoopbackListener(t *testing.T) {
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on 0.0.0.0: %v", err)
	}
	store := t.TempDir()
	s, err := New(Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Serve(ctx, l); !errors.Is(err, errNonLoopback) {
		t.Fatalf("Serve on 0.0.0.0: %v, want errNonLoopback", err)
	}
	if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("the refused listener still accepts connections")
	}
	// The refusal released the store (its lock and checkpoint handle,
	// which on Windows also kept the folder from being deleted): another
	// sink opens it.
	s2, err := New(Config{Store: store})
	if err != nil {
		t.Fatalf("the store after a refused Serve: %v", err)
	}
	if err := s2.Close(); err != nil {
		t.Error(err)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "reset by peer") || strings.Contains(err.Error(), "broken pipe"))
}

// checkRepliesLoose checks every complete reply line; the last one may be
// cut when the sink closes the connection on a limit.
func checkRepliesLoose(t *testing.T, name string, replies []byte) {
	t.Helper()
	lines := strings.Split(string(replies), "\r\n")
	for _, line := range lines[:len(lines)-1] {
		if !wellFormedReply([]byte(line)) {
			t.Errorf("%s: malformed reply line %q", name, line)
		}
	}
}

func tailStr(s string) string {
	if len(s) > 300 {
		return "..." + s[len(s)-300:]
	}
	return s
}
