package smtpsink

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// dataSeeds are DATA contents around every edge of readData: dots, bare
// CR and LF, a CR before CRLF, the end marker's look-alikes, lines near
// MaxLineLength and sizes near MaxMessageBytes (both small in the test),
// a message ending without its marker.
var dataSeeds = []string{
	"Subject: t\r\n\r\nbody\r\n.\r\n",
	"..lone\r\n...\r\n.x\r\n.\r\n",
	"\r\n\r\n.\r\n",
	".\r\n",
	"a\nb\n.\n.\r\n",
	"a\rb\r\n.\r\n",
	"a\r\r\n.\r\n.\r\n",
	".\rx\r\n.\r\n",
	".\n\r\n.\r\n",
	"x\r\n.\r\r\n.\r\n",
	strings.Repeat("y", 116) + "\r\n.\r\n",
	strings.Repeat("y", 117) + "\r\n.\r\n",
	strings.Repeat("y", 118) + "\r\n.\r\n",
	strings.Repeat("y", 200) + "\r\n.\r\n",
	"ok\r\n" + strings.Repeat("y", 130) + "\r\nmore\r\n.\r\n",
	strings.Repeat("0123456789\r\n", 24) + ".\r\n",
	strings.Repeat("0123456789\r\n", 25) + ".\r\n",
	strings.Repeat("0123456789\r\n", 24) + "0123456\r\n.\r\n",
	strings.Repeat("0123456789\r\n", 24) + "01234567\r\n.\r\n",
	strings.Repeat("0123456789\r\n", 24) + "012345678\r\n.\r\n",
	strings.Repeat(".a\r\n", 80) + ".\r\n",
	"no end\r\n",
	"no end, no line end",
}

const (
	dataTestMaxBytes = 300
	dataTestMaxLine  = 120
)

// FuzzDataMatchesGoSMTP sends the same DATA content to the sink (which
// reads it with readData) and to a go-smtp server whose session reads
// go-smtp's own DATA reader, and wants the same stored bytes and the same
// reply codes from both.
func FuzzDataMatchesGoSMTP(f *testing.F) {
	for _, s := range dataSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		checkDataMatchesGoSMTP(t, content)
	})
}

// The plain messages of the seeds are read by readData, not handed back.
func TestReadDataIsUsed(t *testing.T) {
	s := checkDataMatchesGoSMTP(t, []byte(strings.Repeat("Line of text\r\n..dot\r\n", 5)+".\r\n"))
	if s.stats.fastData.Load() != 1 {
		t.Errorf("readData read %d messages to the end, want 1", s.stats.fastData.Load())
	}
}

func checkDataMatchesGoSMTP(t *testing.T, content []byte) *Sink {
	t.Helper()
	// The commands one at a time, as smtp-source sends them (go-smtp
	// checks line lengths on what one read brings, so pipelined input
	// would be judged by how it arrives), then the content at once.
	commands := []string{"EHLO x\r\n", "MAIL FROM:<a@x>\r\n", "RCPT TO:<b@x>\r\n", "DATA\r\n"}
	// A content with an end marker of its own ends there: what follows
	// it would be read as commands, and go-smtp, reading ahead, would
	// judge the message by their line lengths (a 554 for a message whose
	// next command line is too long), which the sink, reading the
	// connection a line at a time, rightly does not.
	if end := goSMTPDataEnd(content); end >= 0 {
		content = content[:end]
	} else {
		content = append(append([]byte{}, content...), "\r\n.\r\n"...)
	}
	stream := append(append([]byte{}, content...), "QUIT\r\n"...)

	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, stop := serveSink(t, Config{Store: dir, MaxMessageBytes: dataTestMaxBytes, MaxLineLength: dataTestMaxLine,
		ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}, l)
	sinkCodes := exchange(t, s.Addr().String(), commands, stream)
	stop()
	var sinkMsgs [][]byte
	names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		sinkMsgs = append(sinkMsgs, b)
	}

	be := &recordingBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "oracle"
	srv.MaxMessageBytes = dataTestMaxBytes
	srv.MaxLineLength = dataTestMaxLine
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	srv.AllowInsecureAuth = true
	ol, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ol)
	oracleCodes := exchange(t, ol.Addr().String(), commands, stream)
	srv.Close()

	// The first transaction's replies (greeting, EHLO, MAIL, RCPT, 354,
	// the end of DATA) and its message; what the content's own end marker
	// is followed by is read as commands, which the sink may answer
	// otherwise (it refuses control characters in addresses).
	if !equalPrefix(sinkCodes, oracleCodes, 6) && !bothLimitsRefusal(sinkCodes, oracleCodes, content, stream) {
		t.Errorf("reply codes: sink %v, go-smtp %v", sinkCodes, oracleCodes)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	switch {
	case len(sinkMsgs) > 0 != (len(be.msgs) > 0):
		t.Errorf("sink stored %d messages, go-smtp %d", len(sinkMsgs), len(be.msgs))
	case len(sinkMsgs) > 0 && !bytes.Equal(sinkMsgs[0], be.msgs[0]):
		t.Errorf("stored %q, go-smtp read %q", sinkMsgs[0], be.msgs[0])
	}
	return s
}

