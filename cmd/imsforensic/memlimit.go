package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// defaultMemoryLimit is the soft heap limit when GOMEMLIMIT is not set: a
// scan of 100,000 files keeps every slim Message to sort them, and the
// collector should work harder before the process grows past it.
const defaultMemoryLimit = 160 << 20

// memoryLimitPoll is how often softMemoryLimit reads the live heap.
const memoryLimitPoll = 100 * time.Millisecond

// softMemoryLimit sets limit as the soft heap limit and lets it give way
// when what the command must hold outgrows it. A scan streams and keeps
// its live heap far below the limit (under 60 MiB at 1,000,000 files),
// so the limit only makes the collector run sooner. But the timeline of
// 500,000 events, or triage of a million messages, is live data over the
// limit: the collector would then run back to back, up to half the CPU,
// and free nothing (events of a 43 MB CSV export took 178 s instead of
// about 20). Once the heap live after a collection passes three quarters
// of the limit, the limit becomes twice that live heap, as GOGC=100 would
// have it; it is never lowered.
func softMemoryLimit(ctx context.Context, limit int64) {
	debug.SetMemoryLimit(limit)
	go func() {
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(memoryLimitPoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			metrics.Read(live)
			if live[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			if n := int64(live[0].Value.Uint64()); n > limit/4*3 {
				limit = 2 * n
				debug.SetMemoryLimit(limit)
			}
		}
	}()
}
