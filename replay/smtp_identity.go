package replay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// SMTPOptions.Resolver takes it, so that a program (or a test) can say
// how names resolve without a network.
type Resolver interface {
	LookupHost(ctx context.Context, host string) (addrs []string, err error)
}

// resolveTimeout bounds the one look-up of an smtp:// target's host: a DNS
// server that does not answer must not hold the run. A host that does not
// resolve in time is known by its name as written.
const resolveTimeout = 2 * time.Second

// smtpIdentity is which server an smtp:// target is, for its lock and its
// journal: the host as written, normalised, and the addresses it resolved
// to (plus the port). Two spellings of one server (mail.corp.example and
// 10.0.0.5, MAIL.corp.example., [::ffff:10.0.0.5]) have the same address,
// so their runs exclude each other and a journal of one is found by the
// other (checkOtherSpellings).
type smtpIdentity struct {
	host  string       // lower case, no trailing dot; an address in netip's form
	port  uint16       // the URL's port, or 25 (465 for smtps)
	addrs []netip.Addr // sorted, IPv4-mapped IPv6 as IPv4, zones dropped; nil when unresolved
	err   error        // why the host did not resolve (addrs nil)
	// dial are the addresses a name resolved to, as the resolver gave
	// them (a link-local one keeps its zone), with the port, in the
	// resolver's order: what the target connects to. nil for an address
	// written as the host, which is dialled as written, and for a name
	// that did not resolve.
	dial []string
}

// normalHost is a URL host's canonical spelling: lower case without a
// trailing dot (DNS names are case-insensitive and a trailing dot only
// says the name is absolute), an address in one form: ::ffff:10.0.0.5 is
// 10.0.0.5 and a zone is dropped (fe80::1%eth0 and fe80::1%eth1 are taken
// for one server: a wrong "same" costs a refusal the user can overrule, a
// wrong "different" a duplicate of every message).
func normalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")), ".")
	if a, ok := normalAddr(h); ok {
		return a.String()
	}
	return h
}

// normalAddr parses an address into the form identities compare.
func normalAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// smtpHostPort reads an smtp:// or smtps:// URL's host and port (the
// default port when it has none); ok false for anything else.
func smtpHostPort(target string) (host string, port uint16, ok bool) {
	u, err := url.Parse(target)
	if err != nil || u.Hostname() == "" {
		return "", 0, false
	}
	def := uint16(25)
	switch strings.ToLower(u.Scheme) {
	case SchemeSMTP:
	case "smtps":
		def = 465
	default:
		return "", 0, false
	}
	if u.Port() == "" {
		return normalHost(u.Hostname()), def, true
	}
	p, err := strconv.ParseUint(u.Port(), 10, 16)
	if err != nil {
		return "", 0, false
	}
	return normalHost(u.Hostname()), uint16(p), true
}

