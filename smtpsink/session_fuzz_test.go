package smtpsink

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// sessionSeeds are client byte streams a sink meets: well-behaved
// transactions, pipelining, BDAT, limits, and hostile addresses (path-like,
// NUL-laden, CRLF injection).
var sessionSeeds = []string{
	"EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\nSubject: t\r\n\r\nbody\r\n.\r\nQUIT\r\n",
	"HELO x\r\nMAIL FROM:<a@x> BODY=8BITMIME ENVID=QQ314159 RET=HDRS\r\nRCPT TO:<b@x> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b@x\r\nDATA\r\n..lone\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 5 LAST\r\nhello",
	"EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 3\r\nabcBDAT 0 LAST\r\nQUIT\r\n",
	"EHLO x\r\nMAIL FROM:<../../../etc/passwd>\r\nRCPT TO:<..\\..\\windows\\system32@x>\r\nDATA\r\nx\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<a\x00b@x>\r\nRCPT TO:<\x00@x>\r\nDATA\r\n\x00\x00\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nRCPT TO:<d@x>\r\nRCPT TO:<e@x>\r\nRCPT TO:<f@x>\r\nRCPT TO:<g@x>\r\n",
	"EHLO x\r\nMAIL FROM:<a@x> SIZE=999999999999\r\n",
	"EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n" + strings.Repeat("y", 700) + "\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n" + strings.Repeat("z\r\n", 3000) + ".\r\n",
	"EHLO x\r\nRSET\r\nNOOP\r\nVRFY root\r\nEXPN all\r\nHELP\r\nSTARTTLS\r\nAUTH PLAIN AGJvYgBwdw==\r\nXCLIENT ADDR=1.2.3.4\r\n",
	"DATA\r\n.\r\nRCPT TO:<b@x>\r\nMAIL FROM:<>\r\nMAIL FROM:<a@x>\r\n",
	"EHLO x\nMAIL FROM:<a@x>\nRCPT TO:<b@x>\nDATA\nbare lf\n.\n",
	"EHLO \xff\xfe\r\nMAIL FROM:<\xc3\x28@x> SMTPUTF8\r\nRCPT TO:<\xe2\x82@x>\r\nDATA\r\n\xff\r\n.\r\n",
	"EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\nSubject: x\r\n",
	"\r\n\r\n \r\nGET / HTTP/1.0\r\n\r\n",
}

// storeName is every name the sink may create directly in its store.
var storeName = regexp.MustCompile(`^(\d{8}T\d{6}\.\d{6}Z-\d{6}\.(eml|json)|broken|poison|poison\.jsonl|transcripts|\.checkpoint|\.lock)$`)

// wellFormedReply reports whether line is one SMTP reply line (RFC 5321
// section 4.2): a code, a separator and text without CR, LF or other
// control characters. Bytes above 0x7f are let through: go-smtp echoes
// the EHLO name and addresses, which may be UTF-8 (SMTPUTF8).
func wellFormedReply(line []byte) bool {
	if len(line) < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' {
		return false
	}
	if len(line) == 3 {
		return true
	}
	if line[3] != ' ' && line[3] != '-' {
		return false
	}
	for _, b := range line[4:] {
		if (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// FuzzSinkSession feeds raw client bytes to a real sink on loopback and
// checks that it never panics, answers only in well-formed reply lines,
// creates files only inside its store and only under names it chose, and
// that everything it stored is whole (each .json with its .eml, sizes and
// sha256 matching).
func FuzzSinkSession(f *testing.F) {
	for _, s := range sessionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		checkSinkSession(t, input)
	})
}

