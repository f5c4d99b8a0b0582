package atomicfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Staged is a file being written under a temporary name, or under none:
// not durable and not visible under its final name until a Committer
// commits it. It is the first half of Write, for callers (the SMTP sink)
// that stream the content in and want many files made durable by shared
// fsyncs.
//
// With NoReplace on Linux the file is created unnamed (O_TMPFILE) and
// linked under its final name by the commit (linkat fails when the name
// exists): one new folder entry per file instead of a temporary entry, a
// rename and a final entry, and nothing of it is visible, not even a
// temporary name, until it is committed; a killed writer leaves nothing
// behind. Where O_TMPFILE or /proc/self/fd is missing (other systems,
// file systems without it), a temporary name as for Write.
type Staged struct {
	f         *os.File
	dir       string // folder of the temporary file
	tmp       string // temporary path; "" for an unnamed file
	dest      string
	noReplace bool
	h         hash.Hash
	n         int64
	err       error
	settled   bool // renamed, linked or removed
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
	s := &Staged{dir: dir, noReplace: opts.NoReplace, h: sha256.New()}
	if opts.NoReplace {
		if f := openUnnamed(dir, opts.Perm); f != nil {
			s.f = f
			return s, nil
		}
	}
	f, tmp, err := createTemp(dir, suffix, opts.Perm)
	if err != nil {
		return nil, err
	}
	s.f, s.tmp = f, tmp
	return s, nil
}

// name is the temporary file for messages.
func (s *Staged) name() string {
	if s.tmp == "" {
		return filepath.Join(s.dir, "(unnamed temporary file)")
	}
	return s.tmp
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
		s.err = &WriteError{Path: s.name(), Err: err}
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

// Contents reads back what was written so far (one pread, no open), until
// Commit or Abort, into buf when it is large enough (else a new slice).
func (s *Staged) Contents(buf []byte) ([]byte, error) {
	if s.f == nil {
		return nil, fmt.Errorf("atomicfile: read back %s: already committed or aborted", s.name())
	}
	b := buf[:0]
	if int64(cap(b)) < s.n {
		b = make([]byte, s.n)
	}
	b = b[:s.n]
	if _, err := s.f.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("atomicfile: read back %s: %w", s.name(), err)
	}
	return b, nil
}

// Reader reads back what was written so far, until Commit or Abort.
func (s *Staged) Reader() io.Reader { return io.NewSectionReader(s.f, 0, s.n) }

// Size and SHA256 describe the bytes written so far.
func (s *Staged) Size() int64    { return s.n }
func (s *Staged) SHA256() string { return hex.EncodeToString(s.h.Sum(nil)) }

// Abort closes and removes the temporary file (an unnamed one goes with
// its descriptor). It is safe after Commit (then it does nothing) and more
// than once.
func (s *Staged) Abort() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	if !s.settled {
		s.settled = true
		if s.tmp != "" {
			os.Remove(s.tmp)
		}
	}
}

// Committer makes staged files durable for many goroutines at once (group
// commit): each Commit call waits until its files' contents were made
// durable, the files were given their final names and those names were
// made durable, and the calls that arrive while a sync is running share
// the next one.
//
// The work runs in steps, one sync each: a step names the files whose
// contents the previous step made durable, then one sync makes both
// those names and the contents of the newly arrived files durable (on
// Linux one syncfs of the file system; elsewhere the new files' fsyncs
// issued together and one fsync of each folder). So under steady load
// every sync does two jobs, a file's contents are always durable before
// its name exists (a name that survives a crash leads to whole
// contents), and a commit costs two syncs of latency. The steps run in a
// goroutine of the Committer's own while there is work, so no caller is
// kept committing other callers' files after its own are done.
//
// With OneSync each file is named as soon as its Commit call begins (in
// the caller's goroutine, so concurrent callers link in parallel; on
// Windows in the step, see below) and a step makes the contents and names
// of the requests that arrived durable with its one sync: a commit waits one sync
// instead of two, and every sync covers twice the messages. What that
// gives up is the order: after a crash of the machine (a killed process
// loses nothing) a name may lead to contents that never reached the disk
// (a short or empty file), so a caller that sets OneSync must check, at
// restart, what the steps in flight named. BeforeSync helps it keep that
// check short: it is called in every step after the names and before the
// sync, and the file it returns (a Checkpoint's) is made durable by that
// same sync, so a checkpoint costs no sync of its own. On Windows, which
// renames no open file, a step's files are fsynced and closed before they
// are renamed (the order kept, still one step).
//
// The zero value is ready to use.
type Committer struct {
	OneSync    bool
	BeforeSync func() *os.File

	mu    sync.Mutex
	queue []*commitReq
	busy  bool
}

type commitReq struct {
	files []*Staged
	named bool // OneSync: the caller gave the files their names
	err   error
	done  chan struct{}
}

