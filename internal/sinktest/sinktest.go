// Package sinktest runs the imsforensic SMTP sink on 127.0.0.1:0 for tests
// of other packages (replay, bisect, the CLI), as maddy's testutils do:
// one helper instead of a copy per test file. The sink is shut down and
// its Serve error checked when the test ends.
package sinktest

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/stopwait"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/rules"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// Start runs a sink with cfg (Store defaults to a temporary folder) and
// returns it with its smtp:// URL.
func Start(t testing.TB, cfg smtpsink.Config) (*smtpsink.Sink, string) {
	t.Helper()
	return StartOn(t, cfg, "127.0.0.1:0")
}

// StartOn is Start listening on addr ("192.0.2.2:0": a test of what a
// non-loopback address changes).
func StartOn(t testing.TB, cfg smtpsink.Config, addr string) (*smtpsink.Sink, string) {
	t.Helper()
	if cfg.Store == "" {
		cfg.Store = t.TempDir()
	}
	s, err := smtpsink.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := listenFresh(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := stopwait.Await("the sink", done); err != nil {
			t.Errorf("sink: %v", err)
		}
	})
	// Serve publishes the address when it starts; tests use s.Addr().
	for s.Addr() == nil {
		select {
		case err := <-done:
			done <- err // for the cleanup's wait
			t.Fatalf("sink: Serve returned before it listened: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	return s, "smtp://" + l.Addr().String()
}

// Lint is the sink's lint function wired to the rule catalogue, as the
// sink command wires it.
func Lint(raw []byte) []model.Finding { return rules.LintBytes(raw, nil).Findings }

// portsUsed are the ports the sinks of this test binary listened on.
var portsUsed sync.Map

// listenFresh listens on addr; for port 0, on a port no earlier sink of
// this process had. A replay into smtp:// skips what another journal of
// the same server delivered (replay's crossjournal.go), and the loopback
// on one port is one server: an earlier test's default journal in the
// binary's shared state folder (internal/teststate), to a sink the kernel
// gave the same port, would take this sink for that one.
func listenFresh(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port != "0" {
		return net.Listen("tcp", addr)
	}
	var held []net.Listener // kept open so the kernel hands out another
	defer func() {
		for _, h := range held {
			h.Close()
		}
	}()
	for {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, err
		}
		p := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		if _, used := portsUsed.LoadOrStore(p, true); !used || len(held) >= 64 {
			return l, nil
		}
		held = append(held, l)
	}
}
