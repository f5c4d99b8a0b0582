package replay

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/testpeer"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// TestSMTPTLSAuthIntoSink replays over STARTTLS with AUTH PLAIN and LOGIN
// into the sink (self-signed certificate, users required) and reports a
// wrong password as an AUTH failure with its code.
func TestSMTPTLSAuthIntoSink(t *testing.T) {
	tc, err := smtpsink.SelfSignedTLS("sink.test")
	if err != nil {
		t.Fatal(err)
	}
	s := startTestSink(t, func(c *smtpsink.Config) {
		c.TLS = tc
		c.Auth = map[string]string{"u": "p:w"}
	})
	dir := t.TempDir()
	for i, mech := range []string{"plain", "login"} {
		u := fmt.Sprintf("smtp://%s?starttls=require&insecure=1&auth=%s&user=u&pass=%s", s.Addr(), mech, url.QueryEscape("p:w"))
		tg, err := NewSMTPTarget(u, SMTPOptions{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := tg.Prepare(context.Background()); err != nil {
			t.Fatalf("%s: %v", mech, err)
		}
		r := smtpDeliver(t, tg, smtpSpool(t, dir, fmt.Sprintf("A%d", i), "Subject: "+mech+"\r\n\r\nbody\r\n", "a@x", "b@x"))
		tg.Close()
		if r.Result != "ok" {
			t.Fatalf("%s: %+v", mech, r)
		}
	}
	for _, m := range sinkStored(t, sinkStoreOf(s)) {
		if !m.env.TLS || m.env.AuthUser != "u" {
			t.Errorf("stored without TLS or AUTH: tls=%v user=%q", m.env.TLS, m.env.AuthUser)
		}
	}
	checkRefusedLogin(t, fmt.Sprintf("smtp://%s?starttls=require&insecure=1&auth=login&user=u&pass=wrong", s.Addr()))
}

// checkRefusedLogin: a wrong password fails Prepare at once with the
// phase and the server's 535, not after a timeout.
func checkRefusedLogin(t *testing.T, u string) {
	t.Helper()
	tg, err := NewSMTPTarget(u, SMTPOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	start := time.Now()
	err = tg.Prepare(context.Background())
	if err == nil || !strings.Contains(err.Error(), "auth: 535") {
		t.Errorf("wrong password: %v, want an auth: 535 error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("wrong password took %v: a timeout, not the server's answer", d)
	}
}

// aiosmtpdServer is the third-party server: Python's aiosmtpd (Debian
// python3-aiosmtpd), STARTTLS required, AUTH required for user u. Its
// LOGIN challenges read "User Name" and "Password". Each message's size
// is appended to a file; the function returns the address and that file.
const aiosmtpdServer = `
import asyncio, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
port, cert, key, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class Handler:
    async def handle_DATA(self, server, session, envelope):
        with open(log, "a") as f:
            f.write("%s %d %s\n" % (envelope.mail_from, len(envelope.content), ",".join(envelope.rcpt_tos)))
        return "250 OK"
def auth(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == b"u" and data.password == b"p:w"
    return AuthResult(success=ok, handled=False)
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
c = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True,
               auth_required=True, authenticator=auth)
c.start()
print("READY", flush=True)
sys.stdin.read()
c.stop()
`

func startAiosmtpd(t *testing.T) (addr, log string) {
	t.Helper()
	testpeer.UnixOnly(t, "python3-aiosmtpd")
	py := "/usr/bin/python3" // Debian's, where python3-aiosmtpd lives
	if out, err := exec.Command(py, "-c", "import aiosmtpd").CombinedOutput(); err != nil {
		t.Fatalf("aiosmtpd not importable by %s (%v: %s): run scripts/test.sh, which installs python3-aiosmtpd", py, err, out)
	}
	dir := t.TempDir()
	cert, key := writeTestCert(t, dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	log = filepath.Join(dir, "delivered.log")
	cmd := exec.Command(py, "-c", aiosmtpdServer, fmt.Sprint(port), cert, key, log)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if !strings.HasPrefix(line, "READY") {
			t.Fatalf("aiosmtpd did not start: %q", line)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("aiosmtpd did not start within 20 s")
	}
	return fmt.Sprintf("127.0.0.1:%d", port), log
}

// writeTestCert writes a self-signed certificate for 127.0.0.1 as PEM.
func writeTestCert(t *testing.T, dir string) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

// TestSMTPTLSAuthIntoAiosmtpd replays into a third-party server with
// STARTTLS required and AUTH: PLAIN, and LOGIN whose challenges are not
// the "Username:"/"Password:" that go-sasl insisted on; a wrong password
// is an AUTH failure with its 535.
func TestSMTPTLSAuthIntoAiosmtpd(t *testing.T) {
	addr, log := startAiosmtpd(t)
	dir := t.TempDir()
	n := 0
	for _, mech := range []string{"plain", "login"} {
		u := fmt.Sprintf("smtp://u:%s@%s?starttls=require&insecure=1&auth=%s", url.QueryEscape("p:w"), addr, mech)
		tg, err := NewSMTPTarget(u, SMTPOptions{Timeout: 10 * time.Second, Concurrency: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := tg.Prepare(context.Background()); err != nil {
			t.Fatalf("%s: %v", mech, err)
		}
		for i := 0; i < 3; i++ {
			r := smtpDeliver(t, tg, smtpSpool(t, dir, fmt.Sprintf("%s%d", mech, i), "Subject: x\r\n\r\n.dot\r\n", "a@x.example", "b@y.example", "c@y.example"))
			if r.Result != "ok" {
				t.Fatalf("%s %d: %+v", mech, i, r)
			}
			n++
		}
		tg.Close()
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "a@x.example "); lines != n {
		t.Errorf("aiosmtpd received %d messages, want %d:\n%s", lines, n, b)
	}
	checkRefusedLogin(t, fmt.Sprintf("smtp://u:wrong@%s?starttls=require&insecure=1&auth=login", addr))
	checkRefusedLogin(t, fmt.Sprintf("smtp://u:wrong@%s?starttls=require&insecure=1&auth=plain", addr))
}
