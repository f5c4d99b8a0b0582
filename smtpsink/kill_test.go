package smtpsink

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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
	if _, err := New(Config{Store: dir}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if strings.HasPrefix(name, tmpPrefix) {
			t.Errorf("temp file %s visible after restart", name)
		}
		if strings.HasSuffix(name, ".eml") {
			if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(name, ".eml")+".json")); err != nil {
				t.Errorf("%s has no envelope after restart", name)
			}
		}
	}
}
