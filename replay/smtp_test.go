package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/internal/testpeer"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// startTestSink runs the imsforensic sink on 127.0.0.1:0.
func startTestSink(t *testing.T, opts ...func(*smtpsink.Config)) *smtpsink.Sink {
	t.Helper()
	cfg := smtpsink.Config{Store: t.TempDir()}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Store == "" {
		cfg.Store = t.TempDir()
	}
	s, _ := sinktest.Start(t, cfg)
	sinkStoreDirs.Store(s, cfg.Store)
	return s
}

var sinkStoreDirs sync.Map

func sinkStoreOf(s *smtpsink.Sink) string {
	d, _ := sinkStoreDirs.Load(s)
	return d.(string)
}

func smtpFault(t *testing.T, parse func(string) (smtpsink.Fault, error), spec string) smtpsink.Fault {
	t.Helper()
	f, err := parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// smtpSpool writes a spool-like file (a binary envelope block, then the
// RFC 822 part) and returns its Message as parse would describe it.
func smtpSpool(t *testing.T, dir, name string, body string, from string, to ...string) *model.Message {
	t.Helper()
	prefix := []byte("ImCr\x00\x01\x02envelope-block\x00EwLs")
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, append(prefix, body...), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &model.Message{Type: "message", Schema: 1, Path: path, Name: name, Format: model.FormatIMSSpool,
		MessageOffset: int64(len(prefix)), Envelope: model.Envelope{From: from, To: to, Source: "ims-envelope"}}
	for i := 0; i < len(body); i++ {
		if body[i] == '\n' && (i == 0 || body[i-1] != '\r') {
			m.Scan.BareLF++
		}
	}
	return m
}

func newSMTPTestTarget(t *testing.T, s *smtpsink.Sink, opts SMTPOptions) *SMTPTarget {
	t.Helper()
	tg, err := NewSMTPTarget("smtp://"+s.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

func smtpSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

type sinkMessage struct {
	env smtpsink.StoredEnvelope
	eml []byte
}

func sinkStored(t *testing.T, dir string) []sinkMessage {
	t.Helper()
	var out []sinkMessage
	js, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, j := range js {
		b, err := os.ReadFile(j)
		if err != nil {
			t.Fatal(err)
		}
		var env smtpsink.StoredEnvelope
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		eml, err := os.ReadFile(filepath.Join(dir, env.File))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sinkMessage{env, eml})
	}
	return out
}

func smtpDeliver(t *testing.T, tg *SMTPTarget, m *model.Message) model.ReplayRecord {
	t.Helper()
	rec, err := tg.Deliver(context.Background(), &Item{Msg: m})
	if err != nil {
		t.Fatalf("Deliver %s: %v", m.Name, err)
	}
	return rec
}

func TestSMTPReplayManyMessagesByteExact(t *testing.T) {
	s := startTestSink(t)
	tg := newSMTPTestTarget(t, s, SMTPOptions{Concurrency: 8})
	dir := t.TempDir()
	const n = 300
	msgs := make([]*model.Message, n)
	want := map[string]bool{}
	for i := range msgs {
		body := fmt.Sprintf("From: a@example.com\r\nTo: b%d@example.com\r\nSubject: message %d\r\n\r\n"+
			".leading dot\r\n.\r\n..two dots\r\nline %d\r\n%s\r\n", i, i, i, strings.Repeat("x", i*7))
		msgs[i] = smtpSpool(t, dir, fmt.Sprintf("%08X.TMP", i), body, "a@example.com", fmt.Sprintf("b%d@example.com", i))
		want[body] = true
	}
	var wg sync.WaitGroup
	recs := make([]model.ReplayRecord, n)
	work := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				recs[i] = smtpDeliver(t, tg, msgs[i])
			}
		}()
	}
	for i := range msgs {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, r := range recs {
		if r.Result != "ok" || r.SHA256Before == "" || r.SHA256After != r.SHA256Before || r.Attempt != 1 {
			t.Fatalf("message %d: %+v", i, r)
		}
	}
	got := sinkStored(t, sinkStoreOf(s))
	if len(got) != n {
		t.Fatalf("sink stored %d, want %d", len(got), n)
	}
	for _, g := range got {
		if !want[string(g.eml)] {
			t.Errorf("stored .eml %s is not any message's RFC 822 part", g.env.ID)
		}
		delete(want, string(g.eml))
		if g.env.Mail.EnvID == "" || !strings.HasPrefix(g.env.Mail.EnvID, "imsf-") {
			t.Errorf("no derived ENVID: %+v", g.env.Mail)
		}
	}
}

