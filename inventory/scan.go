package inventory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imsforensic/imsforensic/internal/archive"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// Options control a Scan. The zero value scans with all cores, default
// parse limits and the default rule thresholds.
type Options struct {
	// Workers is the number of files parsed at once. 0 = the default,
	// GOMAXPROCS.
	Workers int
	Parse   *parse.Options
	Rules   *rules.Config
	// Slim drops the per-part details (header fields, MIME tree,
	// excerpts) after the rules ran, keeping findings, envelope, subject
	// and the byte scan: what scan, triage and replay need, in bounded
	// memory for 100,000 files. Show and the HTML report parse again.
	Slim bool
	// KeepBytes, when > 0, keeps in Message.Raw the bytes of each file of
	// at most that many bytes that is one message, read in the parse's
	// own pass: for a consumer that uses them at once (replay's streamed
	// send) instead of opening and reading the file again.
	KeepBytes int64
	// Skip is asked about every file found while walking a folder (not
	// files named on the command line) with its first bytes (valid during
	// the call only); true leaves the file out (evidence files, say). nil
	// skips nothing.
	Skip func(path string, head []byte) bool
	// SkippedDir, when set, is called with each folder the walk leaves
	// out (SkipsDir: Imcdata's Log and Backup folders), from the walk's
	// goroutine, before ScanEach returns; a walk stopped early (an error
	// from fn, a cancelled context) may not reach them all.
	SkippedDir func(path string)
	// Progress, when set, is called after each file (from one goroutine
	// at a time) with the count of files done and found so far (an mbox
	// file of many messages counts once).
	Progress func(done, found int)
}

// Scan walks paths and returns one Message per regular file, sorted by
// path. Files that cannot be read are returned with Error set; the error
// result is only for cancellation or a path that does not exist.
func Scan(ctx context.Context, paths []string, opts Options) ([]*model.Message, error) {
	var out []*model.Message
	err := ScanEach(ctx, paths, opts, func(m *model.Message) error {
		out = append(out, m)
		return nil
	})
	if ctx.Err() != nil {
		return out, err
	}
	model.SortMessagesByPath(out)
	return out, err
}

