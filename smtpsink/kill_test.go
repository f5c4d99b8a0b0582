package smtpsink

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
)

const helperEnv = "IMSF_SINK_HELPER_STORE"

// TestHelperSinkProcess is not a test: it is the sink process that
// TestSIGKILLLosesNothingAcknowledged starts and kills.
func TestHelperSinkProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	s, err := New(Config{Store: dir})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("ADDR", l.Addr())
	s.Serve(context.Background(), l)
	os.Exit(0)
}

func TestSIGKILLLosesNothingAcknowledged(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSinkProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("helper sink did not start")
	}

	// Two clients send numbered 64 KiB messages; the sink is killed after
	// 40 acknowledgements, in the middle of whatever is in flight.
	var acked atomic.Int64
	ackedBodies := make(chan string, 10000)
	body := func(n int, client int) string {
		return fmt.Sprintf("Subject: msg %d/%d\r\n\r\n%s\r\nend %d/%d\r\n", client, n, strings.Repeat(strings.Repeat("k", 70)+"\r\n", 900), client, n)
	}
	done := make(chan struct{}, 2)
	for client := 0; client < 2; client++ {
		go func(client int) {
			defer func() { done <- struct{}{} }()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer c.Close()
			rc := &rawClient{t: t, c: c, r: bufio.NewReader(c)}
			step := func(send string, want int) bool {
				if send != "" {
					if _, err := c.Write([]byte(send)); err != nil {
						return false
					}
				}
				code, _, err := rc.reply()
				return err == nil && code == want
			}
			if !step("", 220) || !step("EHLO k\r\n", 250) {
				return
			}
			for n := 0; ; n++ {
				b := body(n, client)
				if !step("MAIL FROM:<k@x>\r\n", 250) || !step("RCPT TO:<r@x>\r\n", 250) || !step("DATA\r\n", 354) {
					return
				}
				// Write in pieces so the kill lands mid-DATA too.
				for i := 0; i < len(b); i += 8192 {
					if _, err := c.Write([]byte(b[i:min(i+8192, len(b))])); err != nil {
						return
					}
				}
				if !step(".\r\n", 250) {
					return
				}
				ackedBodies <- b
				acked.Add(1)
			}
		}(client)
	}
	for acked.Load() < 40 {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Kill() // SIGKILL on Unix
	cmd.Wait()
	<-done
	<-done
	close(ackedBodies)

	stored := map[string]int{}
	for _, m := range storedMessages(t, dir) {
		sum := sha256.Sum256(m.eml)
		if hex.EncodeToString(sum[:]) != m.env.SHA256 || int64(len(m.eml)) != m.env.Size {
			t.Errorf("%s: stored file does not match its envelope", m.env.ID)
		}
		stored[string(m.eml)]++
	}
	n := 0
	for b := range ackedBodies {
		n++
		if stored[b] != 1 {
			t.Errorf("acknowledged message %q stored %d times, want 1", b[:20], stored[b])
		}
	}
	t.Logf("%d acknowledged, %d stored", n, len(stored))

	// A restart moves the leftovers away: no partial file stays visible.
	s, err := New(Config{Store: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if strings.HasPrefix(name, tmpPrefix) || atomicfile.IsTemp(name) {
			t.Errorf("temp file %s visible after restart", name)
		}
		if strings.HasSuffix(name, ".eml") {
			if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(name, ".eml")+".json")); err != nil {
				t.Errorf("%s has no envelope after restart", name)
			}
		}
		if strings.HasSuffix(name, ".json") {
			if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(name, ".json")+".eml")); err != nil {
				t.Errorf("%s has no message after restart", name)
			}
		}
	}
}

// startHelperSink starts TestHelperSinkProcess on store and returns it
// with its address.
func startHelperSink(t *testing.T, store string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSinkProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+store)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			go io.Copy(io.Discard, out)
			return cmd, a
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatal("helper sink did not start")
	return nil, ""
}

