package replay

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// msgState is what the journal says about one source file.
type msgState int

const (
	stateNone    msgState = iota
	stateBegun            // begin without done: interrupted
	stateWritten          // done ok (and not undone)
	// stateRefused: a delivery that was begun ended refused, typically
	// because an interrupted run left its outcome unknown (Pickup or the
	// Replay folder may have taken the file, the SMTP server may have
	// accepted it). It stays refused in every later run of the same
	// journal: re-planning it would write or send it a second time.
	stateRefused
)

// journalState is the journal read back: its header, every record in
// order, and per entry key (entryKey: source path and sha256_before) the
// last state.
type journalState struct {
	header    *model.JournalHeader
	records   []model.ReplayRecord
	state     map[string]msgState
	begins    map[string]model.ReplayRecord
	refused   map[string]model.ReplayRecord // the done record of stateRefused
	lastBegin map[string]string             // source key -> entry key of its last begin
	destKey   map[string]string             // dest -> entry key of the write that made it
	target    string                        // the header's target, or the first record's
	// noRecords: records are not kept, only the state they make (the
	// other journals of a server, read for what they delivered).
	noRecords bool
}

func newJournalState() *journalState {
	return &journalState{
		state: map[string]msgState{}, begins: map[string]model.ReplayRecord{}, refused: map[string]model.ReplayRecord{},
		lastBegin: map[string]string{}, destKey: map[string]string{},
	}
}

// entryKey identifies one source file with one content across runs: the
// same path with other bytes (a file changed or replaced since) is a new
// entry, planned again under the collision rules, never "already written".
func entryKey(path, sha string) string { return sourceKey(path) + "\x00" + sha }

// sourceKey identifies a source file across runs: the absolute, cleaned
// path, case-folded on Windows where names are case-insensitive.
func sourceKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	path = filepath.Clean(path)
	if runtime.GOOS == "windows" {
		path = strings.ToLower(path)
	}
	return path
}

// readJournal reads a journal. Lines that are neither the header nor a
// replay record (torn by a crash, or damaged) are skipped; with repair
// (only ever while holding the journal's lock, so that two runs cannot
// both rewrite it) they are appended to "<path>.broken" and the journal is
// rewritten atomically without them; nothing is ever deleted. A missing
// journal is an empty one.
// ErrNotJournal is an existing file given as a journal (--journal,
// --undo) that is not one: a spool file, a note, a log. Nothing is written
// next to it or into it: a journal's repair rewrites the file without the
// lines it cannot read, which for any other file is its content.
var ErrNotJournal = errors.New("not a replay journal")

// journalLinePrefixes start a journal's first line: the header, or a
// replay record (a journal whose header was lost still resumes). A line
// torn by a kill mid-write still starts so.
var journalLinePrefixes = []string{`{"type":"` + string(model.TypeJournal) + `"`, `{"type":"` + string(model.TypeReplay) + `"`}

// checkJournal refuses an existing path that is not a replay journal: a
// folder or device, or a file whose first line is not the journal's header
// or one of its records.
// It only reads, and runs before the lock is taken beside the file or a
// repair rewrites it. A missing or empty file is a new journal.
func checkJournal(path string) error {
	// Stat first: opening a socket or a FIFO fails or blocks.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("replay: journal %s: %w: not a regular file", path, ErrNotJournal)
	}
	f, err := readonly.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("replay: journal %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("replay: journal %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("replay: journal %s: %w: not a regular file", path, ErrNotJournal)
	}
	// The first line, up to 64 KiB (a record with a long path), parsed
	// as JSON: a journal written by another encoder (keys in another
	// order) is still one.
	br := bufio.NewReader(io.LimitReader(f, 64<<10))
	var first []byte
	for len(first) == 0 {
		line, err := br.ReadBytes('\n')
		first = bytes.TrimSpace(line)
		if err != nil {
			break
		}
	}
	if len(first) == 0 {
		return nil // empty, or blank lines only: a new journal
	}
	var probe struct {
		Type model.RecordType `json:"type"`
	}
	ok := json.Unmarshal(first, &probe) == nil && (probe.Type == model.TypeJournal || probe.Type == model.TypeReplay)
	for _, p := range journalLinePrefixes {
		ok = ok || bytes.HasPrefix(first, []byte(p))
	}
	if !ok {
		return fmt.Errorf("replay: journal %s: %w (its first line is neither a journal header nor a replay record); nothing was changed: give the journal a replay wrote, or a new file name", path, ErrNotJournal)
	}
	return nil
}