// ScanEach is Scan as a stream: fn gets every Message in walk order (the
// paths in the order given, each folder's entries by name), the same for
// the same inputs, however many workers parse them. Memory stays bounded
// whatever the file count: the walk lists a file only while fewer than
// windowPerWorker files per worker are in flight or wait for an earlier,
// slower one, and a worker starts a file only while the messages parsed
// and not yet handed to fn hold less than waitingBytes of their files'
// bytes (or when that file is the one fn waits for). An error from fn
// stops the scan and is returned.
//
// The window is wide because a queue's files differ in size by a
// thousand times: with 4 per worker, a worker that met a 1 MB file of
// 32,767 recipients held the others up after 7 small files, and scan on
// two cores ran barely faster than on one.
//
// Files travel in batches: the walk hands the workers up to batchFiles
// consecutive files at a time, and a worker hands back the messages of
// consecutive files in one result, not one channel send, wake-up and map
// entry per file each way. A batch is sent early whenever the workers
// have nothing queued, the walk is about to wait for the window or list
// a folder; a result leaves early when it holds chunkBytes, or before
// its worker waits for the budget.
func ScanEach(ctx context.Context, paths []string, opts Options, fn func(*model.Message) error) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	window := workers * windowPerWorker
	tokens := make(chan struct{}, window) // one per file in flight or waiting
	jobs := make(chan jobBatch, window/batchFiles)
	results := make(chan seqResult, window)
	waiting := newByteBudget(waitingBytes)
	var walkErr error
	var found atomic.Int64
	go func() {
		defer close(jobs)
		seq := 0
		var b jobBatch
		send := func() bool {
			if len(b.jobs) == 0 {
				return true
			}
			select {
			case jobs <- b:
			case <-ctx.Done():
				return false
			}
			b = jobBatch{}
			return true
		}
		walkErr = walk(ctx, paths, func(j job) bool {
			select {
			case tokens <- struct{}{}:
			default:
				// The window is full: what is listed goes to the
				// workers before the walk waits for room.
				if !send() {
					return false
				}
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					return false
				}
			}
			found.Add(1)
			if len(b.jobs) == 0 {
				b = jobBatch{seq: seq, jobs: make([]job, 0, batchFiles)}
			}
			b.jobs = append(b.jobs, j)
			seq++
			if len(b.jobs) == batchFiles {
				return send()
			}
			return true
		}, walkHooks{listing: send, skippedDir: opts.SkippedDir})
		send()
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r seqResult
			var buf readBuffer
			defer buf.folder.Close()
			flush := func() {
				if len(r.files) > 0 {
					results <- r
					// Let the consumer, made runnable by the send, have
					// this core now: while both cores parse, it would
					// wait for one until the window is full, and then
					// both workers wait while it catches up.
					runtime.Gosched()
				}
				r = seqResult{}
			}
			for {
				// Between batches: the file the consumer waits for is in a
				// worker's hands already (batches are taken in order), so
				// the budget frees up.
				waiting.wait(-1)
				b, ok := <-jobs
				if !ok {
					return
				}
				for i, j := range b.jobs {
					seq := b.seq + i
					if waiting.over(seq) {
						// Hand over what is done first: the consumer may
						// be waiting for it.
						flush()
						waiting.wait(seq)
					}
					if len(r.files) == 0 {
						r.seq = seq
					}
					// nil: skipped, still counted. An mbox file gives
					// one Message per message, kept together in walk
					// order.
					var ms []*model.Message
					if ctx.Err() == nil {
						ms = scanOne(j, opts, &buf)
					}
					if buf.rest != nil {
						if r.rests == nil {
							r.rests = map[int]*mboxRest{}
						}
						r.rests[len(r.files)] = buf.rest
						buf.rest = nil
					}
					n := messagesBytes(ms)
					waiting.add(n)
					r.files = append(r.files, ms)
					r.bytes += n
					if r.bytes >= chunkBytes {
						flush()
					}
				}
				flush()
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int]seqResult{}
	next, done, skipped, held := 0, 0, 0, 0
	var fnErr error
	for r := range results {
		pending[r.seq] = r
		held += len(r.files)
		if pendingHook != nil {
			pendingHook(held)
		}
		for {
			res, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			held -= len(res.files)
			next += len(res.files)
			for range res.files {
				<-tokens
			}
			waiting.consumed(res.bytes, next)
			if fnErr != nil || ctx.Err() != nil {
				continue
			}
			for i, ms := range res.files {
				// Progress counts files, as found does: an mbox of many
				// messages is one step.
				if len(ms) == 0 {
					skipped++
				} else {
					done++
				}
				for _, m := range ms {
					if fnErr = fn(m); fnErr != nil {
						cancel()
						break
					}
				}
				if rest := res.rests[i]; rest != nil && fnErr == nil {
					if fnErr = rest.each(ctx, opts.Parse, fn); fnErr != nil {
						cancel()
					}
				}
				if fnErr != nil {
					break
				}
				if opts.Progress != nil {
					opts.Progress(done, int(found.Load())-skipped)
				}
			}
		}
	}
	switch {
	case fnErr != nil:
		return fnErr
	case ctx.Err() != nil:
		if walkErr != nil {
			return walkErr
		}
		return ctx.Err()
	}
	return walkErr
}

// jobBatch is up to batchFiles consecutive files of the walk, the first
// of walk number seq.
type jobBatch struct {
	seq  int
	jobs []job
}

// seqResult is the outcome of consecutive files of the walk, the first of
// walk number seq: per file, its messages (none for a skipped file).
type seqResult struct {
	seq   int
	files [][]*model.Message
	bytes int64 // messagesBytes of them all, held in ScanEach's budget
	// rests: by index in files, the mbox files whose messages past the
	// first mboxEager the consumer parses itself.
	rests map[int]*mboxRest
}

// windowPerWorker and waitingBytes bound what ScanEach holds (see there;
// a variable for the tests).
const windowPerWorker = 64

var waitingBytes int64 = 32 << 20

// batchFiles is how many files the walk hands a worker at once, and
// chunkBytes how many bytes of parsed files a worker gathers before it
// hands them over without waiting for the end of its batch.
const (
	batchFiles = 16
	chunkBytes = 1 << 20
)

// pendingHook, when set (by a test), is told how many files' results wait
// in ScanEach each time a result arrives.
var pendingHook func(int)

// messagesBytes is what a result weighs in ScanEach's budget: its
// messages' sizes in the file.
func messagesBytes(ms []*model.Message) int64 {
	var n int64
	for _, m := range ms {
		n += m.Size
	}
	return n
}