// resolveSMTP is the identity of the server at host:port: an address is
// itself, a name is looked up with r (net.DefaultResolver when nil), at
// most resolveTimeout. A look-up that fails or finds nothing is not an
// error: the identity keeps the reason and the name stands for itself.
func resolveSMTP(ctx context.Context, r Resolver, host string, port uint16) smtpIdentity {
	id := smtpIdentity{host: normalHost(host), port: port}
	if a, ok := normalAddr(id.host); ok {
		id.addrs = []netip.Addr{a}
		return id
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	names, err := r.LookupHost(ctx, id.host)
	seen := map[netip.Addr]bool{}
	for _, n := range names {
		if a, ok := normalAddr(n); ok && !seen[a] {
			seen[a] = true
			id.addrs = append(id.addrs, a)
			id.dial = append(id.dial, net.JoinHostPort(n, strconv.Itoa(int(port))))
		}
	}
	sort.Slice(id.addrs, func(i, j int) bool { return id.addrs[i].Less(id.addrs[j]) })
	if len(id.addrs) == 0 {
		if err == nil {
			err = errors.New("no address")
		}
		id.err = err
	}
	return id
}

// identityFromAddrs is the identity a journal header records: host:port
// strings as addrPorts wrote them. Those that do not parse are skipped.
func identityFromAddrs(host string, port uint16, recorded []string) smtpIdentity {
	id := smtpIdentity{host: host, port: port}
	for _, s := range recorded {
		if ap, err := netip.ParseAddrPort(s); err == nil {
			id.addrs = append(id.addrs, ap.Addr().Unmap().WithZone(""))
			id.port = ap.Port()
		}
	}
	return id
}

// addrPorts are the identity's addresses with its port, as a journal
// header records them ("10.0.0.5:25", "[2001:db8::5]:25").
func (id smtpIdentity) addrPorts() []string {
	out := make([]string, len(id.addrs))
	for i, a := range id.addrs {
		out[i] = netip.AddrPortFrom(a, id.port).String()
	}
	return out
}

// keys are the names under which the identity is locked and compared:
// "smtp-addr:10.0.0.5:25" per address, one "smtp-loopback:PORT" for every
// loopback address (localhost, 127.0.0.1, 127.0.0.2 and ::1 reach the one
// lab sink), or "smtp-host:NAME:PORT" for a host that did not resolve.
// Sorted, without repeats.
func (id smtpIdentity) keys() []string {
	port := strconv.Itoa(int(id.port))
	if len(id.addrs) == 0 {
		return []string{"smtp-host:" + id.host + ":" + port}
	}
	seen := map[string]bool{}
	var keys []string
	for _, a := range id.addrs {
		k := "smtp-addr:" + netip.AddrPortFrom(a, id.port).String()
		if a.IsLoopback() {
			k = "smtp-loopback:" + port
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// loopback reports whether every address of the identity is loopback.
func (id smtpIdentity) loopback() bool {
	for _, a := range id.addrs {
		if !a.IsLoopback() {
			return false
		}
	}
	return len(id.addrs) > 0
}

// shared is a key of id that other has too ("" when none): the two are
// one server.
func (id smtpIdentity) shared(other smtpIdentity) string {
	theirs := map[string]bool{}
	for _, k := range other.keys() {
		theirs[k] = true
	}
	for _, k := range id.keys() {
		if theirs[k] {
			return k
		}
	}
	return ""
}

// describeKey says a key in words, for errors: "10.0.0.5:25", "the
// loopback, port 2525", "the name mail.corp.example, port 25".
func describeKey(k string) string {
	kind, rest, _ := strings.Cut(k, ":")
	switch kind {
	case "smtp-loopback":
		return "the loopback, port " + rest
	case "smtp-host":
		i := strings.LastIndexByte(rest, ':')
		return fmt.Sprintf("the name %s, port %s (it did not resolve)", rest[:i], rest[i+1:])
	}
	return rest
}

// identity is the target's identity, resolved once (the first call) and
// kept for the run: its locks, its journal and its connections all name
// the same addresses even if DNS changes while it runs.
func (t *SMTPTarget) identity() smtpIdentity {
	t.idOnce.Do(func() {
		host, port, _ := smtpHostPort(t.raw)
		t.id = resolveSMTP(context.Background(), t.opts.Resolver, host, port)
	})
	return t.id
}

// Addresses are the addresses (with the port, sorted) that the target's
// host resolved to, which its lock and journal know the server by and
// which it connects to; an address as host is itself. err says why a name
// did not resolve: the server is then known by the name as written, and a
// run that names it another way is not stopped by this one's lock.
func (t *SMTPTarget) Addresses() ([]string, error) {
	id := t.identity()
	if id.err != nil {
		return nil, fmt.Errorf("replay: smtp target %s: %s did not resolve (%w); its lock and journal know the server by that name alone: write it the same way in every run", t.name, id.host, id.err)
	}
	return id.addrPorts(), nil
}
