package smtpclient

import (
	"bufio"
	"bytes"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// writeClean sends what the dot writer would for clean CRLF text.
func TestWriteCleanMatchesDotWriter(t *testing.T) {
	for _, in := range []string{"", "a\r\n", ".\r\n", "a\r\n.b\r\n..\r\n", "no end", ".\r\n.", strings.Repeat("x\r\n.y\r\n", 20000)} {
		var want bytes.Buffer
		bw := bufio.NewWriter(&want)
		dw := textproto.NewWriter(bw).DotWriter()
		dw.Write([]byte(in))
		dw.Close()

		var got bytes.Buffer
		c := &Conn{cfg: &Config{}, raw: nopConn{}, bw: bufio.NewWriter(&got)}
		var o Outcome
		m := &Mail{Content: strings.NewReader(in), Length: int64(len(in)), Wire: &Wire{}}
		if err := c.writeClean(m, &o); err != nil {
			t.Fatal(err)
		}
		c.bw.Flush()
		if got.String() != want.String() {
			t.Errorf("%.40q: got %.60q, want %.60q", in, got.String(), want.String())
		}
	}
}

// nopConn is a net.Conn whose deadlines do nothing; writeClean only sets
// them.
type nopConn struct{ net.Conn }

func (nopConn) SetWriteDeadline(time.Time) error { return nil }