// byteBudget counts the bytes of the files parsed and not yet consumed,
// and which file the consumer waits for; wait blocks while they are over
// the limit, unless the caller is about to parse that very file.
type byteBudget struct {
	mu    sync.Mutex
	cond  sync.Cond
	n     int64
	limit int64
	next  int // the walk number of the file the consumer waits for
}

func newByteBudget(limit int64) *byteBudget {
	b := &byteBudget{limit: limit}
	b.cond.L = &b.mu
	return b
}

// add counts n more bytes parsed.
func (b *byteBudget) add(n int64) {
	b.mu.Lock()
	b.n += n
	b.mu.Unlock()
}

// consumed takes n bytes off as the consumer moves on to file next.
func (b *byteBudget) consumed(n int64, next int) {
	b.mu.Lock()
	b.n -= n
	b.next = next
	b.cond.Broadcast()
	b.mu.Unlock()
}

// over reports whether a worker must wait before it parses file seq
// (-1: a file not yet taken).
func (b *byteBudget) over(seq int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n >= b.limit && b.next != seq
}

// wait blocks until over(seq) is false.
func (b *byteBudget) wait(seq int) {
	b.mu.Lock()
	for b.n >= b.limit && b.next != seq {
		b.cond.Wait()
	}
	b.mu.Unlock()
}

// job is one file to scan.
type job struct {
	path string
	// info is from Lstat (Stat for a path given); nil when that failed or
	// for a listedRegular file, whose information comes from its open.
	info fs.FileInfo
	err  error
	// walked: found while walking a folder, so Options.Skip applies.
	walked bool
	// listedRegular: the folder listing said regular file; no lstat was
	// made.
	listedRegular bool
}

// walk calls fn for every file under paths, each folder's entries sorted
// by name. It does not follow symbolic links below a root (a root that is
// a link is followed: the admin named it). A folder's names are read and
// sorted before its entries are visited, but only names are kept (about
// 30 bytes each: 30 MB for a folder of a million files), not directory
// entries.
func walk(ctx context.Context, paths []string, fn func(job) bool, hooks walkHooks) error {
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
		if err := walkDir(ctx, root, fn, hooks); err != nil {
			return err
		}
	}
	return errors.Join(missing...)
}

// walkHooks are what walk tells besides the files, each optional.
type walkHooks struct {
	// listing is called before each folder is listed: the caller hands on
	// what it holds before the walk spends the listing's time. It returns
	// false to stop.
	listing func() bool
	// skippedDir is told each folder left out (skipDir).
	skippedDir func(path string)
}

// walkDir visits the entries of dir (a folder already judged), depth first.
// The listing's types stand for an lstat of each entry: a regular file
// goes to fn without one (the worker's open and fstat give its size and
// time), a folder is entered; only other types (links, devices, pipes, a
// type the file system did not say) are looked at with lstat, as before.
func walkDir(ctx context.Context, dir string, fn func(job) bool, hooks walkHooks) error {
	if hooks.listing != nil && !hooks.listing() {
		return ctx.Err()
	}
	entries, err := readonly.DirEntries(dir)
	if err != nil {
		// An unreadable folder: report it as one unreadable entry.
		if !fn(job{path: dir, err: err}) {
			return ctx.Err()
		}
		if len(entries) == 0 {
			return nil
		}
	}
	clean := isCleanDir(dir)
	for _, e := range entries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p := joinEntry(dir, clean, e.Name)
		j := job{path: p, walked: true, listedRegular: e.Type.IsRegular()}
		isDir := e.Type.IsDir()
		if !j.listedRegular && !isDir {
			j.info, j.err = os.Lstat(p)
			isDir = j.err == nil && j.info.IsDir()
		}
		if isDir {
			if skipDir(e.Name) {
				if hooks.skippedDir != nil {
					hooks.skippedDir(p)
				}
				continue
			}
			if err := walkDir(ctx, p, fn, hooks); err != nil {
				return err
			}
			continue
		}
		if skipName(e.Name) {
			continue
		}
		if !fn(j) {
			return ctx.Err()
		}
	}
	return nil
}

// isCleanDir reports a folder path that filepath.Join would leave as it
// is before a name: already clean, not "." (Join drops it) and not ending
// in a separator ("/"). Outside Windows only, whose Clean also rewrites
// separators and volume names.
func isCleanDir(dir string) bool {
	return runtime.GOOS != "windows" && dir != "." && dir != "" && dir[len(dir)-1] != '/' && filepath.Clean(dir) == dir
}