func readJournal(path string, repair bool) (*journalState, error) {
	js := newJournalState()
	data, err := readonly.ReadFile(path, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return js, nil
	}
	if errors.Is(err, readonly.ErrChanged) && !repair {
		err = nil // a dry run reading a journal that a running replay appends to
	}
	if err != nil {
		return nil, fmt.Errorf("replay: read journal %s: %w", path, err)
	}
	var good, broken bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !js.addLine(line) {
			broken.Write(line)
			broken.WriteByte('\n')
			continue
		}
		good.Write(line)
		good.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: read journal %s: %w", path, err)
	}
	if repair && (broken.Len() > 0 || (len(data) > 0 && data[len(data)-1] != '\n')) {
		// The broken lines are saved first: a crash between the two steps
		// leaves them in both files, never in neither.
		if broken.Len() > 0 {
			if err := appendRaw(path+".broken", broken.Bytes()); err != nil {
				return nil, err
			}
		}
		if _, _, err := atomicfile.WriteFile(path, &good, 0o644); err != nil {
			return nil, fmt.Errorf("replay: rewrite journal %s without its broken lines: %w", path, err)
		}
	}
	return js, nil
}

// addLine adds one journal line; false when it is neither the header (as
// the first line) nor a replay record.
func (js *journalState) addLine(line []byte) bool {
	if bytes.HasPrefix(line, []byte(`{"type":"replay",`)) {
		// A record as this program writes it, its type first: decoded
		// once, by the record's own decoder. json.Unmarshal of a probe and
		// then of the record validated and decoded each line three times,
		// which made resuming a journal of 100,000 messages take seconds.
		var rec model.ReplayRecord
		if rec.UnmarshalJSON(line) != nil || rec.Type != model.TypeReplay {
			return false
		}
		js.add(rec)
		return true
	}
	var probe struct {
		Type model.RecordType `json:"type"`
	}
	if json.Unmarshal(line, &probe) != nil {
		return false
	}
	switch probe.Type {
	case model.TypeJournal:
		var h model.JournalHeader
		if js.header != nil || len(js.records) > 0 || json.Unmarshal(line, &h) != nil {
			return false
		}
		js.header = &h
		js.target = h.Target
		return true
	case model.TypeReplay:
		var rec model.ReplayRecord
		if json.Unmarshal(line, &rec) != nil {
			return false
		}
		js.add(rec)
		return true
	}
	return false
}

func appendRaw(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("replay: open %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("replay: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("replay: fsync %s: %w", path, err)
	}
	return f.Close()
}

func (js *journalState) add(rec model.ReplayRecord) {
	if !js.noRecords {
		js.records = append(js.records, rec)
	}
	if js.target == "" && rec.Target != "" {
		js.target = rec.Target
	}
	if rec.Path == "" {
		return
	}
	delivery := rec.Action == model.ActionWrite || rec.Action == model.ActionSend
	switch {
	case rec.Result == model.ResultBegin:
		k := entryKey(rec.Path, rec.SHA256Before)
		js.lastBegin[sourceKey(rec.Path)] = k
		js.state[k] = stateBegun
		js.begins[k] = rec
	case delivery && rec.Result == model.ResultOK:
		k := js.doneKey(rec)
		js.state[k] = stateWritten
		if rec.Dest != "" {
			js.destKey[rec.Dest] = k
		}
	case delivery && rec.Result == model.ResultRefused:
		k := js.doneKey(rec)
		js.state[k] = stateRefused
		js.refused[k] = rec
	case delivery:
		// A done record that is not ok closes the begin: nothing to resume.
		js.state[js.doneKey(rec)] = stateNone
	case rec.Action == model.ActionUndo && rec.Result == model.ResultOK:
		if k, ok := js.destKey[rec.Dest]; ok {
			js.state[k] = stateNone
		}
	}
}

