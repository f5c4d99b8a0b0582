package smtpsink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStoreIsDotDecodedDATA(t *testing.T) {
	s := startSink(t)
	rc := dialRaw(t, s)
	rc.expect("EHLO client.example", 250)
	// On the wire: a dot-stuffed line "..leading dot" and a lone "..".
	wire := "Subject: dots\r\n\r\n..leading dot\r\n..\r\nlast line\r\n"
	want := "Subject: dots\r\n\r\n.leading dot\r\n.\r\nlast line\r\n"
	if code, text := rc.sendMessage("a@example.com", []string{"b@example.com", "c@example.com"}, wire); code != 250 {
		t.Fatalf("DATA: %d %s", code, text)
	}
	rc.expect("QUIT", 221)
	waitStored(t, s, 1)
	msgs := storedMessages(t, s.cfg.Store)
	if len(msgs) != 1 {
		t.Fatalf("stored %d messages, want 1", len(msgs))
	}
	for _, m := range msgs {
		if string(m.eml) != want {
			t.Errorf(".eml = %q, want %q", m.eml, want)
		}
		sum := sha256.Sum256([]byte(want))
		if m.env.SHA256 != hex.EncodeToString(sum[:]) || m.env.Size != int64(len(want)) {
			t.Errorf("envelope sha256/size = %s/%d", m.env.SHA256, m.env.Size)
		}
		if m.env.Mail.From != "a@example.com" || len(m.env.Rcpts) != 2 || m.env.Helo != "client.example" || !m.env.DotDecoded {
			t.Errorf("envelope = %+v", m.env)
		}
		if !strings.HasPrefix(m.env.Remote, "127.0.0.1:") || m.env.ReceivedAt.IsZero() || m.env.ConnID == "" {
			t.Errorf("connection facts missing: %+v", m.env)
		}
	}
	// No temp file is left behind: the dot names are the store's own.
	tmps, _ := filepath.Glob(filepath.Join(s.cfg.Store, ".*"))
	for _, p := range tmps {
		if n := filepath.Base(p); n != checkpointFile && n != lockFile {
			t.Errorf("temp file left: %s (want only %s and %s)", p, checkpointFile, lockFile)
		}
	}
}

func TestESMTPParamsRecorded(t *testing.T) {
	s := startSink(t)
	rc := dialRaw(t, s)
	ehlo := rc.expect("EHLO client.example", 250)
	// No LIMITS RCPTMAX: the recipient limit is enforced (and counted) by
	// the session, so go-smtp does not advertise it.
	for _, ext := range []string{"DSN", "8BITMIME", "SIZE 36700160"} {
		if !strings.Contains(ehlo, ext) {
			t.Errorf("EHLO reply lacks %q:\n%s", ext, ehlo)
		}
	}
	rc.expect("MAIL FROM:<> SIZE=100 BODY=8BITMIME AUTH=<> RET=HDRS ENVID=QQ+2Bx", 250)
	rc.expect("RCPT TO:<b@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b+2Bold@example.com", 250)
	rc.expect("RCPT TO:<c@example.com>", 250)
	rc.expect("DATA", 354)
	rc.write("Subject: x\r\n\r\nbody\r\n.\r\n")
	if code, _, _ := rc.reply(); code != 250 {
		t.Fatalf("DATA reply %d", code)
	}
	waitStored(t, s, 1)
	for _, m := range storedMessages(t, s.cfg.Store) {
		mp := m.env.Mail
		if mp.From != "" || mp.Size != 100 || mp.Body != "8BITMIME" || mp.Auth == nil || *mp.Auth != "" ||
			mp.Return != "HDRS" || mp.EnvID != "QQ+x" {
			t.Errorf("mail params = %+v", mp)
		}
		r := m.env.Rcpts[0]
		if strings.Join(r.Notify, ",") != "FAILURE,DELAY" || r.ORcpt != "b+old@example.com" || !strings.EqualFold(r.ORcptType, "rfc822") {
			t.Errorf("rcpt params = %+v", r)
		}
	}
}