// joinEntry is filepath.Join(dir, name) for a name of dir's listing,
// without cleaning the whole path again for each name (0.45% of a
// one-core scan) where dir is clean (isCleanDir) and the name is one
// Join would not change: not empty, ".", "..", and without a separator.
func joinEntry(dir string, clean bool, name string) string {
	if !clean || name == "" || name == "." || name == ".." || strings.IndexByte(name, '/') >= 0 {
		return filepath.Join(dir, name)
	}
	return dir + "/" + name
}

// ArchiveError is the error of a file that is an archive of files (a
// zip, a 7z, a cab ...), as a queue sent by mail or copied off a server
// often is: its bytes are no message, and the files inside it are not
// read. Its record keeps its size and sha256.
type ArchiveError struct {
	Path string
	Kind string // "zip", "7z", "gzip", ...
}

func (e *ArchiveError) Error() string {
	return fmt.Sprintf("%s is a %s archive, not a message: extract a copy of it and scan the folder it gives", e.Path, e.Kind)
}

// skipHeadLen is how many leading bytes Options.Skip is shown.
const skipHeadLen = 512

// scanOne parses and checks one file: one Message, or one per message of
// an mbox file that holds several. It returns nil only for a file that
// Options.Skip leaves out.
func scanOne(j job, opts Options, buf *readBuffer) []*model.Message {
	// The file's own Message is made only when no parsed one stands for
	// it (an error, a file that could not be read): one Message less per
	// file.
	var modTime time.Time
	var size int64
	fileOnly := func(errText string) *model.Message {
		m := fileMessage(j.path)
		m.ModTime, m.Size, m.Error = modTime, size, errText
		return m
	}
	if j.err != nil {
		return []*model.Message{fileOnly(j.err.Error())}
	}
	if j.info != nil {
		modTime, size = j.info.ModTime().UTC(), j.info.Size()
		if !j.info.Mode().IsRegular() {
			return []*model.Message{fileOnly("not a regular file (" + j.info.Mode().Type().String() + "): not read")}
		}
	}
	pms, info, err := parseForScan(j, opts, buf)
	if j.listedRegular {
		if info == nil {
			// Not opened: the record still gives size and time, as the
			// walk's lstat did.
			info, _ = os.Lstat(j.path)
		}
		if info != nil {
			modTime, size = info.ModTime().UTC(), info.Size()
		}
	}
	if pms == nil && err == nil {
		return nil // skipped
	}
	if len(pms) == 0 {
		pms = []*model.Message{fileOnly("")}
	}
	name, queue := filepath.Base(j.path), QueueOf(j.path)
	finish := func(pm *model.Message) {
		pm.Path, pm.Queue, pm.ModTime = j.path, queue, modTime
		pm.Name = name
		if pm.MboxOrdinal > 0 {
			pm.Name = fmt.Sprintf("%s#%d", name, pm.MboxOrdinal)
		}
		if err != nil && pm.Error == "" {
			pm.Error = err.Error()
		}
		if archive := (*ArchiveError)(nil); !errors.As(err, &archive) {
			// An archive's bytes are no message: the rules would
			// only say so in their words (no-message, bare LF, NUL).
			rules.Apply(pm, opts.Rules)
		}
		if opts.Slim {
			Slim(pm)
		}
	}
	for _, pm := range pms {
		finish(pm)
	}
	if buf.rest != nil {
		buf.rest.finish = finish
	}
	return pms
}

