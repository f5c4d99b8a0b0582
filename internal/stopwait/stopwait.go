// Package stopwait waits for a server the tests started to return after
// they stopped it. A server that does not return is a hang: it is told
// with every goroutine's stack at once, instead of the test binary's
// timeout minutes later with no word of where (the sink's stop race of
// issue 16 showed up that way).
package stopwait

import (
	"fmt"
	"runtime"
	"time"
)

// Limit is how long a stopped server may take to return.
const Limit = 30 * time.Second

// Await returns what done delivers, or, after Limit, an error that holds
// every goroutine's stack.
func Await(what string, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-time.After(Limit):
		buf := make([]byte, 1<<20)
		return fmt.Errorf("%s still running %v after it was stopped; goroutines:\n%s", what, Limit, buf[:runtime.Stack(buf, true)])
	}
}
