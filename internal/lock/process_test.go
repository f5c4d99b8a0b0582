package lock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const childEnv = "IMSF_LOCK_CHILD"

// TestLockHeldByAnotherProcessAndFreedByItsEnd: a lock another process
// holds refuses this one, naming that process, and is free once that
// process is killed (SIGKILL on Unix, TerminateProcess on Windows): a run
// that was killed leaves no stale lock, and a live one is never shared.
// The other process is this test binary (TestLockChild).
func TestLockHeldByAnotherProcessAndFreedByItsEnd(t *testing.T) {
	p := filepath.Join(t.TempDir(), "target.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "LOCKED" {
	}
	_, err = Acquire(context.Background(), p, "the target", false)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(cmd.Process.Pid)) {
		t.Fatalf("Acquire while process %d holds it = %v, want ErrLocked naming it", cmd.Process.Pid, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	l, err := Acquire(context.Background(), p, "the target", false)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockChild is the holder of TestLockHeldByAnotherProcessAndFreedByItsEnd,
// not a test of its own: it takes the lock, says so, and waits to be killed.
func TestLockChild(t *testing.T) {
	p := os.Getenv(childEnv)
	if p == "" {
		t.Skip("the lock holder of TestLockHeldByAnotherProcessAndFreedByItsEnd, run only by it")
	}
	if _, err := Acquire(context.Background(), p, "the target", false); err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("LOCKED")
	time.Sleep(time.Hour) // a sleeper, not a deadlock the runtime would end
}