// TestSIGKILLSeededRandomPoints kills the sink again and again at seeded
// random points (after a random number of acknowledgements, or after a
// random delay that may fall before the first one), restarting it on the
// same store each time, with a random number of clients sending messages
// of random sizes. At the end every acknowledged message must be stored
// exactly once and whole, and after the recovery of a restart no temp
// file and no .eml without its envelope may be visible.
func TestSIGKILLSeededRandomPoints(t *testing.T) {
	kills := loadScale(6, 40)
	store := t.TempDir()
	rng := rand.New(rand.NewPCG(4116, 197792))
	acked := map[string]int{} // body -> times acknowledged
	seq := 0
	for k := 0; k < kills; k++ {
		cmd, addr := startHelperSink(t, store)
		clients := 1 + rng.IntN(4)
		ackCh := make(chan string, 100000)
		var ackN atomic.Int64
		done := make(chan struct{}, clients)
		for c := 0; c < clients; c++ {
			seq++
			lines, base := 1+rng.IntN(3000), seq
			go func() {
				defer func() { done <- struct{}{} }()
				sendUntilKilled(addr, base, lines, func(body string) {
					ackCh <- body
					ackN.Add(1)
				})
			}()
		}
		if rng.IntN(3) == 0 {
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		} else {
			want := int64(1 + rng.IntN(25))
			deadline := time.Now().Add(30 * time.Second)
			for ackN.Load() < want && time.Now().Before(deadline) {
				time.Sleep(200 * time.Microsecond)
			}
		}
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		for c := 0; c < clients; c++ {
			<-done
		}
		close(ackCh)
		for b := range ackCh {
			acked[b]++
		}
	}
	// The recovery a restart runs, then the checks.
	if _, err := New(Config{Store: store}); err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, m := range storedMessages(t, store) {
		sum := sha256.Sum256(m.eml)
		if hex.EncodeToString(sum[:]) != m.env.SHA256 || int64(len(m.eml)) != m.env.Size {
			t.Errorf("%s: stored file does not match its envelope", m.env.ID)
		}
		stored[string(m.eml)]++
	}
	for b, n := range acked {
		if n != 1 || stored[b] != 1 {
			t.Errorf("message %q acknowledged %d times, stored %d times; want 1 and 1", b[:24], n, stored[b])
		}
	}
	entries, _ := os.ReadDir(store)
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tmpPrefix) || atomicfile.IsTemp(name) {
			t.Errorf("temp file %s visible after restart", name)
		}
		if strings.HasSuffix(name, ".eml") {
			if _, err := os.Stat(filepath.Join(store, strings.TrimSuffix(name, ".eml")+".json")); err != nil {
				t.Errorf("%s has no envelope after restart", name)
			}
		}
	}
	broken, _ := os.ReadDir(filepath.Join(store, brokenDir))
	t.Logf("%d SIGKILLs survived: %d messages acknowledged, %d stored, %d unacknowledged leftovers quarantined in broken/",
		kills, len(acked), len(stored), len(broken))
}

// sendUntilKilled sends numbered messages of the given number of lines on
// one connection until the connection fails, calling ack for each 250.
func sendUntilKilled(addr string, base, lines int, ack func(body string)) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(c)
	step := func(send string, want int) bool {
		if send != "" {
			if _, err := io.WriteString(c, send); err != nil {
				return false
			}
		}
		code, err := readCode(r)
		return err == nil && code == want
	}
	if !step("", 220) || !step("EHLO k\r\n", 250) {
		return
	}
	for n := 0; ; n++ {
		body := fmt.Sprintf("Subject: kill %d/%d\r\n\r\n%s\r\nend %d/%d\r\n", base, n, strings.Repeat("kill test line\r\n", lines), base, n)
		if !step("MAIL FROM:<k@x>\r\n", 250) || !step("RCPT TO:<r@x>\r\n", 250) || !step("DATA\r\n", 354) {
			return
		}
		for i := 0; i < len(body); i += 8192 {
			if _, err := io.WriteString(c, body[i:min(i+8192, len(body))]); err != nil {
				return
			}
		}
		if !step(".\r\n", 250) {
			return
		}
		ack(body)
	}
}
