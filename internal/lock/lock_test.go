package lock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSecondAcquireSaysWhoHoldsItOrWaits(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "locks", "target.lock")
	a, err := Acquire(ctx, p, "the target", false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(ctx, p, "the target", false)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Acquire = %v, want ErrLocked naming process %d", err, os.Getpid())
	}
	got := make(chan error, 1)
	go func() {
		b, err := Acquire(ctx, p, "the target", true)
		if err == nil {
			b.Unlock()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("waiting Acquire returned %v while the lock was held", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("waiting Acquire: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiting Acquire did not get the lock after Unlock")
	}
	// A waiting Acquire ends with its context.
	c, _ := Acquire(ctx, p, "the target", false)
	defer c.Unlock()
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := Acquire(cctx, p, "the target", true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire after the deadline = %v", err)
	}
}
