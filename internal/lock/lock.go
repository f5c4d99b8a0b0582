// Package lock holds exclusive, advisory locks on files for the length of
// a run: one per replay target and one per journal, so that two replays
// into one target, or two runs of one journal, never interleave (DESIGN.md
// section 4, item 3). The lock is flock(2) on Unix and LockFileEx on
// Windows; either is released by the OS when the process ends, SIGKILL
// included, so a killed run never leaves a stale lock.
//
// The lock file holds a line naming the holder (process id, host, start
// time and command line), written after the lock is taken, so a second
// run can say who holds it. Lock files are left in place: removing one
// while another process waits on it would let a third lock a new file
// of the same name.
package lock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrLocked is wrapped by Acquire's error when another process (or
// another Acquire in this one) holds the lock and wait is false.
var ErrLocked = errors.New("locked")

// Lock is a held lock. Release it with Unlock.
type Lock struct {
	f    *os.File
	path string
}

// pollEvery is how often a waiting Acquire tries again: polling keeps the
// wait interruptible (a blocking flock or LockFileEx ignores ctx).
const pollEvery = 100 * time.Millisecond

// Acquire takes the exclusive lock of path, creating the file (and its
// folder) if needed. what names the locked thing in errors ("the target
// imcdata:C:\Exchsrvr\Imcdata"). When another holds it, Acquire returns
// an error wrapping ErrLocked that quotes the holder's line (the caller
// adds what its user can do about it); with wait it waits instead until
// the lock is free or ctx ends.
func Acquire(ctx context.Context, path, what string, wait bool) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s (%s): %w", what, path, err)
		}
		if ok {
			break
		}
		if !wait {
			holder := readHolder(f)
			f.Close()
			return nil, fmt.Errorf("%w: %s is in use by %s (lock file %s)", ErrLocked, what, holder, path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", what, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
	l := &Lock{f: f, path: path}
	if err := l.writeHolder(); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	return l, nil
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// Unlock releases the lock and closes the file.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// writeHolder replaces the file's text with this process's line.
func (l *Lock) writeHolder() error {
	host, _ := os.Hostname()
	line := fmt.Sprintf("process %d on %s since %s: %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339), strings.Join(os.Args, " "))
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err := l.f.WriteAt([]byte(line), 0)
	return err
}

// readHolder returns the holder's line, or a placeholder when it cannot
// be read (a holder that has not written it yet).
func readHolder(f *os.File) string {
	b := make([]byte, 4096)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF || n == 0 {
		return "another process"
	}
	return strings.TrimSpace(string(b[:n]))
}
