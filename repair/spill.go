package repair

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
)

// memLimit is the largest input (or mbox message) read whole: smaller
// ones are repaired in memory as they always were, bigger ones through a
// window of the file with their versions spilled to temporary files.
// A variable for the tests, which force the file-backed path.
var memLimit int64 = 4 << 20

// spill makes the temporary files that hold the versions of a file-backed
// repair, in one folder outside the evidence (next to the copy). Where
// the system has unnamed files (Linux O_TMPFILE) they vanish with their
// descriptor, so not even SIGKILL leaves one behind; elsewhere they are
// atomicfile's named temporaries (".imsf-*.tmp"), removed by release and
// by cleanup on every way out, and recognised by atomicfile.RemoveTemps.
type spill struct {
	dir func() (string, error) // made on first use
	mu  sync.Mutex
	st  []*atomicfile.Staged
	// window is the read window of the spilled versions (tests: tiny).
	window int
	// stop, when set, is asked between windows of a version written.
	stop func() error
	// named: atomicfile's named temporaries even where unnamed files
	// exist (the tests of their removal).
	named bool
}

func (sp *spill) create() (*atomicfile.Staged, error) {
	if sp == nil {
		return nil, fmt.Errorf("repair: a file-backed version with nowhere to spill")
	}
	dir, err := sp.dir()
	if err != nil {
		return nil, err
	}
	st, err := atomicfile.Stage(dir, atomicfile.Options{NoReplace: !sp.named, Perm: 0o600})
	if err != nil {
		return nil, fmt.Errorf("repair: temporary file for a version: %w", err)
	}
	sp.mu.Lock()
	sp.st = append(sp.st, st)
	sp.mu.Unlock()
	return st, nil
}

// cleanup removes every temporary file still there.
func (sp *spill) cleanup() {
	if sp == nil {
		return
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, st := range sp.st {
		st.Abort()
	}
	sp.st = nil
}

// writeError is a failure to write a version: an error of the run, not a
// reason a fix does not apply.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// version is a new version being written: in memory when its source is,
// else into a spilled file.
type version struct {
	buf    *bytes.Buffer
	st     *atomicfile.Staged
	window int
	stop   func() error
}

func newVersion(src *text, sp *spill) (*version, error) {
	if src.inMemory() {
		return &version{buf: &bytes.Buffer{}}, nil
	}
	st, err := sp.create()
	if err != nil {
		return nil, &writeError{err}
	}
	return &version{st: st, window: src.size, stop: sp.stop}, nil
}

func (v *version) write(p []byte) error {
	if v.buf != nil {
		v.buf.Write(p)
		return nil
	}
	if _, err := v.st.Write(p); err != nil {
		return &writeError{fmt.Errorf("repair: spill: %w", err)}
	}
	return nil
}

// copy appends the bytes a..b of src.
func (v *version) copy(src *text, a, b int64) error {
	if v.buf != nil {
		v.buf.Write(src.Span(a, b))
		return nil
	}
	var werr error
	src.each(a, b, func(p []byte) bool {
		if v.stop != nil {
			if err := v.stop(); err != nil {
				werr = &writeError{err}
				return false
			}
		}
		werr = v.write(p)
		return werr == nil
	})
	if werr != nil {
		return werr
	}
	if err := src.Err(); err != nil {
		return err
	}
	return nil
}

func (v *version) abort() {
	if v.st != nil {
		v.st.Abort()
	}
}

// text is the version written.
func (v *version) text() *text {
	if v.buf != nil {
		return memText(v.buf.Bytes())
	}
	ra, _ := v.st.Reader().(io.ReaderAt)
	t := fileText(ra, 0, v.st.Size(), v.window)
	t.st = v.st
	return t
}

// release removes a spilled version's file (nothing for the others).
func (t *text) release() {
	if t != nil && t.st != nil {
		t.st.Abort()
	}
}