func TestSMTPRetriesAndFailures(t *testing.T) {
	s := startTestSink(t, func(c *smtpsink.Config) {
		c.Faults = []smtpsink.Fault{
			smtpFault(t, smtpsink.ParseFault, `DATA:451*1:body~RETRYME`),
			smtpFault(t, smtpsink.ParseFault, `MAIL:452:from~^busy@`),
			smtpFault(t, smtpsink.ParseFault, `RCPT:550:to~^nobody@`),
			smtpFault(t, smtpsink.ParseFault, `DATA:554:body~REJECTME`),
		}
	})
	tg := newSMTPTestTarget(t, s, SMTPOptions{Concurrency: 2, Retries: 2, RetryBackoff: 10 * time.Millisecond})
	dir := t.TempDir()

	r := smtpDeliver(t, tg, smtpSpool(t, dir, "R1", "Subject: RETRYME\r\n\r\nx\r\n", "a@x", "b@x"))
	if r.Result != "ok" || r.Attempt != 2 || r.Replies[len(r.Replies)-1].Code != 250 {
		t.Errorf("4xx then ok: %+v", r)
	}
	var saw451 bool
	for _, rp := range r.Replies {
		saw451 = saw451 || (rp.Command == "DATA" && rp.Code == 451 && rp.EnhancedCode == "4.0.0")
	}
	if !saw451 {
		t.Errorf("451 reply not recorded: %+v", r.Replies)
	}

	r = smtpDeliver(t, tg, smtpSpool(t, dir, "R2", "Subject: busy\r\n\r\nx\r\n", "busy@x", "b@x"))
	if r.Result != "deferred" || r.Attempt != 3 || !strings.HasPrefix(r.Reason, "mail: 452") {
		t.Errorf("persistent 4xx: %+v", r)
	}

	r = smtpDeliver(t, tg, smtpSpool(t, dir, "R3", "Subject: partial\r\n\r\nx\r\n", "a@x", "nobody@x", "c@x"))
	if r.Result != "ok" || !strings.Contains(r.Reason, "refused recipients: nobody@x") {
		t.Errorf("partial rcpt: %+v", r)
	}
	r = smtpDeliver(t, tg, smtpSpool(t, dir, "R4", "Subject: nobody\r\n\r\nx\r\n", "a@x", "nobody@x"))
	if r.Result != "failed" || r.Attempt != 1 || !strings.HasPrefix(r.Reason, "rcpt: 550") {
		t.Errorf("all rcpts 5xx: %+v", r)
	}
	r = smtpDeliver(t, tg, smtpSpool(t, dir, "R5", "Subject: REJECTME\r\n\r\nx\r\n", "a@x", "b@x"))
	if r.Result != "failed" || r.Attempt != 1 || !strings.HasPrefix(r.Reason, "data: 554") {
		t.Errorf("DATA 5xx: %+v", r)
	}
	r = smtpDeliver(t, tg, smtpSpool(t, dir, "R6", "Subject: x\r\n\r\nx\r\n", "a@x"))
	if r.Result != "refused" || !strings.Contains(r.Reason, "no recipient") {
		t.Errorf("no recipient: %+v", r)
	}
	if got := len(sinkStored(t, sinkStoreOf(s))); got != 2 {
		t.Errorf("stored %d, want 2 (retried and partial)", got)
	}
}