// scanReaders hold the per-file read buffers of parseForScan: 64 KiB, so
// that the Peek that tells an mbox reads a whole typical spool file in one
// read (a 4 KiB buffer took a read for its first 4 KiB and one for the
// rest), and pooled, so that no file allocates one.
var scanReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// parseForScan opens the file of j read-only and parses it, reading every
// byte once: the head that Options.Skip judges is the head the parser
// reads, and the walk's Lstat, or for a file the listing called regular
// the open's fstat, stands for a second Stat. It returns the file's
// information at open (nil if it could not be opened), and no messages
// and no error when Skip leaves the file out. An mbox file that holds
// more than one message is read twice (split, then each message parsed)
// and gives one Message per message.
func parseForScan(j job, opts Options, buf *readBuffer) ([]*model.Message, fs.FileInfo, error) {
	f, err := buf.folder.Open(j.path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, _ := f.Stat()
	ms, err := parseOpened(f, j, opts, buf)
	return ms, info, err
}

func parseOpened(f *readonly.File, j job, opts Options, buf *readBuffer) ([]*model.Message, error) {
	if j.info == nil && j.listedRegular && f.Size() <= wholeReadMax {
		return parseWhole(f, j, opts, buf)
	}
	var src io.Reader = f
	listed := int64(-1)
	switch {
	case j.info != nil:
		// Read no more than the size the walk saw: a file that is still
		// being written (a live IMS, a copy in progress) would otherwise
		// be chased for as long as its writer writes.
		listed = j.info.Size()
		src = io.LimitReader(f, listed)
	case j.listedRegular:
		listed = f.Size() // and f reads no further
	}
	var keep *bytes.Buffer
	if opts.KeepBytes > 0 && 0 <= listed && listed <= opts.KeepBytes {
		keep = bytes.NewBuffer(make([]byte, 0, listed))
		src = io.TeeReader(src, keep)
	}
	br := scanReaders.Get().(*bufio.Reader)
	br.Reset(src)
	defer func() { br.Reset(nil); scanReaders.Put(br) }()
	if j.walked && opts.Skip != nil {
		// The head is peeked in the parser's own buffer: the read that
		// fills it takes the whole of a typical spool file, and the
		// parser reads on from there.
		head, rerr := br.Peek(skipHeadLen)
		if rerr != nil && rerr != io.EOF {
			return nil, fmt.Errorf("read %s: %w", j.path, rerr)
		}
		if opts.Skip(j.path, head) {
			return nil, nil
		}
	}
	if head, _ := br.Peek(mboxHeadLen); parse.MboxHead(head) && listed > 0 {
		ms, rest, err := parseMbox(f, j.path, listed, opts.Parse, mboxEager)
		if ms != nil || err != nil {
			buf.rest = rest
			return ms, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read %s: %w", j.path, err)
		}
		br.Reset(io.LimitReader(f, listed))
	}
	head, _ := br.Peek(skipHeadLen)
	archive := archive.Kind(head)
	m, err := parse.Parse(br, opts.Parse)
	if err != nil {
		return []*model.Message{m}, fmt.Errorf("parse %s: %w", j.path, err)
	}
	if archive != "" {
		return []*model.Message{m}, &ArchiveError{Path: j.path, Kind: archive}
	}
	if listed >= 0 && m != nil {
		if err := checkUnchanged(f, j.path, listed, m.Size); err != nil {
			return []*model.Message{m}, err
		}
	}
	if keep != nil && m != nil && int64(keep.Len()) == m.Size {
		m.Raw = keep.Bytes()
	}
	return []*model.Message{m}, nil
}

// wholeReadMax is the largest file parseWhole reads at once: the
// largest spool files of a queue (a message of 32,767 recipients is about
// 1 MB) and not a per-worker buffer that a 1 GiB message would make.
var wholeReadMax int64 = 2 << 20

// readBuffer is a worker's buffer for parseWhole, grown to the largest
// file it read (at most wholeReadMax and the end check's probe). One per
// worker rather than a sync.Pool: a pool is emptied by every collection,
// and each new buffer's pages fault in again (2,500 page faults more per
// 10,000 files than the bufio path with a pool).
type readBuffer struct {
	// folder opens the worker's files relative to their folder's
	// descriptor, kept while the walk's files come from one folder (as
	// readonly.Open would open them, minus the lookup of the folder's
	// path for each).
	folder readonly.Folder
	b      []byte
	r      bytesThen
	// rest: the mbox file just parsed has more than mboxEager messages;
	// the worker hands it over with them.
	rest *mboxRest
}

// parseWhole is parseOpened for a file the listing called regular and
// whose size at open is at most wholeReadMax: the whole file is read with
// one positioned read (readonly.File.ReadAll, the end check included)
// into a pooled buffer, and the Skip head, the mbox test and the parse
// all read that buffer. The bytes and the error parse meets, and those
// Skip is shown, are those parseOpened's buffered reads of the file
// gave: the end check's error after the last byte, or at the head for a
// file shorter than the head.
func parseWhole(f *readonly.File, j job, opts Options, buf *readBuffer) ([]*model.Message, error) {
	listed := f.Size()
	keep := opts.KeepBytes > 0 && listed <= opts.KeepBytes
	var data []byte
	var rerr error
	if keep {
		// Message.Raw owns its bytes: a buffer of its own.
		data, rerr = f.ReadAll(nil)
	} else {
		data, rerr = f.ReadAll(buf.b)
		buf.b = data[:0]
	}
	if j.walked && opts.Skip != nil {
		head := data[:min(len(data), skipHeadLen)]
		if rerr != nil && len(head) < skipHeadLen {
			return nil, fmt.Errorf("read %s: %w", j.path, rerr)
		}
		if opts.Skip(j.path, head) {
			return nil, nil
		}
	}
	if parse.MboxHead(data[:min(len(data), mboxHeadLen)]) && listed > 0 {
		ms, rest, err := parseMbox(f, j.path, listed, opts.Parse, mboxEager)
		if ms != nil || err != nil {
			buf.rest = rest
			return ms, err
		}
	}
	buf.r = bytesThen{data, rerr}
	m, err := parse.Parse(&buf.r, opts.Parse)
	buf.r = bytesThen{}
	if err != nil {
		return []*model.Message{m}, fmt.Errorf("parse %s: %w", j.path, err)
	}
	if kind := archive.Kind(data[:min(len(data), skipHeadLen)]); kind != "" {
		return []*model.Message{m}, &ArchiveError{Path: j.path, Kind: kind}
	}
	if m != nil {
		if err := checkUnchanged(f, j.path, listed, m.Size); err != nil {
			return []*model.Message{m}, err
		}
	}
	if keep && m != nil && int64(len(data)) == m.Size {
		m.Raw = data
	}
	return []*model.Message{m}, nil
}

// bytesThen reads b, then returns err (io.EOF when nil): a file read
// whole, as its reader would have delivered it.
type bytesThen struct {
	b   []byte
	err error
}

// WholeBytes gives parse the bytes and the error after them at once
// (parse.WholeReader): the parser reads them in place, with no copy into
// a buffer of its own.
func (r *bytesThen) WholeBytes() ([]byte, error) {
	b := r.b
	r.b = nil
	return b, r.err
}

func (r *bytesThen) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// mboxHeadLen is how many leading bytes tell an mbox file (parse.MboxHead:
// a "From " line after at most a byte-order mark and empty lines).
const mboxHeadLen = 64

// mboxEager is how many messages of an mbox file the worker that meets it
// parses; ScanEach's consumer parses the rest itself, one at a time, in
// turn (mboxRest.each), so that an mbox file is never held whole: one of
// 300,000 small messages (13 MB) held them all, 610 MiB, and took 12.7 s
// (its collections scanned a heap that only grew). A variable for the
// tests.
var mboxEager = 1000

// mboxRest is what a worker leaves of an mbox file to ScanEach's
// consumer: its messages from file offset off on, the first of them
// number ordinal.
type mboxRest struct {
	path        string
	off, listed int64
	ordinal     int
	finish      func(*model.Message) // scanOne's work on each message of the file
}

// each parses the messages of r in order and hands each to fn. A file
// that cannot be opened again, or a read that fails, is told in one more
// Message of the file.
func (r *mboxRest) each(ctx context.Context, opts *parse.Options, fn func(*model.Message) error) error {
	fail := func(err error) error {
		m := fileMessage(r.path)
		m.Error = fmt.Sprintf("parse %s from message %d on: %v", r.path, r.ordinal, err)
		r.finish(m)
		return fn(m)
	}
	f, err := readonly.Open(r.path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	var fnErr error
	err = parse.EachMbox(io.NewSectionReader(f, r.off, r.listed-r.off), func(p parse.MboxMessage) bool {
		if ctx.Err() != nil {
			return false
		}
		p.Ordinal += r.ordinal - 1
		p.Shift(r.off)
		m, err := parseMboxPart(f, r.path, p, opts)
		if m == nil {
			m = fileMessage(r.path)
			m.MboxOrdinal, m.FileOffset, m.Error = p.Ordinal, p.Offset, err.Error()
		}
		r.finish(m)
		fnErr = fn(m)
		return fnErr == nil
	})
	if fnErr != nil || err == nil {
		return fnErr
	}
	return fail(err)
}

// parseMbox splits an mbox file of listed bytes and parses each message
// at its file offset, up to eager messages; with more, the rest is
// returned for the caller to parse (mboxRest). It returns nil, nil, nil
// for an mbox of one message, which is read as one file.
func parseMbox(f io.ReaderAt, path string, listed int64, opts *parse.Options, eager int) ([]*model.Message, *mboxRest, error) {
	var out []*model.Message
	var rest *mboxRest
	var perr error
	// A message is parsed once the next one is found: an mbox of one
	// message is not parsed twice.
	var prev parse.MboxMessage
	take := func(p parse.MboxMessage) bool {
		if len(out) == eager {
			rest = &mboxRest{path: path, off: p.Offset, listed: listed, ordinal: p.Ordinal}
			return false
		}
		m, err := parseMboxPart(f, path, p, opts)
		if m == nil {
			perr = err
			return false
		}
		out = append(out, m)
		return true
	}
	err := parse.EachMbox(io.NewSectionReader(f, 0, listed), func(p parse.MboxMessage) bool {
		if prev.Ordinal > 0 && !take(prev) {
			return false
		}
		prev = p
		return true
	})
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if perr != nil || rest != nil {
		return out, rest, perr
	}
	if readWhole(prev) {
		return nil, nil, nil
	}
	take(prev)
	return out, rest, perr
}

// parseMboxPart parses message p of an mbox file at its file offset; the
// Message is nil only when parse gave none.
func parseMboxPart(f io.ReaderAt, path string, p parse.MboxMessage, opts *parse.Options) (*model.Message, error) {
	m, err := parse.ParseAt(io.NewSectionReader(f, p.Offset, p.Length), p.Offset, opts)
	if m == nil {
		return nil, fmt.Errorf("parse %s message %d: %w", path, p.Ordinal, err)
	}
	m.MboxOrdinal, m.FileOffset = p.Ordinal, p.Offset
	if err != nil {
		m.Error = fmt.Sprintf("parse %s message %d: %v", path, p.Ordinal, err)
	}
	mboxSplitAnomalies(m, f, p)
	return m, nil
}

// readWhole reports whether an mbox file whose last message is last is
// read as one file: it holds one message, from its first byte, and the
// split has nothing to say of it.
func readWhole(last parse.MboxMessage) bool {
	return last.Ordinal < 2 && last.Offset == 0 && last.LengthNote() == ""
}

// mboxSplitAnomalies records on m what the split of its mbox file says of
// message p (rules mbox-content-length and mbox-prologue report them),
// each with its evidence: the Content-Length field, the prologue's bytes.
func mboxSplitAnomalies(m *model.Message, f io.ReaderAt, p parse.MboxMessage) {
	excerpt := func(off int64, b []byte) {
		if _, ok := m.Excerpts[off]; !ok {
			if m.Excerpts == nil {
				m.Excerpts = map[int64]model.Text{}
			}
			m.Excerpts[off] = model.Text(b)
		}
	}
	if note := p.LengthNote(); note != "" {
		m.Anomalies = append(m.Anomalies, model.Anomaly{Code: model.AnomMboxContentLength, Offset: p.LengthOffset, Detail: note})
		excerpt(p.LengthOffset, p.LengthField)
	}
	if p.Prologue > 0 {
		head := make([]byte, min(p.Prologue, 64))
		n, _ := f.ReadAt(head, p.Offset-p.Prologue)
		what := "empty lines"
		switch {
		case bytes.Equal(head[:n], []byte("\xEF\xBB\xBF")):
			what = "a UTF-8 byte-order mark"
		case bytes.HasPrefix(head[:n], []byte("\xEF\xBB\xBF")):
			what = "a UTF-8 byte-order mark and empty lines"
		}
		m.Anomalies = append(m.Anomalies, model.Anomaly{Code: model.AnomMboxPrologue, Offset: p.Offset - p.Prologue,
			Detail: fmt.Sprintf("%d bytes before the first From line (%s): part of no message, left out of message 1", p.Prologue, what)})
		excerpt(p.Offset-p.Prologue, head[:n])
	}
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

// ParseFile opens path read-only and parses it. The Message has Path,
// Name and Queue set; it is nil only when the file could not be opened.
// A path of the form FILE#N that is not itself a file names message N of
// the mbox FILE (the Name scan gives it): that message alone is parsed.
func ParseFile(path string, opts *parse.Options) (*model.Message, error) {
	if file, n, ok := mboxRef(path); ok {
		return parseMboxMessage(file, n, opts)
	}
	f, err := readonly.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if splitOne(f) {
		f.Close()
		return parseMboxMessage(path, 1, opts) // as scan names it: FILE#1
	}
	head := make([]byte, skipHeadLen)
	n, _ := f.ReadAt(head, 0)
	archive := archive.Kind(head[:n])
	m, err := parse.Parse(f, opts)
	if err == nil && archive != "" {
		err = &ArchiveError{Path: path, Kind: archive}
	}
	if m != nil {
		base := fileMessage(path)
		m.Path, m.Name, m.Queue = base.Path, base.Name, base.Queue
		if info, serr := f.Stat(); serr == nil {
			m.ModTime = info.ModTime().UTC()
		}
	}
	var ae *ArchiveError
	if err != nil && !errors.As(err, &ae) {
		return m, fmt.Errorf("parse %s: %w", path, err)
	}
	return m, err
}

// mboxRef splits "FILE#N" when no file has that very name and FILE does.
func mboxRef(path string) (string, int, bool) {
	i := strings.LastIndexByte(path, '#')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(path[i+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	if _, err := os.Lstat(path); err == nil {
		return "", 0, false
	}
	if _, err := os.Stat(path[:i]); err != nil {
		return "", 0, false
	}
	return path[:i], n, true
}

// splitOne reports an mbox file of one message that scan does not read as
// one file (readWhole): after a byte-order mark or empty lines, or with
// a Content-Length the split tells of.
func splitOne(f *readonly.File) bool {
	head := make([]byte, mboxHeadLen)
	n, _ := f.ReadAt(head, 0)
	if !parse.MboxHead(head[:n]) {
		return false
	}
	var first parse.MboxMessage
	count := 0
	err := parse.EachMbox(io.NewSectionReader(f, 0, f.Size()), func(p parse.MboxMessage) bool {
		count, first = p.Ordinal, p
		return p.Ordinal < 2
	})
	return err == nil && count == 1 && !readWhole(first)
}

// MboxMessages is how many messages the mbox file at path holds, as scan
// splits it: 0 for a file that is not an mbox (or cannot be opened). The
// file is read once, in order, with bounded memory.
func MboxMessages(path string) (int, error) {
	f, err := readonly.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, mboxHeadLen)
	n, _ := f.ReadAt(head, 0)
	if !parse.MboxHead(head[:n]) {
		return 0, nil
	}
	count := 0
	err = parse.EachMbox(io.NewSectionReader(f, 0, f.Size()), func(p parse.MboxMessage) bool {
		count = p.Ordinal
		return true
	})
	return count, err
}

// parseMboxMessage parses message n of the mbox file, and only that one:
// the split goes on just far enough to know the file holds more than one.
func parseMboxMessage(file string, n int, opts *parse.Options) (*model.Message, error) {
	f, err := readonly.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var part parse.MboxMessage
	count := 0
	err = parse.EachMbox(io.NewSectionReader(f, 0, f.Size()), func(p parse.MboxMessage) bool {
		count = p.Ordinal
		if p.Ordinal == n {
			part = p
		}
		return p.Ordinal <= n
	})
	if err != nil && part.Ordinal == 0 {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	if count < 2 && n == 1 && readWhole(part) {
		f.Close()
		return ParseFile(file, opts) // an mbox of one message is read as one file
	}
	if part.Ordinal == 0 {
		return nil, fmt.Errorf("parse %s: no message %d (the file holds %d)", file, n, max(1, count))
	}
	m, err := parseMboxPart(f, file, part, opts)
	if m == nil {
		return nil, err
	}
	base := fileMessage(file)
	m.Path, m.Queue, m.ModTime = base.Path, base.Queue, f.ModTime().UTC()
	m.Name = fmt.Sprintf("%s#%d", base.Name, n)
	if m.Error != "" {
		return m, errors.New(m.Error)
	}
	return m, nil
}

func fileMessage(path string) *model.Message {
	m := model.NewMessage()
	m.Path, m.Name, m.Queue = path, filepath.Base(path), QueueOf(path)
	return m
}

// Slim drops what only show needs, keeping the top-level header's
// subject and the findings. The parts' storage goes back to parse for the
// next file (parse.Recycle): nothing may hold m.Parts, a part or its
// Header past Slim.
func Slim(m *model.Message) {
	parse.Recycle(m) // m.Parts = nil, their storage kept for the next parse
	m.Excerpts = nil
	m.Anomalies = nil
}
