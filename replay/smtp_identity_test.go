package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/internal/teststate"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// hostsResolver is a hosts file for the tests: the names it lists resolve
// to their addresses, every other name is not found, and nothing asks the
// network.
type hostsResolver map[string][]string

func (h hostsResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if a, ok := h[strings.ToLower(host)]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// localAddr is an address of this machine that is not loopback and that
// a listener can take (192.0.2.2 here, the machine's own address in CI),
// so that two names of it are told apart from the loopback rule; when the
// machine has none, the loopback address, which still proves the run
// (through the loopback rule instead of the address's).
func localAddr(t *testing.T) string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.To4() == nil || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() {
			continue
		}
		if l, err := net.Listen("tcp", net.JoinHostPort(n.IP.String(), "0")); err == nil {
			l.Close()
			return n.IP.String()
		}
	}
	t.Logf("no non-loopback address to listen on: the names map to 127.0.0.1")
	return "127.0.0.1"
}

// identityQueue writes n spool files into a folder of their own.
func identityQueue(t *testing.T, n int) (string, []*model.Message) {
	ev := t.TempDir()
	var msgs []*model.Message
	for i := range n {
		msgs = append(msgs, smtpSpool(t, ev, fmt.Sprintf("M%07d", i), fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i), "a@example.com", "b@example.com"))
	}
	return ev, msgs
}