// doneKey is the entry a done record closes: its own (path, sha256_before)
// when that entry was begun, else the last begin of the same path (a
// converting target records the sha256 of what it read, which may differ
// from the file's).
func (js *journalState) doneKey(rec model.ReplayRecord) string {
	k := entryKey(rec.Path, rec.SHA256Before)
	if _, ok := js.state[k]; ok {
		return k
	}
	if b, ok := js.lastBegin[sourceKey(rec.Path)]; ok {
		return b
	}
	return k
}

// DefaultJournalPath is where a replay journal goes when --journal is not
// given: the per-user state folder (StateDir), never the current folder
// nor beside the target, where nobody looks and where the evidence may
// be. The name is made from the target and the sources (each made
// absolute), so the same replay run again finds its journal and resumes,
// and two replays of the same sources into the same target share one
// (and its lock). An smtp:// target is named by its host, normalised
// (case, a trailing dot, an address's form, the default port; not the
// URL's parameters), or as the loopback and its port when every address
// is loopback; the same server under another name has another journal,
// which Run finds by its addresses (checkOtherSpellings).
func DefaultJournalPath(t Target, sources []string) (string, error) {
	dir, err := StateDir()
	if err != nil {
		return "", err
	}
	spelled := journalPathIn(dir, t.String(), slug(t), sources)
	st, ok := t.(*SMTPTarget)
	if !ok {
		return spelled, nil
	}
	// A journal an earlier version named from the URL as written is still
	// resumed.
	if _, err := os.Stat(spelled); err == nil {
		return spelled, nil
	}
	id := st.identity()
	port := strconv.Itoa(int(id.port))
	if id.loopback() {
		// The lab sink under any spelling (localhost, 127.0.0.1, [::1])
		// has one journal.
		return journalPathIn(dir, "smtp-loopback:"+port, "smtp-loopback-"+slugName(port), sources), nil
	}
	return journalPathIn(dir, "smtp-host:"+id.host+":"+port, slugName("smtp-"+id.host+"-"+port), sources), nil
}

// journalPathIn is the journal in dir of a target known as id, with tag
// in its name for people, and of sources: a hash of both.
func journalPathIn(dir, id, tag string, sources []string) string {
	keys := make([]string, len(sources))
	for i, s := range sources {
		keys[i] = sourceKey(s)
	}
	sort.Strings(keys)
	h := sha256.New()
	h.Write([]byte(id))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	return filepath.Join(dir, "replay-"+tag+"-"+hex.EncodeToString(h.Sum(nil))[:12]+".jsonl")
}

// journalIdentity is the server a journal's target names: its host and
// port, with the addresses its header recorded (or, for a journal written
// before headers recorded them, those its host resolves to now, with r).
// ok is false for a target that is no smtp:// URL.
func journalIdentity(target string, recorded []string, r Resolver) (smtpIdentity, bool) {
	host, port, ok := smtpHostPort(target)
	if !ok {
		return smtpIdentity{}, false
	}
	if len(recorded) > 0 {
		return identityFromAddrs(host, port, recorded), true
	}
	return resolveSMTP(context.Background(), r, host, port), true
}

// sameTarget reports whether the journal js records replays to the target
// t: the same name, or for smtp:// the same host and port under another
// spelling, the loopback on the same port, or a host that reached one of
// the addresses t resolves to.
func sameTarget(js *journalState, t Target) bool {
	if js.target == t.String() {
		return true
	}
	st, ok := t.(*SMTPTarget)
	if !ok {
		return false
	}
	host, port, ok := smtpHostPort(js.target)
	if !ok {
		return false
	}
	id := st.identity()
	if host == id.host && port == id.port {
		return true
	}
	var recorded []string
	if js.header != nil {
		recorded = js.header.Addresses
	}
	other, _ := journalIdentity(js.target, recorded, st.opts.Resolver)
	return id.shared(other) != ""
}

