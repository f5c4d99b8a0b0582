package smtpclient

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// serveRaw accepts one connection on 127.0.0.1:0 and writes what talk
// writes to it; it returns the address.
func serveRaw(t *testing.T, talk func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		talk(c)
	}()
	return l.Addr().String()
}

// A server that never ends its reply, or one line of it, is refused with
// ErrReplyTooLong once the reply passes its bound, long before the read
// deadline; before, replay held every line (4 GB of "250-" in a minute
// against a test server). A last reply line without its CRLF before the
// close is still read, as net/textproto reads it.
func TestReplyBounded(t *testing.T) {
	endless := func(line string) func(c net.Conn) {
		return func(c net.Conn) {
			c.Write([]byte("220 hostile\r\n"))
			buf := make([]byte, 512)
			c.Read(buf) // EHLO
			chunk := []byte(strings.Repeat(line, 64))
			for {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}
	}
	for name, talk := range map[string]func(net.Conn){
		"endless 250- lines": endless("250-" + strings.Repeat("x", 200) + "\r\n"),
		"a line without end": endless(strings.Repeat("y", 1000)),
	} {
		addr := serveRaw(t, talk)
		start := time.Now()
		_, _, err := Dial(context.Background(), &Config{Addr: addr, Helo: "client.example", Timeout: 30 * time.Second}, 1)
		if !errors.Is(err, ErrReplyTooLong) {
			t.Errorf("%s: %v, want ErrReplyTooLong", name, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: refused after %s", name, d)
		}
	}
	addr := serveRaw(t, func(c net.Conn) { c.Write([]byte("554 no service here")) })
	_, replies, err := Dial(context.Background(), &Config{Addr: addr, Helo: "client.example", Timeout: 5 * time.Second}, 1)
	if err == nil || len(replies) == 0 || replies[0].Code != 554 || replies[0].Text != "no service here" {
		t.Errorf("greeting without CRLF: %v %+v", err, replies)
	}
}
