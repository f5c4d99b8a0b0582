package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/internal/teststate"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// namesResolver resolves the names it lists and no other, without a
// network.
type namesResolver map[string][]string

func (n namesResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if a, ok := n[strings.ToLower(host)]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// runCLIResolving is runCLI with smtp:// hosts resolved by r.
func runCLIResolving(r namesResolver, args ...string) (string, string, int) {
	return runCLIGlobals(&globals{stdin: strings.NewReader(""), resolver: r}, args...)
}

// nonLoopback is an address of this machine beyond the loopback that a
// listener can take, or 127.0.0.1 when it has none.
func nonLoopback(t *testing.T) string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			if l, err := net.Listen("tcp", net.JoinHostPort(n.IP.String(), "0")); err == nil {
				l.Close()
				return n.IP.String()
			}
		}
	}
	t.Logf("no address beyond the loopback: the names map to 127.0.0.1")
	return "127.0.0.1"
}

// TestReplayUnderTwoNamesOfOneServer: `replay Q --to
// smtp://mail.corp.example:P`, then `replay Q --to
// smtp://relay.corp.example:P` (the same server; here with --transcript,
// which once hid the target's identity) is refused with exit 2, naming the
// journal and both names and what to do, and sends nothing; --journal
// resumes the first journal and sends nothing (the refused run says no
// "journal:" line: it opened none); --send-again is refused
// for a folder target. Every message reached the
// server once.
func TestReplayUnderTwoNamesOfOneServer(t *testing.T) {
	src, s, port, r := oneServerUnderTwoNames(t)
	first, second := "smtp://mail.corp.example:"+port, "smtp://relay.corp.example:"+port

	_, errOut, code := runCLIResolving(r, "replay", src, "--to", first)
	if code != 0 && code != exitRefused { // the sample's bare-LF messages are refused
		t.Fatalf("first run: exit %d\n%s", code, errOut)
	}
	sent := s.Stats().Stored
	journal := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(errOut, "\n", 2)[0], "journal: "))
	if sent == 0 || !strings.HasSuffix(journal, ".jsonl") {
		t.Fatalf("first run sent %d, journal %q\n%s", sent, journal, errOut)
	}

	transcript := filepath.Join(t.TempDir(), "smtp.log")
	_, errOut, code = runCLIResolving(r, "replay", src, "--to", second, "--transcript", transcript)
	if code != exitUsage {
		t.Errorf("second name: exit %d, want %d\n%s", code, exitUsage, errOut)
	}
	for _, want := range []string{journal, first, second, "--journal " + journal, "--send-again"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, errOut)
		}
	}
	if strings.HasPrefix(errOut, "journal: ") || strings.Contains(errOut, "\njournal: ") {
		t.Errorf("the refused run says a journal it never opened:\n%s", errOut)
	}

	out, errOut, code := runCLIResolving(r, "replay", src, "--to", second, "--journal", journal)
	if code != 0 && code != exitRefused || !strings.Contains(out, "skipped") {
		t.Errorf("--journal under the second name: exit %d\n%s\n%s", code, out, errOut)
	}
	if st := s.Stats(); st.Stored != sent || st.Duplicates != 0 {
		t.Errorf("the server stored %d (duplicates %d), want the first run's %d only", st.Stored, st.Duplicates, sent)
	}

	for _, args := range [][]string{
		{"replay", src, "--to", "pickup:" + t.TempDir(), "--send-again"},
	} {
		if _, errOut, code := runCLIResolving(r, args...); code != exitUsage || !strings.Contains(errOut, "--send-again") {
			t.Errorf("%v: exit %d, want %d naming --send-again\n%s", args[3:], code, exitUsage, errOut)
		}
	}
}

// TestReplayNotesAHostThatDoesNotResolve: a host the resolver cannot
// resolve is replayed to by its name (the dialler finds localhost), with
// a note that its lock and journal know it by that name only.
func TestReplayNotesAHostThatDoesNotResolve(t *testing.T) {
	teststate.Set(t, t.TempDir())
	src := sampleCopy(t)
	s, _ := sinktest.Start(t, smtpsink.Config{})
	_, port, _ := net.SplitHostPort(s.Addr().String())
	_, errOut, code := runCLIResolving(namesResolver{}, "replay", src, "--to", "smtp://localhost:"+port)
	if code != 0 && code != exitRefused || s.Stats().Stored == 0 {
		t.Fatalf("exit %d, stored %d\n%s", code, s.Stats().Stored, errOut)
	}
	if !strings.Contains(errOut, "note: ") || !strings.Contains(errOut, "localhost did not resolve") || !strings.Contains(errOut, "same way") {
		t.Errorf("no note that the host did not resolve:\n%s", errOut)
	}
}

// TestPlanPreviewUnderAnotherNameOfTheServer: triage's --plan-to dry run
// reads the journal the replay command would use. After a replay to the
// server under one name, the plan to its other name is still written,
// with what the command needs (it refuses without --journal or
// --send-again), where the dry run's refusal failed the whole triage.
func TestPlanPreviewUnderAnotherNameOfTheServer(t *testing.T) {
	src, s, port, r := oneServerUnderTwoNames(t)
	if _, errOut, code := runCLIResolving(r, "replay", src, "--to", "smtp://mail.corp.example:"+port); code != 0 && code != exitRefused {
		t.Fatalf("replay: exit %d\n%s", code, errOut)
	}
	stored := s.Stats().Stored
	for _, to := range []string{"smtp://mail.corp.example:" + port, "smtp://relay.corp.example:" + port} {
		html := filepath.Join(t.TempDir(), "report.html")
		_, errOut, code := runCLIResolving(r, "triage", src, "--plan-to", to, "--html", html)
		if code != 0 {
			t.Fatalf("triage --plan-to %s: exit %d\n%s", to, code, errOut)
		}
		b, err := os.ReadFile(html)
		if err != nil {
			t.Fatal(err)
		}
		refused := strings.Contains(string(b), "--send-again")
		if refused != strings.Contains(to, "relay") {
			t.Errorf("--plan-to %s: the report says the command needs --send-again or --journal: %v", to, refused)
		}
		if !strings.Contains(to, "relay") && !strings.Contains(string(b), "already written (journal)") {
			t.Errorf("--plan-to %s: the plan does not show the messages the journal delivered as skipped", to)
		}
	}
	if s.Stats().Stored != stored {
		t.Errorf("a dry run sent mail: %d stored, want %d", s.Stats().Stored, stored)
	}
}

// oneServerUnderTwoNames gives each test its own state folder, a copy of
// the sample queue, and a sink on an address of this machine beyond the
// loopback that the resolver r knows as mail.corp.example and
// relay.corp.example.
func oneServerUnderTwoNames(t *testing.T) (src string, s *smtpsink.Sink, port string, r namesResolver) {
	t.Helper()
	teststate.Set(t, t.TempDir())
	src = sampleCopy(t)
	host := nonLoopback(t)
	s, _ = sinktest.StartOn(t, smtpsink.Config{AllowNonLoopback: true}, net.JoinHostPort(host, "0"))
	_, port, _ = net.SplitHostPort(s.Addr().String())
	return src, s, port, namesResolver{"mail.corp.example": {host}, "relay.corp.example": {host}}
}