// ErrOtherSpelling is returned when a replay into an smtp:// target would
// start a new default journal while a journal of the same sources, in the
// same state folder, reached the same server under another name
// (mail.corp.example, then 10.0.0.5): starting from zero would send every
// message that journal sent again. The error names that journal, both
// targets and the address they share, and says how to go on: --journal
// that journal to resume it (Options.JournalPath), or --send-again
// (Options.SendAgain) to send the messages again on purpose.
var ErrOtherSpelling = errors.New("replay: these sources were replayed to this server under another name")

// checkOtherSpellings looks, before a new default journal own starts, for
// the journals of the state folder that record a replay of the same
// sources to the server t is (an address in common, by the addresses
// their headers recorded or, for a journal written before headers did,
// those its host resolves to now) under another name. Journals with
// nothing after their header sent nothing and are passed over. Only
// smtp:// targets are checked: a folder target's journal and lock already
// follow its folder under any spelling.
func checkOtherSpellings(t Target, sources []string, own string) error {
	st, ok := t.(*SMTPTarget)
	if !ok {
		return nil
	}
	paths, err := filepath.Glob(filepath.Join(filepath.Dir(own), "replay-smtp*.jsonl"))
	if err != nil {
		return nil // the pattern is fixed: Glob fails only on a bad one
	}
	want := sourceSet(sources)
	id := st.identity()
	resolved := map[string]smtpIdentity{} // old journals' hosts, looked up once
	for _, p := range paths {
		if p == own {
			continue
		}
		h, used := readJournalHeader(p)
		if h == nil || !used || sourceSet(h.Sources) != want {
			continue
		}
		other, ok := identityFromHeader(h, st.opts.Resolver, resolved)
		if !ok {
			continue
		}
		if k := id.shared(other); k != "" {
			return fmt.Errorf("%w: %s records a replay of the same sources to %s, which reached %s, as %s does now; a new journal would send every message it sent again. To resume that replay, give --journal %s; to send them again on purpose, give --send-again",
				ErrOtherSpelling, p, h.Target, describeKey(k), t.String(), p)
		}
	}
	return nil
}

// identityFromHeader is the server a journal header names, its host
// resolved at most once per check (cache) when the header recorded no
// addresses.
func identityFromHeader(h *model.JournalHeader, r Resolver, cache map[string]smtpIdentity) (smtpIdentity, bool) {
	host, port, ok := smtpHostPort(h.Target)
	if !ok {
		return smtpIdentity{}, false
	}
	if len(h.Addresses) > 0 {
		return identityFromAddrs(host, port, h.Addresses), true
	}
	k := host + "\x00" + strconv.Itoa(int(port))
	id, ok := cache[k]
	if !ok {
		id = resolveSMTP(context.Background(), r, host, port)
		cache[k] = id
	}
	return id, true
}

// sourceSet is a list of sources as one comparable string: each as
// sourceKey has it, sorted.
func sourceSet(sources []string) string {
	keys := make([]string, len(sources))
	for i, s := range sources {
		keys[i] = sourceKey(s)
	}
	sort.Strings(keys)
	return strings.Join(keys, "\x00")
}

// readJournalHeader reads a journal's first line as its header (nil when
// it is none or cannot be read) and whether any line follows it. It reads
// at most 64 KiB, read-only.
func readJournalHeader(path string) (*model.JournalHeader, bool) {
	f, err := readonly.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	var h model.JournalHeader
	if json.Unmarshal(first, &h) != nil || h.Type != model.TypeJournal {
		return nil, false
	}
	return &h, len(bytes.TrimSpace(rest)) > 0
}

