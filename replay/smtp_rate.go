package replay

import (
	"context"
	"sync"
	"time"
)

// rateLimiter spaces sends 1/rate apart across all connections (no burst).
type rateLimiter struct {
	mu   sync.Mutex
	gap  int64 // nanoseconds; 0: unlimited
	next int64
}

func newRateLimiter(rate float64) *rateLimiter {
	r := &rateLimiter{}
	if rate > 0 {
		r.gap = int64(float64(time.Second) / rate)
	}
	return r
}

// wait blocks until the caller may send the next message.
func (r *rateLimiter) wait(ctx context.Context) error {
	if r.gap == 0 {
		return nil
	}
	r.mu.Lock()
	now := time.Now().UnixNano()
	at := max(now, r.next)
	r.next = at + r.gap
	r.mu.Unlock()
	if d := time.Duration(at - now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
