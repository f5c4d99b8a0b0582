package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/asciifold"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/selection"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/rules"
)

// outputFlags are --format and --fail-on, shared by commands with a result set.
type outputFlags struct {
	format string
	failOn string

	fmt    report.Format
	failAt model.Class
}

// tableOrJSON is the --format usage of the commands that have no CSV.
const tableOrJSON = "output format: table or json (JSON Lines)"

func (o *outputFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.format, "format", "table", "output format: table, json (JSON Lines) or csv")
	fs.StringVar(&o.failOn, "fail-on", "", "exit 3 when a finding of this class or heavier is present: crash, stall, risk or info")
}

func (o *outputFlags) validate(g *globals) error {
	f, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError(fmt.Errorf("--format: %w", err))
	}
	o.fmt = f
	g.jsonErrors = f == report.JSON
	if o.failOn != "" {
		c, err := model.ParseClass(o.failOn)
		if err != nil || c == model.ClassNone {
			return usageErrorf("--fail-on: want crash, stall, risk or info, got %q", o.failOn)
		}
		o.failAt = c
	}
	return nil
}

// failed reports whether any message has a finding at or above --fail-on.
func (o *outputFlags) failed(ms []*model.Message) bool {
	if o.failAt == model.ClassNone {
		return false
	}
	for _, m := range ms {
		if m.TopClass() >= o.failAt {
			return true
		}
	}
	return false
}

// ruleFlags are --rules FILE and --set KEY=VALUE threshold overrides.
type ruleFlags struct {
	file string
	set  []string
	cfg  *rules.Config
}

func (r *ruleFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&r.file, "rules", "", "rules file (JSON) overriding thresholds, classes or disabling rules")
	fs.StringArrayVar(&r.set, "set", nil, "override one threshold, e.g. --set limit_nesting_levels=50 or --set max_recipients_on_submit=5000")
}

func (r *ruleFlags) validate() error {
	cfg := &rules.Config{}
	if r.file != "" {
		if err := checkSmallFile("--rules", r.file, maxRulesFile); err != nil {
			return err
		}
		c, err := rules.LoadConfig(r.file)
		if err != nil {
			return usageError(fmt.Errorf("--rules: %w", err))
		}
		cfg = c
	}
	for _, kv := range r.set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return usageErrorf("--set %q: want KEY=VALUE", kv)
		}
		if err := cfg.Set(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return usageError(fmt.Errorf("--set: %w", err))
		}
	}
	r.cfg = cfg
	return nil
}

// maxRulesFile bounds a --rules file: the whole catalogue's thresholds,
// classes and switches are a few KiB of JSON, and the file is decoded in
// memory, so /dev/zero or a log given by mistake must be refused, not read.
const maxRulesFile = 1 << 20

// checkSmallFile refuses a FILE flag's value that is not a regular file
// of at most limit bytes (a folder, a device, a FIFO that never ends),
// naming the flag and what it wants.
func checkSmallFile(flag, path string, limit int64) error {
	// Stat first: opening a socket fails with "no such device or
	// address", a FIFO blocks.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return usageErrorf("%s %s: want a file, not a %s", flag, path, readonly.TypeName(fi.Mode()))
	}
	f, err := readonly.Open(path)
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", flag, err))
	}
	size := f.Size()
	f.Close()
	if size > limit {
		return usageErrorf("%s %s: the file is %d bytes; want at most %d (is it the right file?)", flag, path, size, limit)
	}
	return nil
}

// selectFlags are --select, --files-from and --explain.
type selectFlags struct {
	expr      string
	filesFrom string
	explain   bool

	sel *selection.Expr
}

func (s *selectFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.expr, "select", "", "only messages matching EXPR, e.g. 'queue=IN and size>30K' or 'rule=blank-charset or class>=stall'")
	fs.StringVar(&s.filesFrom, "files-from", "", "read more input paths from FILE, one per line ('-' for stdin)")
	fs.BoolVar(&s.explain, "explain", false, "print how --select was read, then go on")
}

func (s *selectFlags) validate() error {
	if s.expr == "" {
		return nil
	}
	e, err := selection.Parse(s.expr)
	if err != nil {
		return usageError(selectError{err})
	}
	s.sel = e
	return nil
}

// selectError is a bad --select expression, said once: "--select: column
// 6: ...", not the package's own "select: " after the flag's name.
type selectError struct{ err error }

func (e selectError) Error() string {
	var pe *selection.ParseError
	if errors.As(e.err, &pe) {
		return fmt.Sprintf("--select: column %d: %s", pe.Col, pe.Msg)
	}
	return "--select: " + e.err.Error()
}

