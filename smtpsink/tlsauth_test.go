package smtpsink

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/testpeer"
)

// authSink runs a sink that offers STARTTLS (self-signed) and requires
// AUTH for user "u" with a password that contains a ':'.
func authSink(t *testing.T) *Sink {
	t.Helper()
	tc, err := SelfSignedTLS("sink.test")
	if err != nil {
		t.Fatal(err)
	}
	return startSink(t, func(c *Config) {
		c.TLS = tc
		c.Auth = map[string]string{"u": "pa:ss"}
	})
}

func TestSinkRequiresAuthAndTLSFirst(t *testing.T) {
	s := authSink(t)
	rc := dialRaw(t, s)
	ehlo := rc.expect("EHLO x", 250)
	if !strings.Contains(ehlo, "STARTTLS") || strings.Contains(ehlo, "AUTH") {
		t.Errorf("EHLO before TLS should offer STARTTLS and no AUTH:\n%s", ehlo)
	}
	rc.expect("MAIL FROM:<a@x>", 530)
	if st := s.Stats(); st.Refused != 1 {
		t.Errorf("refused = %d, want 1", st.Refused)
	}
}

func TestSwaksTLSAuthIntoSink(t *testing.T) {
	testpeer.UnixOnly(t, "swaks with Net::SSLeay")
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Fatalf("swaks not found (%v): run scripts/test.sh, which installs it with libnet-ssleay-perl", err)
	}
	s := authSink(t)
	for i, mech := range []string{"LOGIN", "PLAIN"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, swaks, "--server", s.Addr().String(), "--tls", "--auth", mech,
			"--auth-user", "u", "--auth-password", "pa:ss", "--from", "swaks@example.com", "--to", "r@example.com",
			"--header", "Subject: tls "+mech).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("swaks --tls --auth %s: %v\n%s", mech, err, out)
		}
		waitStored(t, s, int64(i+1))
	}
	for _, m := range storedMessages(t, s.cfg.Store) {
		if !m.env.TLS || !strings.HasPrefix(m.env.TLSVersion, "TLS 1.") || m.env.AuthUser != "u" {
			t.Errorf("envelope: tls=%v %q auth=%q, want TLS and user u", m.env.TLS, m.env.TLSVersion, m.env.AuthUser)
		}
		// The session after STARTTLS runs over a *tls.Conn: it must keep
		// its connection's id.
		if m.env.ConnID == "" {
			t.Errorf("envelope of a TLS session has no connection id")
		}
	}
	// A wrong password is 535 and counted; swaks exits 28 (AUTH failed).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, swaks, "--server", s.Addr().String(), "--tls", "--auth", "LOGIN",
		"--auth-user", "u", "--auth-password", "wrong", "--from", "a@x", "--to", "b@x").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 28 || !strings.Contains(string(out), "535") {
		t.Errorf("swaks with a wrong password: %v, want exit 28 and a 535\n%s", err, out)
	}
	if st := s.Stats(); st.AuthFailures != 1 || st.Stored != 2 {
		t.Errorf("stats = %+v, want 1 auth failure and 2 stored", st)
	}
}

func TestPythonSmtplibTLSAuthIntoSink(t *testing.T) {
	testpeer.UnixOnly(t, "python3 (smtplib)")
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 not found (%v): run scripts/test.sh", err)
	}
	s := authSink(t)
	host, port := splitAddr(t, s)
	script := `
import smtplib, ssl, sys
ctx = ssl._create_unverified_context()
for mech in ("LOGIN", "PLAIN"):
    with smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=20) as c:
        c.starttls(context=ctx)
        c.ehlo("python.example")
        c.user, c.password = "u", "pa:ss"
        c.auth(mech, getattr(c, "auth_" + mech.lower()))
        c.sendmail("py@example.com", ["r@example.com"], b"Subject: " + mech.encode() + b"\r\n\r\nbody\r\n")
try:
    with smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=20) as c:
        c.starttls(context=ctx)
        c.login("u", "nope")
except smtplib.SMTPAuthenticationError as e:
    print("refused", e.smtp_code)
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", script, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("smtplib: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "refused 535") {
		t.Errorf("wrong password not refused with 535: %s", out)
	}
	waitStored(t, s, 2)
	for _, m := range storedMessages(t, s.cfg.Store) {
		if !m.env.TLS || m.env.AuthUser != "u" {
			t.Errorf("envelope: tls=%v auth=%q", m.env.TLS, m.env.AuthUser)
		}
	}
}
