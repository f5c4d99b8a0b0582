package atomicfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Staged is a file being written under a temporary name: not durable and
// not visible under its final name until a Committer commits it. It is
// the first half of Write, for callers (the SMTP sink) that stream the
// content in and want many files made durable by shared fsyncs.
type Staged struct {
	f         *os.File
	tmp       string
	dest      string
	noReplace bool
	h         hash.Hash
	n         int64
	err       error
	settled   bool // renamed or removed
}

// Stage creates a temporary file in dir (which must be on the volume of
// the final name) with the options' Perm, TempSuffix and NoReplace.
func Stage(dir string, opts Options) (*Staged, error) {
	if opts.Perm == 0 {
		opts.Perm = 0o644
	}
	suffix := opts.TempSuffix
	if suffix == "" {
		suffix = TempSuffix
	}
	f, tmp, err := createTemp(dir, suffix, opts.Perm)
	if err != nil {
		return nil, err
	}
	return &Staged{f: f, tmp: tmp, noReplace: opts.NoReplace, h: sha256.New()}, nil
}

// Write appends to the temporary file. A write error is kept and returned
// by Commit as well, so a caller streaming through io.Copy cannot commit a
// short file by mistake.
func (s *Staged) Write(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.f.Write(b)
	s.h.Write(b[:n])
	s.n += int64(n)
	if err != nil {
		s.err = &WriteError{Path: s.tmp, Err: err}
		return n, s.err
	}
	return n, nil
}

// WriteError is a failure to write a staged file (a full disk, a quota),
// as opposed to a failure of the reader feeding it.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string { return fmt.Sprintf("atomicfile: write %s: %v", e.Path, e.Err) }
func (e *WriteError) Unwrap() error { return e.Err }

// To sets the final name; it must be called before Commit.
func (s *Staged) To(path string) *Staged { s.dest = path; return s }

// TempName is the temporary file's path, readable until Commit or Abort.
func (s *Staged) TempName() string { return s.tmp }

// Size and SHA256 describe the bytes written so far.
func (s *Staged) Size() int64    { return s.n }
func (s *Staged) SHA256() string { return hex.EncodeToString(s.h.Sum(nil)) }

// Abort closes and removes the temporary file. It is safe after Commit
// (then it does nothing) and more than once.
func (s *Staged) Abort() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	if !s.settled {
		s.settled = true
		os.Remove(s.tmp)
	}
}

// Committer makes staged files durable for many goroutines at once (group
// commit): each Commit call waits until its files were fsynced, renamed to
// their final names and their folders fsynced, and the calls that arrive
// while a commit is running share the next one. N concurrent senders thus
// cost one folder fsync per round instead of one per file, and the file
// fsyncs of a round are issued together (the file system journals them in
// one commit where it can).
//
// The zero value is ready to use.
type Committer struct {
	mu    sync.Mutex
	queue []*commitReq
	busy  bool
}

type commitReq struct {
	files []*Staged
	err   error
	done  chan struct{}
}

// Commit returns once every file is durable under its final name, in the
// order given (a later file is never renamed when an earlier one failed).
// On error nothing of this call is left under a temporary name; a file
// already renamed stays (the caller's recovery decides about it).
func (c *Committer) Commit(files ...*Staged) error {
	for _, s := range files {
		if s.dest == "" {
			return errors.New("atomicfile: commit of a staged file without a destination")
		}
	}
	req := &commitReq{files: files, done: make(chan struct{})}
	c.mu.Lock()
	c.queue = append(c.queue, req)
	if c.busy {
		c.mu.Unlock()
		<-req.done
		return req.err
	}
	// This caller leads: it commits rounds until nobody is waiting.
	c.busy = true
	for len(c.queue) > 0 {
		round := c.queue
		c.queue = nil
		c.mu.Unlock()
		commitRound(round)
		c.mu.Lock()
	}
	c.busy = false
	c.mu.Unlock()
	<-req.done
	return req.err
}

// commitRound fsyncs every file of the round concurrently, renames those
// of requests whose files all synced, fsyncs each folder once and answers
// every request.
func commitRound(round []*commitReq) {
	defer func() {
		for _, r := range round {
			for _, s := range r.files {
				s.Abort()
			}
			close(r.done)
		}
	}()
	var wg sync.WaitGroup
	errs := make([][]error, len(round))
	sem := make(chan struct{}, 32)
	for i, r := range round {
		errs[i] = make([]error, len(r.files))
		for j, s := range r.files {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				errs[i][j] = s.finish()
			}()
		}
	}
	wg.Wait()
	dirs := map[string][]*commitReq{}
	for i, r := range round {
		r.err = errors.Join(errs[i]...)
		if r.err != nil {
			continue
		}
		for _, s := range r.files {
			if err := s.rename(); err != nil {
				r.err = err
				break
			}
			d := filepath.Dir(s.dest)
			dirs[d] = append(dirs[d], r)
			if td := filepath.Dir(s.tmp); td != d {
				dirs[td] = append(dirs[td], r)
			}
		}
	}
	for d, rs := range dirs {
		if err := SyncDir(d); err != nil {
			for _, r := range rs {
				if r.err == nil {
					r.err = err
				}
			}
		}
	}
}

// finish fsyncs and closes the temporary file.
func (s *Staged) finish() error {
	if s.err != nil {
		return s.err
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: fsync %s: %w", s.tmp, err)
	}
	err := s.f.Close()
	s.f = nil
	if err != nil {
		return fmt.Errorf("atomicfile: close %s: %w", s.tmp, err)
	}
	return nil
}

func (s *Staged) rename() error {
	var err error
	if s.noReplace {
		err = renameNoReplace(s.tmp, s.dest)
	} else {
		err = os.Rename(s.tmp, s.dest)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("atomicfile: create %s: %w", s.dest, ErrExist)
		}
		return fmt.Errorf("atomicfile: rename %s to %s: %w", s.tmp, s.dest, err)
	}
	s.settled = true
	return nil
}