func (e selectError) Unwrap() error { return e.err }

// paths returns the command-line paths plus those of --files-from.
func (s *selectFlags) paths(g *globals, args []string) ([]string, error) {
	out := append([]string(nil), args...)
	if s.filesFrom == "" {
		return out, nil
	}
	var more []string
	var err error
	if s.filesFrom == "-" {
		more, err = selection.FilesFrom(g.stdin)
	} else {
		f, oerr := readonly.Open(s.filesFrom)
		if oerr != nil {
			return nil, usageError(fmt.Errorf("--files-from: %w", oerr))
		}
		more, err = selection.FilesFrom(f)
		f.Close()
	}
	if err != nil {
		return nil, usageError(fmt.Errorf("--files-from: %w", err))
	}
	return append(out, more...), nil
}

// keeps reports whether --select keeps m (no --select keeps all).
func (s *selectFlags) keeps(m *model.Message, now time.Time) bool {
	return s.sel == nil || s.sel.Match(m, now)
}

// inputPaths are the inputs the arguments and --files-from name, checked
// by before (nil: no check) before anything is read: a command refuses an
// output inside the evidence at once, not after scanning 100,000 files.
func inputPaths(g *globals, cmd string, sel *selectFlags, args []string, before func(paths []string) error) ([]string, error) {
	paths, err := sel.paths(g, args)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, usageErrorf("%s: no PATH given", cmd)
	}
	if before != nil {
		if err := before(paths); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// refuseInsideEvidence is the guard for a command's own outputs (--html,
// --journal, --transcript): an output that is an input file or lies in an
// input folder is a usage error (exit 2), found before anything is
// written (package guard).
func refuseInsideEvidence(inputs []string, what, out string) error {
	if out == "" {
		return nil
	}
	if err := guard.New(inputs...).Check(what, out); err != nil {
		return usageError(err)
	}
	return nil
}

// names are the file names and paths --select picks by name (name= and
// path= terms), for replay's "selected by name".
func (s *selectFlags) names() []string {
	if s.sel == nil {
		return nil
	}
	return s.sel.Names()
}

func (s *selectFlags) printExplain(g *globals) {
	if !s.explain || s.sel == nil {
		return
	}
	// Explain gives "reads as: CANONICAL" then the tree, each term with
	// its meaning; the tree says all the canonical form does, so only it
	// is printed: the expression appears once.
	_, tree, _ := strings.Cut(s.sel.Explain(), "\n")
	if strings.Count(strings.TrimRight(tree, "\n"), "\n") == 0 {
		fmt.Fprintf(g.stderr, "--select reads as: %s\n", strings.TrimSpace(tree))
		return
	}
	fmt.Fprintf(g.stderr, "--select reads as:\n%s", tree)
}

// scanInputs runs the inventory over the inputs with a progress line on a
// terminal, skipping evidence files found inside queue folders; every one
// of them that is not also given with --evidence (given) is listed, and
// said not to be used. The messages keep holds (it may slim them) are
// sorted by path.
func scanInputs(ctx context.Context, g *globals, paths, given []string, rf *ruleFlags, jsonOut bool, keep func(*model.Message) bool) ([]*model.Message, error) {
	var ms []*model.Message
	err := scanInputsEach(ctx, g, paths, given, rf, jsonOut, func(m *model.Message) error {
		if keep(m) {
			ms = append(ms, m)
		}
		return nil
	})
	if ctx.Err() == nil {
		model.SortMessagesByPath(ms)
	}
	return ms, err
}

// scanInputsEach is scanInputs as a stream (inventory.ScanEach): fn gets
// each message in walk order, and nothing is kept here.
func scanInputsEach(ctx context.Context, g *globals, paths, given []string, rf *ruleFlags, jsonOut bool, fn func(*model.Message) error) error {
	return scanInputsTuned(ctx, g, paths, given, rf, jsonOut, nil, fn)
}

// scanInputsTuned is scanInputsEach with tune, when not nil, setting more
// of the inventory's options (replay's streamed send keeps the bytes).
func scanInputsTuned(ctx context.Context, g *globals, paths, given []string, rf *ruleFlags, jsonOut bool, tune func(*inventory.Options), fn func(*model.Message) error) error {
	var skipped, skippedDirs, managers []string
	var mu sync.Mutex
	opts := inventory.Options{
		// From the walk's goroutine; read once ScanEach has returned.
		SkippedDir: func(dir string) { skippedDirs = append(skippedDirs, dir) },
		Rules:      rf.cfg,
		Slim:       true,
		Skip: func(path string, head []byte) bool {
			if inventory.FileManagerFile(filepath.Base(path), head) {
				mu.Lock()
				managers = append(managers, path)
				mu.Unlock()
				return true
			}
			if !isEvidenceNotMessage(head) {
				return false
			}
			mu.Lock()
			skipped = append(skipped, path)
			mu.Unlock()
			return true
		},
	}
	if tune != nil {
		tune(&opts)
	}
	var prog *progress
	if g.stderrTTY && !jsonOut {
		prog = newProgress(g.stderr, "scanning", true)
		opts.Progress = prog.update
	}
	err := inventory.ScanEach(ctx, paths, opts, fn)
	if prog != nil {
		prog.done()
	}
	if err != nil && ctx.Err() == nil {
		// The walk may have stopped before the folders it leaves out.
		skipped = append(skipped, evidenceInSkippedDirs(ctx, paths)...)
	} else {
		// The folders the walk left out, without listing every folder
		// again to find them (a second listing of a queue's folders).
		for _, dir := range skippedDirs {
			skipped = append(skipped, evidence.FindFiles(ctx, dir)...)
		}
	}
	if len(managers) > 0 {
		sort.Strings(managers)
		fmt.Fprintf(g.stderr, "imsforensic: %d file(s) among the inputs are Windows' or macOS's own (Thumbs.db, desktop.ini, :Zone.Identifier, .DS_Store, ._ files), not messages; not scanned:\n", len(managers))
		for _, p := range managers {
			fmt.Fprintf(g.stderr, "  %s\n", model.EscapeVisible(p))
		}
	}
	skipped = notGiven(skipped, given)
	if len(skipped) > 0 {
		sort.Strings(skipped)
		fmt.Fprintf(g.stderr, "imsforensic: %d file(s) among the inputs look like evidence (event logs, exports, Dr. Watson, protocol or tracking logs); "+
			"they were not scanned as messages and NOT used as evidence (only files given with --evidence are evidence):\n", len(skipped))
		for _, p := range skipped {
			fmt.Fprintf(g.stderr, "  %s\n", model.EscapeVisible(p))
		}
	}
	return err
}

// notGiven drops from skipped the files that --evidence names (given: its
// files and folders), so that the notice does not call evidence that was
// read "not used". The list is short (the evidence files of one queue).
func notGiven(skipped, given []string) []string {
	if len(given) == 0 {
		return skipped
	}
	type root struct {
		abs string
		fi  os.FileInfo
	}
	var roots []root
	for _, p := range given {
		abs, err := filepath.Abs(p)
		fi, serr := os.Stat(p)
		if err != nil || serr != nil {
			continue // an unreadable --evidence is reported where it is read
		}
		roots = append(roots, root{abs, fi})
	}
	out := skipped[:0:0]
	for _, p := range skipped {
		abs, _ := filepath.Abs(p)
		fi, _ := os.Stat(p)
		used := false
		for _, r := range roots {
			if r.fi.IsDir() {
				rel, err := filepath.Rel(r.abs, abs)
				used = err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
			} else {
				used = fi != nil && os.SameFile(fi, r.fi)
			}
			if used {
				break
			}
		}
		if !used {
			out = append(out, p)
		}
	}
	return out
}

// evidenceInSkippedDirs lists the evidence files in the folders the scan
// does not walk into (Imcdata\Log holds the protocol logs), so that the
// notice names them too.
func evidenceInSkippedDirs(ctx context.Context, paths []string) []string {
	var out []string
	for _, root := range paths {
		if fi, err := os.Stat(root); err == nil && fi.IsDir() {
			out = append(out, evidence.FindIn(ctx, root, inventory.SkipsDir)...)
		}
	}
	return out
}

// isEvidenceNotMessage reports a file found in a queue folder that is an
// evidence file (event log, Dr. Watson log, protocol or tracking log) and
// cannot be a message: no IMS envelope marker and no RFC 822 header
// lines. A forwarded Dr. Watson log in a mail is a message and is kept.
//
// The three tests are a conjunction, so the cheap byte tests run first:
// almost every file of a queue is a spool file or RFC 822 text and never
// reaches evidence.Detect, whose line split and regexps were 13% of
// scan's CPU when it ran first (TestIsEvidenceNotMessageOrderFree).
func isEvidenceNotMessage(head []byte) bool {
	if bytes.Contains(head[:min(len(head), 512)], []byte("ImCr")) || hasMessageHeaderLine(head) {
		return false
	}
	return evidence.Detect(head) != evidence.FormatUnknown
}

// messageHeaderNames are the lowered header names whose presence at the
// start of a line of a head marks a message, not evidence.
var messageHeaderNames = []string{"received:", "from:", "subject:", "message-id:", "date:", "x-sender:", "x-receiver:", "mime-version:", "content-type:"}

// hasMessageHeaderLine reports whether a line of head (the first, or one
// after a LF) starts with one of messageHeaderNames once head is lowered
// by bytes.ToLower. An ASCII head is folded in place, without the lowered
// copy; any other goes through bytes.ToLower itself, whose Unicode
// mapping lowers a few runes into ASCII letters (U+0130 to "i").
func hasMessageHeaderLine(head []byte) bool {
	if !asciifold.IsASCII(head) {
		lower := bytes.ToLower(head)
		for _, h := range messageHeaderNames {
			if bytes.HasPrefix(lower, []byte(h)) || bytes.Contains(lower, []byte("\n"+h)) {
				return true
			}
		}
		return false
	}
	for start := 0; start < len(head); {
		line := head[start:]
		for _, h := range messageHeaderNames {
			if asciifold.HasPrefix(line, h) {
				return true
			}
		}
		i := bytes.IndexByte(line, '\n')
		if i < 0 {
			break
		}
		start += i + 1
	}
	return false
}

// countErrors returns how many messages could not be read.
func countErrors(ms []*model.Message) int {
	n := 0
	for _, m := range ms {
		if m.Error != "" {
			n++
		}
	}
	return n
}

// progress is a progress bar on a terminal's stderr, made only when
// stderr is a terminal and the format is not json (callers check
// g.stderrTTY). It uses schollz/progressbar: rate-limited redraws, the
// count, the rate and the time left, and a bar that fits the terminal;
// done clears the line, so the table that follows starts clean.
type progress struct {
	bar   *progressbar.ProgressBar
	label string
	// growing is a count whose total is still being found (a scan walks
	// and parses at once): a spinner with "done/found", since a bar would
	// reach its end each time the parser catches up with the walk.
	growing bool
}

// newProgress makes a bar for a known total (replay, corpus) or, growing,
// a spinner with the counts (scan).
func newProgress(w io.Writer, label string, growing bool) *progress {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionUseANSICodes(true),
		// No redraw goroutine (the library starts one for a bar of unknown
		// length): it would draw the bar again after done cleared it. The
		// spinner turns at each update instead.
		progressbar.OptionSetSpinnerChangeInterval(0),
	}
	if !growing {
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true))
	}
	return &progress{bar: progressbar.NewOptions(-1, opts...), label: label, growing: growing}
}