func TestLimits(t *testing.T) {
	s := startSink(t, func(c *Config) {
		c.MaxMessageBytes = 1000
		c.MaxRecipients = 3
		c.MaxLineLength = 200
		c.MaxConnections = 2
	})
	t.Run("size param", func(t *testing.T) {
		waitIdle(t, s)
		rc := dialRaw(t, s)
		rc.expect("EHLO x", 250)
		rc.expect("MAIL FROM:<a@x> SIZE=1001", 552)
	})
	t.Run("oversize data", func(t *testing.T) {
		waitIdle(t, s)
		rc := dialRaw(t, s)
		rc.expect("EHLO x", 250)
		body := strings.Repeat(strings.Repeat("x", 78)+"\r\n", 20)
		if code, _ := rc.sendMessage("a@x", []string{"b@x"}, body); code != 552 {
			t.Fatalf("oversize DATA: %d, want 552", code)
		}
	})
	t.Run("recipients", func(t *testing.T) {
		waitIdle(t, s)
		rc := dialRaw(t, s)
		rc.expect("EHLO x", 250)
		rc.expect("MAIL FROM:<a@x>", 250)
		for i := 0; i < 3; i++ {
			rc.expect(fmt.Sprintf("RCPT TO:<r%d@x>", i), 250)
		}
		rc.expect("RCPT TO:<r4@x>", 452)
	})
	t.Run("line length", func(t *testing.T) {
		waitIdle(t, s)
		rc := dialRaw(t, s)
		rc.expect("EHLO x", 250)
		rc.expect("MAIL FROM:<a@x>", 250)
		rc.expect("RCPT TO:<b@x>", 250)
		rc.expect("DATA", 354)
		before := s.Stats().Refused
		rc.write("Subject: " + strings.Repeat("y", 300) + "\r\n\r\nbody\r\n.\r\n")
		code, _, _ := rc.reply()
		if code/100 != 5 {
			t.Fatalf("long line: reply %d, want 5xx", code)
		}
		if got := s.Stats().Refused - before; got != 1 {
			t.Errorf("long DATA line: %d more refused, want 1", got)
		}
	})
	t.Run("connections", func(t *testing.T) {
		waitIdle(t, s)
		a, b := dialRaw(t, s), dialRaw(t, s)
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := io.ReadAll(c)
		if !strings.HasPrefix(string(line), "421 ") || !strings.Contains(string(line), "too many connections") {
			t.Fatalf("third connection got %q, want 421 too many connections", line)
		}
		a.expect("QUIT", 221)
		b.expect("QUIT", 221)
	})
	if st := s.Stats(); st.Stored != 0 || st.RefusedConnections != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestConcurrentConnectionsAllStored(t *testing.T) {
	s := startSink(t, func(c *Config) { c.Logger = nil })
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			rc := &rawClient{t: t, c: c}
			rc.r = newReader(c)
			script := []struct {
				send string
				want int
			}{{"", 220}, {"EHLO c\r\n", 250}, {"MAIL FROM:<s@x>\r\n", 250}, {fmt.Sprintf("RCPT TO:<r%d@x>\r\n", i), 250},
				{"DATA\r\n", 354}, {fmt.Sprintf("Subject: %d\r\n\r\nbody %d\r\n.\r\n", i, i), 250}, {"QUIT\r\n", 221}}
			for _, st := range script {
				if st.send != "" {
					if _, err := c.Write([]byte(st.send)); err != nil {
						errs <- err
						return
					}
				}
				code, text, err := rc.reply()
				if err != nil || code != st.want {
					errs <- fmt.Errorf("conn %d %q: %d %s %v", i, st.send, code, text, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	msgs := storedMessages(t, s.cfg.Store)
	if len(msgs) != n {
		t.Fatalf("stored %d, want %d", len(msgs), n)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[string(m.eml)] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct bodies, want %d", len(seen), n)
	}
}

func TestSlowDrip(t *testing.T) {
	// Margins are wide (pauses of a fifth of the timeout) so a loaded CI
	// machine under -race does not turn a steady client into a stalled one.
	s := startSink(t, func(c *Config) { c.ReadTimeout = time.Second })
	t.Run("within timeout", func(t *testing.T) {
		rc := dialRaw(t, s)
		rc.expect("EHLO x", 250)
		rc.expect("MAIL FROM:<a@x>", 250)
		rc.expect("RCPT TO:<b@x>", 250)
		rc.expect("DATA", 354)
		// Total time well above ReadTimeout, every pause below it: an idle
		// timeout, not a deadline for the whole DATA.
		for _, chunk := range []string{"Subject: slow\r\n", "\r\n", "line 1\r\n", "line 2\r\n", "line 3\r\n", "line 4\r\n", ".\r\n"} {
			time.Sleep(200 * time.Millisecond)
			rc.write(chunk)
		}
		if code, text, err := rc.reply(); code != 250 {
			t.Fatalf("slow but steady client: %d %s %v", code, text, err)
		}
	})
	t.Run("beyond timeout", func(t *testing.T) {
		rc := dialRaw(t, s)
		rc.expect("EHLO x", 250)
		rc.expect("MAIL FROM:<a@x>", 250)
		rc.expect("RCPT TO:<b@x>", 250)
		rc.expect("DATA", 354)
		rc.write("Subject: stalled\r\n")
		time.Sleep(2500 * time.Millisecond)
		rc.c.Write([]byte("\r\nbody\r\n.\r\n"))
		// The sink gave up: whatever it wrote, it never acknowledges.
		for {
			code, _, err := rc.reply()
			if err != nil {
				break
			}
			if code == 250 {
				t.Fatal("stalled message was acknowledged")
			}
		}
	})
	if got := s.Stats().Stored; got != 1 {
		t.Errorf("stored %d, want 1", got)
	}
}

func TestNonLoopbackRefused(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:2525", ":2525", "192.0.2.1:25", "mail.example.com:25"} {
		if _, err := New(Config{Store: t.TempDir(), Listen: addr}); !errors.Is(err, errNonLoopback) {
			t.Errorf("%s: err = %v, want errNonLoopback", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:2525", "[::1]:25", "localhost:2525"} {
		if s, err := New(Config{Store: t.TempDir(), Listen: addr}); err != nil {
			t.Errorf("%s: %v", addr, err)
		} else {
			s.Close()
		}
	}
	if s, err := New(Config{Store: t.TempDir(), Listen: "0.0.0.0:2525", AllowNonLoopback: true}); err != nil {
		t.Errorf("AllowNonLoopback: %v", err)
	} else {
		s.Close()
	}
}

func TestRestartQuarantinesAndKeepsDedupIndex(t *testing.T) {
	dir := t.TempDir()
	s, stop := serveSinkLoopback(t, Config{Store: dir, Logger: testLog{t}})
	rc := dialRaw(t, s)
	rc.expect("EHLO x", 250)
	rc.expect("MAIL FROM:<a@x> ENVID=abc", 250)
	rc.expect("RCPT TO:<b@x>", 250)
	rc.expect("DATA", 354)
	rc.write("Subject: once\r\n\r\nbody\r\n.\r\n")
	if code, _, _ := rc.reply(); code != 250 {
		t.Fatal("first delivery refused")
	}
	rc.c.Close()
	stop()
	// What a SIGKILLed sink leaves: a temp file and an orphan .eml.
	os.WriteFile(filepath.Join(dir, tmpPrefix+"eml-123"), []byte("partial"), 0o644)
	os.WriteFile(filepath.Join(dir, "20000101T000000.000000Z-000001.eml"), []byte("orphan"), 0o644)

	s2 := runSink(t, Config{Store: dir, Logger: testLog{t}})
	for _, name := range []string{tmpPrefix + "eml-123", "20000101T000000.000000Z-000001.eml"} {
		if _, err := os.Stat(filepath.Join(dir, brokenDir, name)); err != nil {
			t.Errorf("%s not moved to broken/: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s still in the store", name)
		}
	}
	rc2 := dialRaw(t, s2)
	rc2.expect("EHLO x", 250)
	rc2.expect("MAIL FROM:<a@x> ENVID=abc", 250)
	rc2.expect("RCPT TO:<b@x>", 250)
	rc2.expect("DATA", 354)
	rc2.write("Subject: once\r\n\r\nbody\r\n.\r\n")
	if code, _, _ := rc2.reply(); code != 250 {
		t.Fatal("duplicate not acknowledged")
	}
	if n := len(storedMessages(t, dir)); n != 1 {
		t.Errorf("%d stored copies after a duplicate across restarts, want 1", n)
	}
	if st := s2.Stats(); st.Duplicates != 1 || st.Stored != 0 {
		t.Errorf("stats after restart = %+v", st)
	}
}

func TestTranscript(t *testing.T) {
	s := startSink(t, func(c *Config) { c.Transcripts = true })
	rc := dialRaw(t, s)
	rc.expect("EHLO x", 250)
	rc.sendMessage("a@x", []string{"b@x"}, "Subject: t\r\n\r\n..dot\r\n")
	rc.expect("QUIT", 221)
	rc.c.Close()
	var logs []string
	deadline := time.Now().Add(5 * time.Second)
	for len(logs) == 0 && time.Now().Before(deadline) {
		logs, _ = filepath.Glob(filepath.Join(s.cfg.Store, transcriptsDir, "*.log"))
		time.Sleep(10 * time.Millisecond)
	}
	if len(logs) != 1 {
		t.Fatalf("transcripts: %v", logs)
	}
	var b []byte
	for time.Now().Before(deadline) { // closed after QUIT, asynchronously
		b, _ = os.ReadFile(logs[0])
		if strings.Contains(string(b), "S: 221") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{"S: 220 ", "C: EHLO x\r\n", "C: ..dot\r\n", "C: .\r\n", "S: 250 2.0.0 OK", "S: 221"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("transcript lacks %q:\n%s", want, b)
		}
	}
}

// A sink stopped at once, before go-smtp's own Serve has started, still
// returns: go-smtp's Shutdown closes only the listeners its Serve has
// registered, and a CLI test that cancelled as soon as the sink said
// "listening" hung for minutes in Accept.
func TestServeStoppedAtOnceReturns(t *testing.T) {
	for i := 0; i < 50; i++ {
		s, err := New(Config{Store: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, l) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: Serve: %v", i, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("run %d: Serve still running 20 s after its context was cancelled", i)
		}
	}
}
