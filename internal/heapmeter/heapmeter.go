// Package heapmeter measures the peak heap of a piece of work, for the
// tests that prove a path holds a window of its input and not all of it
// (redact's and repair's streamed paths, issue 16).
package heapmeter

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Peak runs fn and returns the largest heap in use seen while it ran,
// over the heap in use before, sampled every 200 microseconds. The
// collector runs at 5 % growth meanwhile, so garbage not yet collected
// does not pass for memory held.
func Peak(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	peak := base
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak - base
}