func TestSMTPDisconnectMidDataThenRerunOnce(t *testing.T) {
	s := startTestSink(t, func(c *smtpsink.Config) {
		c.Faults = []smtpsink.Fault{smtpFault(t, smtpsink.ParseDisconnect, `DATA*1`)}
	})
	tg := newSMTPTestTarget(t, s, SMTPOptions{Retries: 3, RetryBackoff: 10 * time.Millisecond})
	m := smtpSpool(t, t.TempDir(), "D1", "Subject: drop\r\n\r\nx\r\n", "a@x", "b@x")
	r := smtpDeliver(t, tg, m)
	if r.Result != "failed" || r.Attempt != 1 || !strings.Contains(r.Reason, "data: connection lost") {
		t.Fatalf("mid-DATA drop: %+v", r)
	}
	if got := len(sinkStored(t, sinkStoreOf(s))); got != 0 {
		t.Fatalf("dropped message stored %d times", got)
	}
	// The rerun sends it; a third run is acknowledged but not stored again.
	for i := 0; i < 2; i++ {
		if r := smtpDeliver(t, tg, m); r.Result != "ok" {
			t.Fatalf("rerun %d: %+v", i, r)
		}
	}
	if got := len(sinkStored(t, sinkStoreOf(s))); got != 1 {
		t.Errorf("stored %d, want 1", got)
	}
	if st := s.Stats(); st.Duplicates != 1 {
		t.Errorf("duplicates = %d, want 1", st.Duplicates)
	}
}

func TestSMTPLineEndings(t *testing.T) {
	s := startTestSink(t)
	tg := newSMTPTestTarget(t, s, SMTPOptions{})
	dir := t.TempDir()
	bare := "Subject: bare\n\nline one\nline two\r\n"
	r := smtpDeliver(t, tg, smtpSpool(t, dir, "B1", bare, "a@x", "b@x"))
	if r.Result != "refused" || !strings.Contains(r.Reason, "bare LF") {
		t.Errorf("bare LF without fix: %+v", r)
	}
	if d, _ := tg.Plan(context.Background(), &Item{Msg: smtpSpool(t, dir, "B1", bare, "a@x", "b@x")}); d.Action != "refuse" {
		t.Errorf("plan for bare LF: %+v", d)
	}

	fix := newSMTPTestTarget(t, s, SMTPOptions{FixLineEndings: true})
	r = smtpDeliver(t, fix, smtpSpool(t, dir, "B2", bare, "a@x", "b@x"))
	normalised := "Subject: bare\r\n\r\nline one\r\nline two\r\n"
	if r.Result != "ok" || r.SHA256Before != smtpSHA([]byte(bare)) || r.SHA256After != smtpSHA([]byte(normalised)) ||
		!strings.Contains(r.Reason, "3 bare LF sent as CRLF") {
		t.Errorf("bare LF fixed: %+v", r)
	}
	noEnd := "Subject: no end\r\n\r\nlast line without CRLF"
	r = smtpDeliver(t, tg, smtpSpool(t, dir, "B3", noEnd, "a@x", "b@x"))
	if r.Result != "ok" || r.SHA256After != smtpSHA([]byte(noEnd+"\r\n")) || !strings.Contains(r.Reason, "CRLF added at the end") {
		t.Errorf("no final CRLF: %+v", r)
	}
	got := map[string]bool{}
	for _, g := range sinkStored(t, sinkStoreOf(s)) {
		got[string(g.eml)] = true
		if smtpSHA(g.eml) != g.env.SHA256 {
			t.Errorf("sink hash mismatch")
		}
	}
	if !got[normalised] || !got[noEnd+"\r\n"] || len(got) != 2 {
		t.Errorf("stored: %v", got)
	}
}

func TestSMTPDSNParamsPassed(t *testing.T) {
	s := startTestSink(t)
	tg := newSMTPTestTarget(t, s, SMTPOptions{})
	m := smtpSpool(t, t.TempDir(), "P1", "Subject: dsn\r\n\r\nx\r\n", "a@x", "b@x", "c@x")
	m.Envelope.FromParams = "SIZE=9999 RET=HDRS ENVID=orig+2Bid BODY=8BITMIME"
	m.Envelope.ToParams = []string{"NOTIFY=FAILURE,DELAY ORCPT=rfc822;old+2Bb@x", ""}
	r := smtpDeliver(t, tg, m)
	if r.Result != "ok" || !strings.Contains(r.Reason, "envid=orig+id") {
		t.Fatalf("%+v", r)
	}
	got := sinkStored(t, sinkStoreOf(s))
	if len(got) != 1 {
		t.Fatalf("sinkMessage %d", len(got))
	}
	env := got[0].env
	if env.Mail.Return != "HDRS" || env.Mail.EnvID != "orig+id" || env.Mail.Body != "8BITMIME" || env.Mail.Size != int64(len("Subject: dsn\r\n\r\nx\r\n")) {
		t.Errorf("mail params: %+v", env.Mail)
	}
	if len(env.Rcpts) != 2 || strings.Join(env.Rcpts[0].Notify, ",") != "FAILURE,DELAY" || env.Rcpts[0].ORcpt != "old+b@x" || env.Rcpts[1].ORcpt != "" {
		t.Errorf("rcpt params: %+v", env.Rcpts)
	}
	// Same envelope ENVID and bytes again: acknowledged, not sinkMessage twice.
	if r := smtpDeliver(t, tg, m); r.Result != "ok" {
		t.Fatalf("second delivery: %+v", r)
	}
	if n := len(sinkStored(t, sinkStoreOf(s))); n != 1 {
		t.Errorf("sinkMessage %d copies, want 1", n)
	}
}

