// Package sinktest runs the imsforensic SMTP sink on 127.0.0.1:0 for tests
// of other packages (replay, bisect, the CLI), as maddy's testutils do:
// one helper instead of a copy per test file. The sink is shut down and
// its Serve error checked when the test ends.
package sinktest

import (
	"context"
	"net"
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
	l, err := net.Listen("tcp", addr)
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