func identityTarget(t *testing.T, url string, r Resolver) *SMTPTarget {
	t.Helper()
	st, err := NewSMTPTarget(url, SMTPOptions{Resolver: r, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSMTPIdentityUnderEverySpelling: case, a trailing dot, the default
// port, the URL's parameters and scheme, an address in IPv4-mapped form,
// IPv6 brackets and zones, and a second name with an address in common
// are one server: their locks meet. Another port, another address, and a
// name that does not resolve (known by its name, normalised) are not.
func TestSMTPIdentityUnderEverySpelling(t *testing.T) {
	r := hostsResolver{
		"mail.corp.example":  {"10.0.0.5"},
		"mx.corp.example":    {"10.0.0.9", "::ffff:10.0.0.5"},
		"other.corp.example": {"10.0.0.6"},
		"v6.corp.example":    {"2001:db8::5"},
	}
	meet := func(a, b string) bool {
		pa := map[string]bool{}
		for _, l := range targetLocks(identityTarget(t, a, r)) {
			pa[l.path] = true
		}
		for _, l := range targetLocks(identityTarget(t, b, r)) {
			if pa[l.path] {
				return true
			}
		}
		return false
	}
	groups := [][]string{
		{"smtp://mail.corp.example:25", "smtp://MAIL.Corp.Example.:25", "smtp://mail.corp.example", "smtp://mail.corp.example:0025",
			"smtp://mail.corp.example:25?starttls=1", "smtps://mail.corp.example:25", "smtp://10.0.0.5", "smtp://[::ffff:10.0.0.5]:25",
			"smtp://mx.corp.example"},
		{"smtp://v6.corp.example", "smtp://[2001:DB8::5]:25", "smtp://[2001:db8::5%25eth0]:25", "smtp://[2001:db8:0::5]"},
		{"smtp://nowhere.invalid", "smtp://NOWHERE.invalid.:25"},
	}
	for _, g := range groups {
		for _, u := range g[1:] {
			if !meet(g[0], u) {
				t.Errorf("%s and %s do not share a lock", g[0], u)
			}
		}
	}
	for _, pair := range [][2]string{
		{"smtp://mail.corp.example:25", "smtp://mail.corp.example:26"},
		{"smtp://mail.corp.example", "smtp://other.corp.example"},
		{"smtp://mail.corp.example", "smtp://nowhere.invalid"},
		{"smtp://mail.corp.example", "smtp://v6.corp.example"},
	} {
		if meet(pair[0], pair[1]) {
			t.Errorf("%s and %s share a lock", pair[0], pair[1])
		}
	}

	// Spellings of one name share one default journal (case, dot, port,
	// parameters); an address is found by its journal's header instead.
	journal := func(u string) string {
		p, err := DefaultJournalPath(identityTarget(t, u, r), []string{"/q"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if a, b := journal("smtp://MAIL.Corp.Example.:25"), journal("smtp://mail.corp.example?starttls=1"); a != b {
		t.Errorf("one name, two journals: %s and %s", a, b)
	}

	if addrs, err := identityTarget(t, "smtp://mx.corp.example:2525", r).Addresses(); err != nil || strings.Join(addrs, " ") != "10.0.0.5:2525 10.0.0.9:2525" {
		t.Errorf("mx.corp.example's addresses: %q, %v", addrs, err)
	}
	// An address written as the host is dialled as written: a link-local
	// one needs its zone to be reached, though its identity drops it.
	if zoned := identityTarget(t, "smtp://[fe80::1%25eth0]:25", r); zoned.identity().dial != nil || zoned.client.Addr != "[fe80::1%eth0]:25" {
		t.Errorf("[fe80::1%%25eth0] dials %v / %s, want it as written", zoned.identity().dial, zoned.client.Addr)
	}
	if d := identityTarget(t, "smtp://mx.corp.example:25", r).identity().dial; strings.Join(d, " ") != "10.0.0.9:25 [::ffff:10.0.0.5]:25" {
		t.Errorf("mx.corp.example dials %v, want the resolver's addresses in its order", d)
	}
	_, err := identityTarget(t, "smtp://nowhere.invalid", r).Addresses()
	if err == nil || !strings.Contains(err.Error(), "did not resolve") || !strings.Contains(err.Error(), "by that name alone") {
		t.Errorf("a host that does not resolve: %v, want it said", err)
	}
}

// twoNames are two names of one server listening on a local address
// that is not loopback (when the machine has one), as the resolver the
// runs are given says.
func twoNames(t *testing.T) (s *smtpsink.Sink, r hostsResolver, port string) {
	s, _ = sinktest.StartOn(t, smtpsink.Config{Store: t.TempDir(), AllowNonLoopback: true}, net.JoinHostPort(localAddr(t), "0"))
	host, port, _ := net.SplitHostPort(s.Addr().String())
	return s, hostsResolver{"mail.corp.example": {host}, "relay.corp.example": {host}}, port
}

// TestTwoNamesInSequenceSendEachMessageOnce: a replay to
// smtp://mail.corp.example, run again as smtp://relay.corp.example (one
// server), is refused with ErrOtherSpelling naming the first journal and
// both names, before anything is sent; --journal of the first resumes it
// and sends nothing; --send-again sends again on purpose. It sent every
// message twice before: each name had its own journal.
func TestTwoNamesInSequenceSendEachMessageOnce(t *testing.T) {
	teststate.Set(t, t.TempDir())
	ctx := context.Background()
	ev, msgs := identityQueue(t, 3)
	s, r, port := twoNames(t)
	run := func(host string, opts Options) (model.ReplaySummary, error) {
		opts.Sources = []string{ev}
		return Run(ctx, msgs, identityTarget(t, "smtp://"+host+":"+port, r), opts, nil)
	}
	first, err := run("mail.corp.example", Options{})
	if err != nil || first.Written != 3 {
		t.Fatalf("first run: written %d, %v", first.Written, err)
	}
	h, _ := readJournalHeader(first.Journal)
	if h == nil || len(h.Addresses) != 1 || !strings.HasSuffix(h.Addresses[0], ":"+port) {
		t.Errorf("the journal's header records the addresses %v", h)
	}

	_, err = run("relay.corp.example", Options{})
	if !errors.Is(err, ErrOtherSpelling) {
		t.Fatalf("second run under another name: %v, want ErrOtherSpelling", err)
	}
	for _, want := range []string{first.Journal, "smtp://mail.corp.example:" + port, "smtp://relay.corp.example:" + port, "--journal " + first.Journal, "--send-again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q: %v", want, err)
		}
	}
	if st := s.Stats(); st.Stored != 3 || st.Duplicates != 0 {
		t.Fatalf("after the refusal the sink stored %d, duplicates %d; want 3, 0", st.Stored, st.Duplicates)
	}

	resumed, err := run("relay.corp.example", Options{JournalPath: first.Journal})
	if err != nil || resumed.Written != 0 || resumed.Skipped != 3 {
		t.Errorf("--journal of the first run under the other name: written %d, skipped %d, %v; want 0, 3", resumed.Written, resumed.Skipped, err)
	}
	if st := s.Stats(); st.Stored != 3 || st.Duplicates != 0 {
		t.Errorf("after the resumed run the sink stored %d, duplicates %d; want 3, 0", st.Stored, st.Duplicates)
	}

	again, err := run("relay.corp.example", Options{SendAgain: true})
	if err != nil || again.Written != 3 || again.Journal == first.Journal {
		t.Errorf("--send-again: written %d, journal %s, %v; want 3 sent under a journal of its own", again.Written, again.Journal, err)
	}
}

// TestTwoNamesAtOnceTheSecondIsRefused: while a replay to
// smtp://mail.corp.example runs (the server holds its first DATA), a
// replay of other messages to smtp://relay.corp.example, the same server,
// is refused by the lock, which names the address; it ran before, each
// name locked on its own.
func TestTwoNamesAtOnceTheSecondIsRefused(t *testing.T) {
	teststate.Set(t, t.TempDir())
	ctx := context.Background()
	host := localAddr(t)
	s, _ := sinktest.StartOn(t, smtpsink.Config{Store: t.TempDir(), AllowNonLoopback: true, Faults: []smtpsink.Fault{smtpFault(t, smtpsink.ParseDelay, `DATA:1s*1`)}}, net.JoinHostPort(host, "0"))
	_, port, _ := net.SplitHostPort(s.Addr().String())
	r := hostsResolver{"mail.corp.example": {host}, "relay.corp.example": {host}}
	evA, msgsA := identityQueue(t, 2)
	evB, msgsB := identityQueue(t, 2)
	journalA := filepath.Join(t.TempDir(), "a.jsonl")
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, msgsA, identityTarget(t, "smtp://mail.corp.example:"+port, r), Options{Sources: []string{evA}, JournalPath: journalA}, nil)
		done <- err
	}()
	awaitBegin(t, journalA)
	_, err := Run(ctx, msgsB, identityTarget(t, "smtp://relay.corp.example:"+port, r), Options{Sources: []string{evB}}, nil)
	if !errors.Is(err, lock.ErrLocked) {
		t.Errorf("the second run at once: %v, want lock.ErrLocked", err)
	} else if want := host + ":" + port; !strings.Contains(err.Error(), want) && host != "127.0.0.1" {
		t.Errorf("the lock message does not name the address %s: %v", want, err)
	}
	if err := <-done; err != nil {
		t.Errorf("the first run: %v", err)
	}
	if st := s.Stats(); st.Stored != 2 {
		t.Errorf("the sink stored %d, want the first run's 2", st.Stored)
	}
}

// TestHostThatDoesNotResolveWorksByName: when the look-up fails (here the
// resolver knows no name), the target is known by its name as written:
// the run sends, its lock and journal are the name's, Addresses says why,
// and a rerun resumes.
func TestHostThatDoesNotResolveWorksByName(t *testing.T) {
	teststate.Set(t, t.TempDir())
	ctx := context.Background()
	ev, msgs := identityQueue(t, 3)
	s := startTestSink(t)
	_, port, _ := net.SplitHostPort(s.Addr().String())
	url := "smtp://localhost:" + port // the dialler still finds it
	for i, want := range []int{3, 0} {
		tg := identityTarget(t, url, hostsResolver{})
		if _, err := tg.Addresses(); err == nil {
			t.Fatal("the look-up did not fail")
		}
		sum, err := Run(ctx, msgs, tg, Options{Sources: []string{ev}}, nil)
		if err != nil || sum.Written != want || sum.Written+sum.Skipped != 3 {
			t.Fatalf("run %d: written %d, skipped %d, %v; want %d written", i+1, sum.Written, sum.Skipped, err, want)
		}
		if !strings.Contains(filepath.Base(sum.Journal), "smtp-localhost-"+port) {
			t.Errorf("run %d: journal %s, want one named from the host", i+1, sum.Journal)
		}
		if locks := targetLocks(tg); len(locks) != 1 || !strings.Contains(locks[0].path, "smtp-host-localhost-"+port) {
			t.Errorf("run %d: locks %v, want the host's", i+1, locks)
		}
	}
	if st := s.Stats(); st.Stored != 3 || st.Duplicates != 0 {
		t.Errorf("the sink stored %d, duplicates %d; want 3, 0", st.Stored, st.Duplicates)
	}
}

// TestOldJournalWithoutAddressesIsResumed: a journal whose header records
// no addresses (written before headers did) is resumed under its own
// name, also from the name an earlier version gave it (the URL as
// written), and found under another name by what its host resolves to now.
func TestOldJournalWithoutAddressesIsResumed(t *testing.T) {
	teststate.Set(t, t.TempDir())
	ctx := context.Background()
	ev, msgs := identityQueue(t, 3)
	s, r, port := twoNames(t)
	url := "smtp://Mail.Corp.Example:" + port
	first, err := Run(ctx, msgs, identityTarget(t, url, r), Options{Sources: []string{ev}}, nil)
	if err != nil || first.Written != 3 {
		t.Fatalf("first run: written %d, %v", first.Written, err)
	}
	// The journal as an earlier version wrote it: no addresses, at the
	// name made from the URL as written.
	old := spelledJournalPath(identityTarget(t, url, r), []string{ev})
	stripAddresses(t, first.Journal, old)

	sum, err := Run(ctx, msgs, identityTarget(t, url, r), Options{Sources: []string{ev}}, nil)
	if err != nil || sum.Journal != old || sum.Written != 0 || sum.Skipped != 3 {
		t.Errorf("rerun: journal %s, written %d, skipped %d, %v; want %s resumed", sum.Journal, sum.Written, sum.Skipped, err, old)
	}
	if _, err := Run(ctx, msgs, identityTarget(t, "smtp://relay.corp.example:"+port, r), Options{Sources: []string{ev}}, nil); !errors.Is(err, ErrOtherSpelling) || !strings.Contains(err.Error(), old) {
		t.Errorf("another name: %v, want ErrOtherSpelling naming %s", err, old)
	}
	sum, err = Run(ctx, msgs, identityTarget(t, "smtp://relay.corp.example:"+port, r), Options{JournalPath: old, Sources: []string{ev}}, nil)
	if err != nil || sum.Written != 0 || sum.Skipped != 3 {
		t.Errorf("--journal under another name: written %d, skipped %d, %v", sum.Written, sum.Skipped, err)
	}
	if st := s.Stats(); st.Stored != 3 || st.Duplicates != 0 {
		t.Errorf("the sink stored %d, duplicates %d; want 3, 0", st.Stored, st.Duplicates)
	}
}

// stripAddresses moves journal from to to, its header without addresses.
func stripAddresses(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	var h map[string]any
	if err := json.Unmarshal(first, &h); err != nil || h["addresses"] == nil {
		t.Fatalf("header %s: %v", first, err)
	}
	delete(h, "addresses")
	nb, _ := json.Marshal(h)
	if err := os.WriteFile(to, append(append(nb, '\n'), rest...), 0o644); err != nil {
		t.Fatal(err)
	}
	if from != to {
		os.Remove(from)
	}
}

// spelledJournalPath is the default journal as versions before addresses
// named it: from the URL as written.
func spelledJournalPath(t Target, sources []string) string {
	dir, _ := StateDir()
	return journalPathIn(dir, t.String(), slug(t), sources)
}
