package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// TestSoftMemoryLimitGivesWay: a live heap over three quarters of the soft
// limit raises the limit to twice that heap, so a command that must hold
// more than the limit (a timeline of 500,000 events) does not leave the
// collector running back to back; a heap under it leaves the limit as set.
func TestSoftMemoryLimitGivesWay(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Four times what the test binary holds already, so the first check
	// is about the limit, not about this process.
	runtime.GC()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	limit := max(int64(24<<20), 4*int64(live[0].Value.Uint64()))
	softMemoryLimit(ctx, limit)

	time.Sleep(3 * memoryLimitPoll)
	runtime.GC()
	time.Sleep(3 * memoryLimitPoll)
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Fatalf("with a small heap the limit moved: %d, want %d", got, limit)
	}

	var held [][]byte
	for range limit >> 20 {
		held = append(held, make([]byte, 1<<20)) // the limit's size, live
	}
	for i := range held {
		held[i][0] = byte(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) == limit && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(memoryLimitPoll)
	}
	// Raised once the live heap passed three quarters of the limit, to
	// twice what was live then: about half as much again as the old
	// limit, which the heap now fills; asked only to be above it.
	if got := debug.SetMemoryLimit(-1); got <= limit {
		t.Errorf("limit %d bytes with %d live: not raised", got, limit)
	}
	runtime.KeepAlive(held)
}