// panicLog collects the sink's log and remembers whether go-smtp reported
// a recovered panic (it recovers them itself, so they never reach the test).
type panicLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *panicLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *panicLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func checkSinkSession(t *testing.T, input []byte) {
	parent := t.TempDir()
	store := filepath.Join(parent, "store")
	log := &panicLog{}
	s, err := New(Config{Store: store, Logger: log, LogJSON: true, Transcripts: true,
		MaxMessageBytes: 4096, MaxRecipients: 5, MaxLineLength: 512,
		ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	go func() {
		c.Write(input)
		c.(*net.TCPConn).CloseWrite()
	}()
	replies, rerr := io.ReadAll(c)
	c.Close()
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	reset := isReset(rerr)
	if rerr != nil && !reset {
		t.Fatalf("reading replies: %v (the sink neither answered nor closed)", rerr)
	}
	if panicked(log.String()) {
		t.Fatalf("the sink panicked:\n%s", log.String())
	}
	if reset {
		// The sink closed (too many errors, a limit) while client bytes
		// were still unread, so the kernel sent a reset and may have
		// dropped replies in flight: check the complete lines only.
		checkRepliesLoose(t, "reset", replies)
	} else {
		checkReplies(t, replies)
	}
	checkStoreContents(t, parent, store, s.Stats().Stored)
}

// goSMTPNilSession is a bug of go-smtp v0.26.0 that FuzzSinkSession found
// in several commands (seeds f1f1464a171ba977: BDAT, 0c9a63180787f918:
// RCPT, 9c30af3378ba5088: DATA): when the connection is closed while a
// command is being handled (the client went away inside a BDAT chunk, or
// the server shuts down at the end of the test), go-smtp has already
// dropped the connection's session and its handler dereferences nil.
// go-smtp recovers the panic in its own handler; the connection is gone
// and nothing is stored. A panic is tolerated only when it is that one: a
// nil dereference in go-smtp's conn.go with no frame of imsforensic's code
// on the stack. Any panic that passes through our code fails. To report
// upstream.
func goSMTPNilSession(line string) bool {
	return strings.Contains(line, "nil pointer dereference") &&
		strings.Contains(line, "go-smtp@v0.26.0/conn.go") &&
		strings.Contains(line, "go-smtp.(*Conn).handle") &&
		!strings.Contains(line, "imsforensic/")
}

// panicked reports a panic in the sink's log other than go-smtp's own.
func panicked(log string) bool {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "panic") && !goSMTPNilSession(line) {
			return true
		}
	}
	return false
}

func checkReplies(t *testing.T, replies []byte) {
	t.Helper()
	if len(replies) == 0 {
		t.Fatal("no reply at all (not even the greeting)")
	}
	if !bytes.HasPrefix(replies, []byte("220 ")) {
		t.Fatalf("first reply %q is not a 220 greeting", firstLine(replies))
	}
	if !bytes.HasSuffix(replies, []byte("\r\n")) {
		t.Fatalf("replies end without CRLF: %q", tail(replies))
	}
	for _, line := range bytes.Split(replies[:len(replies)-2], []byte("\r\n")) {
		if !wellFormedReply(line) {
			t.Fatalf("malformed reply line %q", line)
		}
	}
}

func checkStoreContents(t *testing.T, parent, store string, stored int64) {
	t.Helper()
	outside, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(outside) != 1 || outside[0].Name() != "store" {
		var names []string
		for _, e := range outside {
			names = append(names, e.Name())
		}
		t.Fatalf("the sink wrote outside its store: %q", names)
	}
	entries, err := os.ReadDir(store)
	if err != nil {
		t.Fatal(err)
	}
	envelopes := int64(0)
	msgs := storedMessages(t, store)
	for _, e := range entries {
		name := e.Name()
		if !storeName.MatchString(name) {
			t.Fatalf("unexpected name in the store: %q", name)
		}
		if name == transcriptsDir {
			checkTranscripts(t, filepath.Join(store, name))
		}
		if !strings.HasSuffix(name, ".json") || name == poisonJournal {
			continue
		}
		envelopes++
		checkStoredPair(t, msgs, name)
	}
	if envelopes != stored {
		t.Fatalf("%d envelopes in the store, the sink counted %d stored", envelopes, stored)
	}
}

func checkTranscripts(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !regexp.MustCompile(`^\d{8}T\d{6}Z-c\d{6}\.log$`).MatchString(e.Name()) || !e.Type().IsRegular() {
			t.Fatalf("unexpected transcript entry %q", e.Name())
		}
	}
}

func checkStoredPair(t *testing.T, msgs map[string]storedMsg, jsonName string) {
	t.Helper()
	id := strings.TrimSuffix(jsonName, ".json")
	m, ok := msgs[id]
	if !ok {
		t.Fatalf("%s: envelope id does not match its name", jsonName)
	}
	sum := sha256.Sum256(m.eml)
	if m.env.File != id+".eml" || int64(len(m.eml)) != m.env.Size || hex.EncodeToString(sum[:]) != m.env.SHA256 {
		t.Fatalf("%s: stored message is not whole (size %d/%d)", id, len(m.eml), m.env.Size)
	}
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

func tail(b []byte) []byte {
	if len(b) > 40 {
		return b[len(b)-40:]
	}
	return b
}