// nameAll gives the files their final names in order, after checking
// that every one was written whole; on error what is left unnamed is
// removed (a file already named stays, as in a step).
func nameAll(files []*Staged) error {
	err := func() error {
		for _, s := range files {
			if s.err != nil {
				return s.err
			}
		}
		for _, s := range files {
			if err := s.rename(); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		for _, s := range files {
			s.Abort()
		}
	}
	return err
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
	if c.OneSync && !closeBeforeRename {
		// Named here, by the caller, as soon as the file is whole: the
		// links of concurrent callers run in parallel, and the serial step
		// is left with its sync alone.
		if err := nameAll(files); err != nil {
			return err
		}
		req.named = true
	}
	c.mu.Lock()
	c.queue = append(c.queue, req)
	if !c.busy {
		c.busy = true
		go c.run()
	}
	c.mu.Unlock()
	<-req.done
	return req.err
}

// run takes steps until nothing is queued and nothing waits for its name.
func (c *Committer) run() {
	var naming []*commitReq
	for {
		c.mu.Lock()
		arrived := c.queue
		c.queue = nil
		if len(arrived) == 0 && len(naming) == 0 {
			c.busy = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if c.OneSync {
			c.stepOne(arrived)
			continue
		}
		naming = step(naming, arrived, c.beforeSync())
	}
}

func (c *Committer) beforeSync() *os.File {
	if c.BeforeSync == nil {
		return nil
	}
	return c.BeforeSync()
}

// stepOne names the files of arrived and makes their contents and names
// durable with one sync (OneSync), then answers every request.
func (c *Committer) stepOne(arrived []*commitReq) {
	contents := writtenFiles(arrived)
	failed := map[*Staged]error{}
	if closeBeforeRename {
		cerrs, _ := syncStep(contents, nil, nil, nil)
		closeNamed(contents, cerrs, failed)
	}
	var linked []*Staged
	var dirs []string
	seen := map[string]bool{}
	for _, r := range arrived {
		if r.err != nil {
			continue
		}
		for _, s := range r.files {
			if failed[s] != nil {
				break // fsynced but not named: Abort removes it
			}
			if !r.named {
				if err := s.rename(); err != nil {
					r.err = err
					break
				}
			}
			for _, d := range []string{filepath.Dir(s.dest), s.dir} {
				if !seen[d] {
					seen[d] = true
					dirs = append(dirs, d)
				}
			}
			if s.tmp == "" {
				linked = append(linked, s)
			}
		}
	}
	extra := c.beforeSync()
	var nerr error
	if closeBeforeRename {
		_, nerr = syncStep(nil, linked, dirs, extra)
	} else {
		var cerrs []error
		cerrs, nerr = syncStep(contents, linked, dirs, extra)
		closeNamed(contents, cerrs, failed)
	}
	for _, r := range arrived {
		if r.err == nil {
			errs := []error{nerr}
			for _, s := range r.files {
				errs = append(errs, failed[s])
			}
			r.err = errors.Join(errs...)
		}
		answer(r)
	}
}

// writtenFiles fails each request with a write error and returns the
// files of the others.
func writtenFiles(reqs []*commitReq) []*Staged {
	var contents []*Staged
	for _, r := range reqs {
		var werrs []error
		for _, s := range r.files {
			if s.err != nil {
				werrs = append(werrs, s.err)
			}
		}
		if r.err = errors.Join(werrs...); r.err == nil {
			contents = append(contents, r.files...)
		}
	}
	return contents
}

// closeNamed closes the files that have a temporary name (Windows renames
// no open file; an unnamed file stays open to be linked) and records in
// failed each file whose sync (cerrs) or close failed.
func closeNamed(contents []*Staged, cerrs []error, failed map[*Staged]error) {
	for i, s := range contents {
		err := cerrs[i]
		if s.tmp != "" && s.f != nil {
			if cerr := s.f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("atomicfile: close %s: %w", s.tmp, cerr)
			}
			s.f = nil
		}
		if err != nil {
			failed[s] = err
		}
	}
}

// step names the files of naming (their contents are durable), makes
// those names and the contents of arrived durable in one sync, answers
// naming and every request of arrived that failed, and returns the rest
// of arrived: the next step names them.
func step(naming, arrived []*commitReq, extra *os.File) []*commitReq {
	var linked []*Staged // unnamed files given a name
	var dirs []string    // folders whose entries changed
	seen := map[string]bool{}
	addDir := func(d string) {
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	for _, r := range naming {
		for _, s := range r.files {
			if err := s.rename(); err != nil {
				r.err = err
				break
			}
			d := filepath.Dir(s.dest)
			addDir(d)
			if s.tmp == "" {
				linked = append(linked, s)
			} else if s.dir != d {
				addDir(s.dir)
			}
		}
	}
	contents := writtenFiles(arrived)
	cerrs, nerr := syncStep(contents, linked, dirs, extra)
	for _, r := range naming {
		if r.err == nil {
			r.err = nerr
		}
		answer(r)
	}
	failed := map[*Staged]error{}
	// Closed before the rename of the next step (Windows renames no open
	// file).
	closeNamed(contents, cerrs, failed)
	var next []*commitReq
	for _, r := range arrived {
		if r.err == nil {
			var errs []error
			for _, s := range r.files {
				errs = append(errs, failed[s])
			}
			r.err = errors.Join(errs...)
		}
		if r.err != nil {
			answer(r)
			continue
		}
		next = append(next, r)
	}
	return next
}

// answer removes what is left of a request's temporary files (nothing,
// once they are named) and wakes its caller.
func answer(r *commitReq) {
	for _, s := range r.files {
		s.Abort()
	}
	close(r.done)
}

// fsyncEach fsyncs the files concurrently (at most 32 at a time, so the
// file system can journal them in one commit where it can) and returns
// each one's error.
func fsyncEach(files []*Staged) []error {
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, s := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.f.Sync(); err != nil {
				errs[i] = fmt.Errorf("atomicfile: fsync %s: %w", s.name(), err)
			}
		}()
	}
	wg.Wait()
	return errs
}

// rename gives the file its final name: a rename of the temporary name,
// or a link of the unnamed file.
func (s *Staged) rename() error {
	var err error
	switch {
	case s.tmp == "":
		err = linkUnnamed(s.f, s.dest)
	case s.noReplace:
		err = renameNoReplace(s.tmp, s.dest)
	default:
		err = os.Rename(s.tmp, s.dest)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("atomicfile: create %s: %w", s.dest, ErrExist)
		}
		return fmt.Errorf("atomicfile: rename %s to %s: %w", s.name(), s.dest, err)
	}
	s.settled = true
	return nil
}