// goSMTPDataEnd is where go-smtp's DATA reader (its copy of net/textproto's
// dot reader state machine) finds the end marker in content: the index
// just past ".\r\n", or -1.
func goSMTPDataEnd(content []byte) int {
	const (
		beginLine = iota
		dot
		dotCR
		cr
		data
	)
	state := beginLine
	for i, c := range content {
		switch state {
		case beginLine:
			switch c {
			case '.':
				state = dot
			case '\r':
				state = cr
			default:
				state = data
			}
		case dot:
			if c == '\r' {
				state = dotCR
			} else {
				state = data
			}
		case dotCR:
			if c == '\n' {
				return i + 1
			}
			state = data
		case cr:
			if c == '\n' {
				state = beginLine
			} else {
				state = data
			}
		case data:
			if c == '\r' {
				state = cr
			}
		}
	}
	return -1
}

// bothLimitsRefusal: a content over MaxMessageBytes that also holds a line
// over MaxLineLength is refused by both servers, but which of the two
// reasons go-smtp gives depends on how its reads arrive, not on the bytes:
// its line limit judges each read whole, read-ahead included, before the
// size is counted (a 554 from go-smtp straight off the socket, a 552 once
// the size limit is met in an earlier read). Either refusal, 552 or 554,
// is right then; the replies before it must still agree.
func bothLimitsRefusal(sink, oracle []int, content, stream []byte) bool {
	if len(sink) < 6 || len(oracle) < 6 || !equalPrefix(sink, oracle, 5) {
		return false
	}
	refused := func(c int) bool { return c == 552 || c == 554 }
	if !refused(sink[5]) || !refused(oracle[5]) {
		return false
	}
	// go-smtp's lineLimitReader: a line's count starts at the LF before
	// it and ends at its own LF, bare or not.
	long, n := false, 0
	for _, c := range stream {
		if c == '\n' {
			n = 0
		}
		if n++; n > dataTestMaxLine {
			long = true
			break
		}
	}
	// The size go-smtp counts: the content without the stuffed dots (a
	// dot that begins a line after CRLF, as its reader sees lines).
	size := len(content)
	for i := range content {
		if content[i] == '.' && (i == 0 || i >= 2 && content[i-2] == '\r' && content[i-1] == '\n') {
			size--
		}
	}
	return long && size >= dataTestMaxBytes
}

func equalPrefix(a, b []int, n int) bool {
	for i := 0; i < n; i++ {
		if (i < len(a)) != (i < len(b)) || i < len(a) && a[i] != b[i] {
			return false
		}
	}
	return true
}

// exchange reads the greeting, sends each command after the reply to the
// one before, then writes stream, half-closes, and returns the code of
// each final reply line until the server closes.
func exchange(t *testing.T, addr string, commands []string, stream []byte) []int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var codes []int
	r := bufio.NewReader(c)
	next := func() bool {
		for {
			line, err := r.ReadString('\n')
			if len(line) >= 4 && line[3] == ' ' {
				if n, err := strconv.Atoi(line[:3]); err == nil {
					codes = append(codes, n)
					return true
				}
			}
			if err != nil {
				return false
			}
		}
	}
	if !next() {
		return codes
	}
	for _, cmd := range commands {
		if _, err := io.WriteString(c, cmd); err != nil || !next() {
			return codes
		}
	}
	go func() {
		c.Write(stream)
		c.(*net.TCPConn).CloseWrite()
	}()
	for next() {
	}
	return codes
}

// recordingBackend is a go-smtp backend whose session stores what go-smtp's
// DATA reader yields, refusing as the sink does when the read fails.
type recordingBackend struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (b *recordingBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &recordingSession{b: b}, nil
}

type recordingSession struct{ b *recordingBackend }

func (s *recordingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *recordingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *recordingSession) Reset()                               {}
func (s *recordingSession) Logout() error                        { return nil }

func (s *recordingSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, b)
	s.b.mu.Unlock()
	return nil
}