// slug is a short, file-name-safe reminder of the target in journal and
// lock names: scheme and last folder or host ("imcdata-Imcdata",
// "smtp-127.0.0.1-2525").
func slug(t Target) string {
	scheme, rest, _ := strings.Cut(t.String(), ":")
	rest = strings.TrimRight(strings.TrimLeft(rest, "/"), `/\`)
	if i := strings.LastIndexAny(rest, `/\`); i >= 0 {
		rest = rest[i+1:]
	}
	return slugName(scheme + "-" + rest)
}

// slugName keeps the first 40 file-name-safe characters of s, others as
// "-".
func slugName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// targetLock is one lock file a run into a target holds, and what it
// locks, in words for the error of a run it refuses.
type targetLock struct{ path, what string }

// targetLocks are the lock files of a target, sorted by path (every run
// takes them in that order, so two waiting runs cannot deadlock): in the
// state folder's locks/, named from the target's identity, so that two
// replays into one target exclude each other whatever spelling or journal
// they were given. A folder target is identified by its temporary folder
// (symbolic links resolved, case folded on Windows): a Pickup and a Replay
// folder side by side share DIR\..\.imsforensic-tmp, and one run's
// recovery of its leftovers there must not remove the other's in-flight
// files; its links are resolved in the part of the path that exists,
// since the temporary folder does not before a first run. An SMTP target
// has one lock per address its host resolved to, with the port (one for
// all loopback addresses: localhost, 127.0.0.1 and ::1 reach the one lab
// sink), so two names that share an address exclude each other; a host
// that did not resolve is locked by its name, normalised.
func targetLocks(t Target) []targetLock {
	dir, err := StateDir()
	if err != nil {
		dir = filepath.Join(os.TempDir(), "imsforensic")
	}
	file := func(id, name string) string {
		h := sha256.Sum256([]byte(id))
		return filepath.Join(dir, "locks", name+"-"+hex.EncodeToString(h[:])[:12]+".lock")
	}
	what := "the target " + t.String()
	if st, ok := t.(*SMTPTarget); ok {
		var locks []targetLock
		for _, k := range st.identity().keys() {
			name := "target-" + slugName(strings.ReplaceAll(k, ":", "-"))
			locks = append(locks, targetLock{file(k, name), what + " (" + describeKey(k) + ")"})
		}
		sort.Slice(locks, func(i, j int) bool { return locks[i].path < locks[j].path })
		return locks
	}
	id, name := strings.ToLower(t.String()), "target-"+slug(t)
	if ft, ok := t.(interface{ tempDir() string }); ok {
		d := resolveExisting(ft.tempDir())
		id, name = "temp:"+sourceKey(d), "folder-"+slugName(filepath.Base(filepath.Dir(d)))
	}
	return []targetLock{{file(id, name), what}}
}

// resolveExisting is p with the symbolic links of its longest existing
// prefix resolved, the rest as written.
func resolveExisting(p string) string {
	rest := ""
	for q := p; ; {
		if real, err := filepath.EvalSymlinks(q); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(q)
		if parent == q {
			return p
		}
		rest = filepath.Join(filepath.Base(q), rest)
		q = parent
	}
}

// journalWatch notices a journal removed, replaced or truncated while a
// replay runs: records appended after that would be lost to the next run,
// which would then deliver again.
type journalWatch struct {
	mu   sync.Mutex
	path string
	info fs.FileInfo
	size int64 // the largest size seen
}

func newJournalWatch(path string) (*journalWatch, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("replay: journal %s: %w", path, err)
	}
	return &journalWatch{path: path, info: st, size: st.Size()}, nil
}

// ErrJournalLost is returned when the journal was removed, replaced or
// truncated under a running replay: the run stops.
var ErrJournalLost = errors.New("replay: the journal was removed or truncated while the replay ran")

// check returns ErrJournalLost (wrapped) unless the journal is still the
// file opened, at least as long as it was.
func (w *journalWatch) check() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	st, err := os.Stat(w.path)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %s: %v; stopping (the target keeps what was written; rerun with the journal restored)", ErrJournalLost, w.path, err)
	case !os.SameFile(st, w.info):
		return fmt.Errorf("%w: %s is another file now; stopping", ErrJournalLost, w.path)
	case st.Size() < w.size:
		return fmt.Errorf("%w: %s shrank from %d to %d bytes; stopping", ErrJournalLost, w.path, w.size, st.Size())
	}
	w.size = st.Size()
	return nil
}