// update is called with the work done and the work known so far.
func (p *progress) update(done, total int) {
	if p.growing {
		p.bar.Describe(fmt.Sprintf("%s %d/%d", p.label, done, total))
		_ = p.bar.Add(1) // turns the spinner; drawing errors are not the command's
		return
	}
	if total > 0 && int64(total) != p.bar.GetMax64() {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(min(done, total))
}

// done erases the bar.
func (p *progress) done() {
	_ = p.bar.Clear()
	_ = p.bar.Exit()
}

// selectedInputs is the first step of scan, triage, simulate and bisect:
// the paths of the arguments and --files-from, scanned, and the messages
// --select keeps (filtered with now). walkErr names inputs that could not
// be read, for finishScan (exit 4); err is a usage error or cancellation.
// given are the --evidence paths (nil for commands without it). slim,
// when not nil, is applied to each message kept as it is scanned: what the
// command will not read need not be held for the whole scan (triage.Slim).
func selectedInputs(ctx context.Context, g *globals, cmd string, sel *selectFlags, rf *ruleFlags, jsonOut bool, given, args []string, now time.Time, before func(paths []string) error, slim func(*model.Message)) (paths []string, ms []*model.Message, walkErr, err error) {
	paths, err = inputPaths(g, cmd, sel, args, before)
	if err != nil {
		return nil, nil, nil, err
	}
	sel.printExplain(g)
	// Selected as scanned (the same messages as selecting from the
	// sorted whole, since the sort is stable), so slim can work at once.
	ms, walkErr = scanInputs(ctx, g, paths, given, rf, jsonOut, func(m *model.Message) bool {
		if !sel.keeps(m, now) {
			return false
		}
		if slim != nil {
			slim(m)
		}
		return true
	})
	if walkErr != nil && ctx.Err() != nil {
		return nil, nil, nil, walkErr
	}
	return paths, ms, walkErr, nil
}