func TestNewSMTPTargetURLs(t *testing.T) {
	good := []string{"smtp://127.0.0.1:25", "smtps://mail.example:465?insecure=1", "smtp://u:p@h:587?starttls=require&auth=login",
		"smtp://h?starttls=1&helo=replay.example&auth=plain&user=u&pass=p"}
	for _, u := range good {
		tg, err := NewSMTPTarget(u, SMTPOptions{})
		if err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		if strings.Contains(tg.String(), ":p@") || strings.Contains(tg.String(), "pass=p") {
			t.Errorf("%s: password in String(): %s", u, tg.String())
		}
	}
	for _, u := range []string{"http://h", "smtp://", "smtp://h?starttls=maybe", "smtp://h?auth=cram", "smtp://h?auth=plain",
		"smtps://h?starttls=1", "smtp://h?bogus=1"} {
		if _, err := NewSMTPTarget(u, SMTPOptions{}); err == nil {
			t.Errorf("%s: no error", u)
		}
	}
}

func TestSMTPTranscriptAndRate(t *testing.T) {
	s := startTestSink(t)
	var buf smtpSyncBuffer
	tg := newSMTPTestTarget(t, s, SMTPOptions{Transcript: &buf, Rate: 1000})
	r := smtpDeliver(t, tg, smtpSpool(t, t.TempDir(), "T1", "Subject: t\r\n\r\n.dot\r\n", "a@x", "b@x"))
	if r.Result != "ok" {
		t.Fatal(r)
	}
	out := buf.String()
	for _, want := range []string{"c1: EHLO imsforensic.localhost", "c1: MAIL FROM:<a@x>", "c1: ..dot\r\n", "c1: 250 "} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
}

type smtpSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *smtpSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *smtpSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSMTPReplayIntoPostfixSmtpSink replays into Postfix's smtp-sink, the
// reference server users compare against. A missing binary is a failure:
// scripts/test.sh installs postfix.
func TestSMTPReplayIntoPostfixSmtpSink(t *testing.T) {
	testpeer.UnixOnly(t, "Postfix's smtp-sink")
	bin, err := exec.LookPath("smtp-sink")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/smtp-sink"); serr == nil {
			bin = "/usr/sbin/smtp-sink"
		} else {
			t.Fatalf("Postfix smtp-sink not found (%v): run scripts/test.sh, which installs postfix", err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-u", "root", "-c", addr, "100")
	var stderr smtpSyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start smtp-sink: %v", err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtp-sink did not listen on %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tg, err := NewSMTPTarget("smtp://"+addr, SMTPOptions{Concurrency: 4, Retries: 1, RetryBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	dir := t.TempDir()
	for i := 0; i < 50; i++ {
		m := smtpSpool(t, dir, fmt.Sprintf("P%07d.TMP", i), fmt.Sprintf("Subject: %d\r\n\r\n.dot\r\nbody %d\r\n", i, i), "a@example.com", "b@example.com", "c@example.com")
		m.Envelope.FromParams = "RET=FULL ENVID=p" + fmt.Sprint(i)
		r := smtpDeliver(t, tg, m)
		if r.Result != "ok" || r.SHA256After != r.SHA256Before {
			t.Fatalf("message %d: %+v", i, r)
		}
	}
}
