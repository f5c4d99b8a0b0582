package smtpsink

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/testpeer"
)

// These tests drive the sink with the clients users have: Python's smtplib
// and swaks. A missing client is a test failure, not a skip:
// scripts/test.sh installs them.

func TestPythonSmtplibIntoSink(t *testing.T) {
	testpeer.UnixOnly(t, "python3 (smtplib)")
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 not found (%v): run scripts/test.sh, which installs the test dependencies", err)
	}
	s := startSink(t)
	host, port := splitAddr(t, s)
	script := `
import smtplib, sys
body = b"Subject: from python\r\n\r\n.leading dot\r\nbody\r\n"
with smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=20) as c:
    c.ehlo("python.example")
    c.sendmail("py@example.com", ["r1@example.com", "r2@example.com"], body, mail_options=["ENVID=py1", "RET=HDRS"], rcpt_options=["NOTIFY=FAILURE"])
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, py, "-c", script, host, port).CombinedOutput(); err != nil {
		t.Fatalf("smtplib: %v\n%s", err, out)
	}
	waitStored(t, s, 1)
	for _, m := range storedMessages(t, s.cfg.Store) {
		if string(m.eml) != "Subject: from python\r\n\r\n.leading dot\r\nbody\r\n" {
			t.Errorf(".eml = %q", m.eml)
		}
		if m.env.Mail.EnvID != "py1" || m.env.Mail.Return != "HDRS" || len(m.env.Rcpts) != 2 || m.env.Helo != "python.example" {
			t.Errorf("envelope = %+v", m.env)
		}
	}
}

func TestSwaksIntoSink(t *testing.T) {
	testpeer.UnixOnly(t, "swaks")
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Fatalf("swaks not found (%v): run scripts/test.sh, which installs it (apt-get install swaks)", err)
	}
	s := startSink(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, swaks, "--server", s.Addr().String(), "--from", "swaks@example.com",
		"--to", "r@example.com", "--helo", "swaks.example", "--header", "Subject: from swaks", "--body", "hello from swaks").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	waitStored(t, s, 1)
	for _, m := range storedMessages(t, s.cfg.Store) {
		if !strings.Contains(string(m.eml), "Subject: from swaks\r\n") || !strings.Contains(string(m.eml), "hello from swaks") {
			t.Errorf(".eml = %q", m.eml)
		}
		if m.env.Mail.From != "swaks@example.com" || m.env.Helo != "swaks.example" {
			t.Errorf("envelope = %+v", m.env)
		}
	}
}

func splitAddr(t *testing.T, s *Sink) (string, string) {
	t.Helper()
	a := s.Addr().String()
	i := strings.LastIndexByte(a, ':')
	return a[:i], a[i+1:]
}
