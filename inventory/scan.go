package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// Options control a Scan. The zero value scans with all cores, default
// parse limits and the default rule thresholds.
type Options struct {
	// Workers is the number of files parsed at once. 0 = GOMAXPROCS.
	Workers int
	Parse   *parse.Options
	Rules   *rules.Config
	// Slim drops the per-part details (header fields, MIME tree,
	// excerpts) after the rules ran, keeping findings, envelope, subject
	// and the byte scan: what scan, triage and replay need, in bounded
	// memory for 100,000 files. Show and the HTML report parse again.
	Slim bool
	// Skip is asked about every file found while walking a folder (not
	// files named on the command line) with its first bytes; true leaves
	// the file out (evidence files, say). nil skips nothing.
	Skip func(path string, head []byte) bool
	// Progress, when set, is called after each file (from one goroutine
	// at a time) with the count done and the count found so far.
	Progress func(done, found int)
}

// Scan walks paths and returns one Message per regular file, sorted by
// path. Files that cannot be read are returned with Error set; the error
// result is only for cancellation or a path that does not exist.
func Scan(ctx context.Context, paths []string, opts Options) ([]*model.Message, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan job, workers*4)
	results := make(chan *model.Message, workers*4)
	var walkErr error
	found := 0
	var foundMu sync.Mutex
	go func() {
		defer close(jobs)
		walkErr = walk(ctx, paths, func(j job) bool {
			foundMu.Lock()
			found++
			foundMu.Unlock()
			select {
			case jobs <- j:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				// A skipped file is sent as nil, so progress counts it.
				results <- scanOne(j, opts)
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	var out []*model.Message
	skipped := 0
	for m := range results {
		if m == nil {
			skipped++
		} else {
			out = append(out, m)
		}
		if opts.Progress != nil {
			foundMu.Lock()
			f := found
			foundMu.Unlock()
			opts.Progress(len(out), f-skipped)
		}
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	model.SortMessagesByPath(out)
	return out, walkErr
}

// job is one file to scan.
type job struct {
	path string
	info fs.FileInfo // from Lstat; nil when Lstat failed
	err  error
	// walked: found while walking a folder, so Options.Skip applies.
	walked bool
}

// walk calls fn for every file under paths. It does not follow symbolic
// links below a root (a root that is a link is followed: the admin named it).
func walk(ctx context.Context, paths []string, fn func(job) bool) error {
	var missing []error
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			missing = append(missing, fmt.Errorf("scan %s: %w", root, err))
			continue
		}
		if !info.IsDir() {
			if !fn(job{path: root, info: info}) {
				return ctx.Err()
			}
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				// An unreadable folder: report it as one unreadable entry.
				if !fn(job{path: p, err: err}) {
					return ctx.Err()
				}
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if p != root && skipDir(d.Name()) {
					return fs.SkipDir
				}
				return nil
			}
			if skipName(d.Name()) {
				return nil
			}
			info, ierr := d.Info()
			if !fn(job{path: p, info: info, err: ierr, walked: true}) {
				return ctx.Err()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return errors.Join(missing...)
}

// skipHeadLen is how many leading bytes Options.Skip is shown.
const skipHeadLen = 512

// scanOne parses and checks one file. It returns nil only for a file that
// Options.Skip leaves out.
func scanOne(j job, opts Options) *model.Message {
	m := fileMessage(j.path)
	if j.err != nil {
		m.Error = j.err.Error()
		return m
	}
	if j.info != nil {
		m.ModTime = j.info.ModTime().UTC()
		m.Size = j.info.Size()
		if !j.info.Mode().IsRegular() {
			m.Error = "not a regular file (" + j.info.Mode().Type().String() + "): not read"
			return m
		}
	}
	pm, err := parseForScan(j, opts)
	if pm == nil && err == nil {
		return nil // skipped
	}
	if pm != nil {
		pm.Path, pm.Name, pm.Queue, pm.ModTime = m.Path, m.Name, m.Queue, m.ModTime
		m = pm
	}
	if err != nil {
		m.Error = err.Error()
	}
	rules.Apply(m, opts.Rules)
	if opts.Slim {
		Slim(m)
	}
	return m
}

// parseForScan opens the file of j read-only and parses it, reading every
// byte once: the head that Options.Skip judges is the head the parser
// reads, and the walk's Lstat stands for a second Stat. It returns
// (nil, nil) when Skip leaves the file out.
func parseForScan(j job, opts Options) (*model.Message, error) {
	f, err := readonly.Open(j.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var src io.Reader = f
	listed := int64(-1)
	if j.info != nil {
		// Read no more than the size the walk saw: a file that is still
		// being written (a live IMS, a copy in progress) would otherwise
		// be chased for as long as its writer writes.
		listed = j.info.Size()
		src = io.LimitReader(f, listed)
	}
	r := src
	if j.walked && opts.Skip != nil {
		hb := headBuffers.Get().(*[skipHeadLen]byte)
		defer headBuffers.Put(hb)
		n, rerr := io.ReadFull(src, hb[:])
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("read %s: %w", j.path, rerr)
		}
		if opts.Skip(j.path, hb[:n]) {
			return nil, nil
		}
		r = io.MultiReader(bytes.NewReader(hb[:n]), src)
	}
	m, err := parse.Parse(r, opts.Parse)
	if err != nil {
		return m, fmt.Errorf("parse %s: %w", j.path, err)
	}
	if listed >= 0 && m != nil {
		if err := checkUnchanged(f, j.path, listed, m.Size); err != nil {
			return m, err
		}
	}
	return m, nil
}

// checkUnchanged reports a file whose size changed while it was read: the
// scan then describes bytes that are no longer (all) the file's. It also
// surfaces a read error that only shows past the listed size (a size-0
// special file such as /proc/self/mem).
func checkUnchanged(f io.Reader, path string, listed, read int64) error {
	if read < listed {
		return fmt.Errorf("read %s: changed while read: %d bytes listed, only %d could be read", path, listed, read)
	}
	var one [1]byte
	n, err := f.Read(one[:])
	if n > 0 {
		return fmt.Errorf("read %s: changed while read: grew beyond the %d bytes listed (the first %d were scanned)", path, listed, listed)
	}
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading past the %d bytes listed: %w", listed, err)
	}
	return nil
}

// headBuffers holds the buffers of the heads shown to Options.Skip.
var headBuffers = sync.Pool{New: func() any { return new([skipHeadLen]byte) }}

// ParseFile opens path read-only and parses it. The Message has Path,
// Name and Queue set; it is nil only when the file could not be opened.
func ParseFile(path string, opts *parse.Options) (*model.Message, error) {
	f, err := readonly.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := parse.Parse(f, opts)
	if m != nil {
		base := fileMessage(path)
		m.Path, m.Name, m.Queue = base.Path, base.Name, base.Queue
		if info, serr := f.Stat(); serr == nil {
			m.ModTime = info.ModTime().UTC()
		}
	}
	if err != nil {
		return m, fmt.Errorf("parse %s: %w", path, err)
	}
	return m, nil
}

func fileMessage(path string) *model.Message {
	m := model.NewMessage()
	m.Path, m.Name, m.Queue = path, filepath.Base(path), QueueOf(path)
	return m
}

// Slim drops what only show needs, keeping the top-level header's
// subject and the findings.
func Slim(m *model.Message) {
	m.Parts = nil
	m.Excerpts = nil
	m.Anomalies = nil
}
