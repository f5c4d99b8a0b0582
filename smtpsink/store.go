package smtpsink

import (
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/model"
)

// Store layout (all names chosen by the sink):
//
//	<id>.eml            the message, DATA bytes as received (dot-decoded)
//	<id>.json           its envelope (model.SinkMessage)
//	.checkpoint         which ids the last durable sync covered (see below)
//	.lock               held by the sink that runs on the store
//	                    (internal/lock), with a line naming it
//	.imsf-*.tmp         files being written (internal/atomicfile) where
//	                    O_TMPFILE is missing (on Linux they have no name
//	                    until committed); never acknowledged (.tmp-* from
//	                    older versions too)
//	broken/             what a restart moved aside: stale temp files, an
//	                    .eml or .json alone, pairs that fail their check
//	poison/<fp>.eml     one copy of each message declared poison
//	poison.jsonl        one model.SinkPoison per poison message
//	transcripts/<conn-id>.log
//
// Crash contract. A message's two files are named as soon as its commit
// step starts and one sync (syncfs on Linux) makes both contents and both
// names durable; the 250 follows that sync. A machine that crashes during
// the sync may keep a name whose contents never reached the disk (a short
// or empty .eml, a torn .json) or one name of the two: that message was
// never acknowledged. The next start checks every pair the checkpoint does
// not cover (the .eml's size and sha256 against its .json, either file
// alone) and moves what fails to broken/, logged and counted
// (Stats.Quarantined), never deleting it. The checkpoint names the lowest
// id still being committed when a step began ("settled below": every
// lower id is durable or was never named); it is written before a step's
// sync when it moved by 64 ids or 100 ms passed, so that sync makes it
// durable at no cost of its own, and ids increase in the order they are
// given out, so the check reads only what the last steps named, not the
// whole store. One sink per store: a second one is refused at start, before
// its restart check could move the first one's messages in flight.
const (
	tmpPrefix      = ".tmp-"
	brokenDir      = "broken"
	checkpointFile = ".checkpoint"
	lockFile       = ".lock"
	poisonDir      = "poison"
	poisonJournal  = "poison.jsonl"
	transcriptsDir = "transcripts"
)

// BrokenDir is the store's folder for what a restart moves aside.
const BrokenDir = brokenDir

// store owns the store directory: ids, atomic writes and the ENVID index.
type store struct {
	dir string
	// commit makes a message's two files durable together with those of
	// every other session committing at the same moment (group commit,
	// OneSync): one sync per step for all sessions.
	commit atomicfile.Committer
	ckpt   *atomicfile.Checkpoint
	lk     *lock.Lock // the store's: one sink at a time
	// closed: close ran (Serve's end, or Sink.Close for a sink never
	// served); a second close does nothing.
	closed sync.Once

	mu         sync.Mutex
	seq        uint64
	lastTime   string            // time part of the last id given out
	inflight   map[uint64]string // seq -> id: given out, not settled
	low        uint64            // lowest seq that may be in flight
	written    string            // settled-below id last written (the committer's),
	writtenSeq uint64            // its counter,
	writtenAt  time.Time         // and when
	byEnvID    map[string]string // ENVID + "\x00" + sha256 -> id
	pending    map[string]chan struct{}
}

// quarantined is a file a restart moved to broken/, and why.
type quarantined struct{ name, reason string }

// openStore creates dir if needed, quarantines what a killed sink left
// behind and loads the ENVID index from the .json files.
func openStore(dir string) (*store, []quarantined, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("smtpsink: create store: %w", err)
	}
	st := &store{dir: dir, byEnvID: map[string]string{}, pending: map[string]chan struct{}{},
		inflight: map[uint64]string{}, low: 1}
	// The lock comes before the restart check: run beside a live sink,
	// the check would take that sink's messages in flight for leftovers.
	lk, err := lock.Acquire(context.Background(), st.path(lockFile), "the store "+dir, false)
	if errors.Is(err, lock.ErrLocked) {
		return nil, nil, fmt.Errorf("sink: %w; stop that sink first, or give this one another --store", err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("smtpsink: %w", err)
	}
	ck, payload, ok, err := atomicfile.OpenCheckpoint(st.path(checkpointFile))
	if err != nil {
		lk.Unlock()
		return nil, nil, fmt.Errorf("smtpsink: %w", err)
	}
	st.ckpt, st.lk = ck, lk
	below, covered := parseCheckpoint(payload, ok)
	moved, err := st.recover(below, covered)
	if err != nil {
		ck.Close()
		lk.Unlock()
		return nil, nil, err
	}
	// Everything in the store now checked out or was covered: the ids of
	// this run start above now, and the first checkpoint says so before
	// the first message (a sync of its own, once per start).
	st.lastTime = idTime(time.Now())
	st.written, st.writtenAt = formatID(st.lastTime, 0), time.Now()
	if err := st.writeCheckpoint(st.written); err == nil {
		err = ck.Sync()
	}
	if err != nil {
		ck.Close()
		lk.Unlock()
		return nil, nil, fmt.Errorf("smtpsink: %w", err)
	}
	st.commit.OneSync = true
	st.commit.BeforeSync = st.beforeSync
	return st, moved, nil
}

type checkpointRecord struct {
	SettledBelow string `json:"settled_below"`
}

func parseCheckpoint(payload []byte, ok bool) (string, bool) {
	var rec checkpointRecord
	if !ok || json.Unmarshal(payload, &rec) != nil {
		return "", false
	}
	if _, _, valid := parseID(rec.SettledBelow); !valid {
		return "", false
	}
	return rec.SettledBelow, true
}

func (st *store) writeCheckpoint(below string) error {
	b, _ := json.Marshal(checkpointRecord{SettledBelow: below})
	return st.ckpt.Write(b)
}

// beforeSync is the committer's hook: it writes the checkpoint, for the
// step's sync to make durable, once the settled-below id moved by
// checkpointEvery ids or checkpointAfter passed: not at every step (a
// step's sync then has one block and inode fewer to write), and the check
// at restart still reads no more than that many pairs beyond the ones in
// flight.
func (st *store) beforeSync() *os.File {
	below, seq := st.settledBelow()
	if below == st.written || seq < st.writtenSeq+checkpointEvery && time.Since(st.writtenAt) < checkpointAfter {
		return nil
	}
	if st.writeCheckpoint(below) != nil {
		return nil // the older checkpoint stays: the check at restart is longer, not wrong
	}
	st.written, st.writtenSeq, st.writtenAt = below, seq, time.Now()
	return st.ckpt.File()
}

const (
	checkpointEvery = 64
	checkpointAfter = 100 * time.Millisecond
)

// settledBelow is the lowest id given out and not settled, or the next
// id's lower bound when none is in flight, and its counter.
func (st *store) settledBelow() (string, uint64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for st.low <= st.seq {
		if id, ok := st.inflight[st.low]; ok {
			return id, st.low
		}
		st.low++
	}
	return formatID(st.lastTime, st.seq+1), st.seq + 1
}

// close writes a last checkpoint (nothing is in flight once the sessions
// are gone), closes it and lets another sink have the store.
func (st *store) close() error {
	var err error
	st.closed.Do(func() {
		below, _ := st.settledBelow()
		err = st.writeCheckpoint(below)
		if err == nil {
			err = st.ckpt.Sync()
		}
		if cerr := st.ckpt.Close(); err == nil {
			err = cerr
		}
		st.lk.Unlock()
	})
	return err
}

// recover moves to broken/ what a killed sink or a crashed machine left
// unacknowledged: stale temp files, an .eml or a .json alone, and each
// pair not covered by the checkpoint (covered false: none is valid, as in
// a store written before checkpoints existed, so every pair) whose .json
// does not decode or whose .eml is not the size and sha256 it names.
// Nothing is deleted: it is evidence of what happened.
func (st *store) recover(below string, covered bool) ([]quarantined, error) {
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: read store: %w", err)
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Name()] = true
	}
	var moved []quarantined
	move := func(name, reason string) error {
		if err := st.quarantine(name); err != nil {
			return err
		}
		moved = append(moved, quarantined{name, reason})
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == checkpointFile {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".eml"), ".json")
		var reason string
		switch {
		case strings.HasPrefix(name, tmpPrefix), atomicfile.IsTemp(name):
			reason = "temporary file"
		case strings.HasSuffix(name, ".eml") && !have[base+".json"]:
			// A crash before the step's sync completed may keep either
			// name alone, and neither was acknowledged.
			reason = "no .json"
		case strings.HasSuffix(name, ".json") && !have[base+".eml"]:
			reason = "no .eml"
		case strings.HasSuffix(name, ".json"):
			check := !covered || !idBefore(base, below)
			env, bad, err := st.readEnvelope(name, base, check)
			if err != nil {
				return moved, err
			}
			if bad != "" {
				if err := move(base+".eml", bad); err != nil {
					return moved, err
				}
				if err := move(name, bad); err != nil {
					return moved, err
				}
				continue
			}
			if env != nil && env.Mail.EnvID != "" {
				st.byEnvID[dedupKey(env.Mail.EnvID, env.SHA256)] = env.ID
			}
			continue
		default:
			continue
		}
		if err := move(name, reason); err != nil {
			return moved, err
		}
	}
	return moved, nil
}

// readEnvelope reads <base>.json. With check (a pair the checkpoint does
// not cover) it also checks the .eml against it and returns why the pair
// fails; without, an envelope that does not decode is not ours and is
// left alone (env nil), as are pairs with names the sink does not give.
func (st *store) readEnvelope(jsonName, base string, check bool) (*model.SinkMessage, string, error) {
	b, err := os.ReadFile(st.path(jsonName))
	if err != nil {
		return nil, "", fmt.Errorf("smtpsink: read %s: %w", jsonName, err)
	}
	_, _, ours := parseID(base)
	check = check && ours
	var env model.SinkMessage
	if err := json.Unmarshal(b, &env); err != nil {
		if check {
			return nil, "torn .json (does not decode)", nil
		}
		return nil, "", nil
	}
	if !check {
		return &env, "", nil
	}
	if env.ID != base {
		return nil, "torn .json (id is not its name)", nil
	}
	f, err := os.Open(st.path(base + ".eml"))
	if err != nil {
		return nil, "", fmt.Errorf("smtpsink: check %s.eml: %w", base, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, "", fmt.Errorf("smtpsink: check %s.eml: %w", base, err)
	}
	switch {
	case n != env.Size:
		return nil, fmt.Sprintf("torn .eml (%d bytes, its .json says %d)", n, env.Size), nil
	case hex.EncodeToString(h.Sum(nil)) != env.SHA256:
		return nil, "torn .eml (sha256 differs from its .json)", nil
	}
	return &env, "", nil
}

func (st *store) quarantine(name string) error {
	bdir := filepath.Join(st.dir, brokenDir)
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		return fmt.Errorf("smtpsink: create broken dir: %w", err)
	}
	dst := filepath.Join(bdir, name)
	if _, err := os.Lstat(dst); err == nil {
		dst = filepath.Join(bdir, fmt.Sprintf("%s.%d", name, time.Now().UnixNano()))
	}
	if err := os.Rename(filepath.Join(st.dir, name), dst); err != nil {
		return fmt.Errorf("smtpsink: quarantine %s: %w", name, err)
	}
	return atomicfile.SyncDir(st.dir)
}

func dedupKey(envid, sha string) string { return envid + "\x00" + sha }

// An id is the UTC time to the microsecond and a per-process counter
// (safe for Windows file names: no ':'). The time is when the id is given
// out, never earlier than the last one's, so ids sort in the order they
// were given out: what the checkpoint relies on.
const idTimeLayout = "20060102T150405.000000Z"

func idTime(t time.Time) string { return t.UTC().Format(idTimeLayout) }

func formatID(tm string, seq uint64) string { return fmt.Sprintf("%s-%06d", tm, seq) }

// parseID splits an id into its time and counter.
func parseID(id string) (string, uint64, bool) {
	tm, n, ok := strings.Cut(id, "-")
	if !ok || len(tm) != len(idTimeLayout) || len(n) < 6 {
		return "", 0, false
	}
	if _, err := time.Parse(idTimeLayout, tm); err != nil {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return tm, seq, true
}

// idBefore reports whether id sorts before below (time, then counter); a
// name that is not an id is never before.
func idBefore(id, below string) bool {
	t1, n1, ok1 := parseID(id)
	t2, n2, ok2 := parseID(below)
	if !ok1 || !ok2 {
		return false
	}
	return t1 < t2 || t1 == t2 && n1 < n2
}

// newID gives out a fresh message id, in flight until settle.
func (st *store) newID() (string, uint64) {
	tm := idTime(time.Now())
	st.mu.Lock()
	defer st.mu.Unlock()
	if tm < st.lastTime {
		tm = st.lastTime // the clock went back: keep the order
	}
	st.lastTime = tm
	st.seq++
	id := formatID(tm, st.seq)
	st.inflight[st.seq] = id
	return id, st.seq
}

// settle ends an id's flight: its files are durable under their names,
// or were never named. An id whose commit failed is never settled, so
// no checkpoint covers it and the next start checks it.
func (st *store) settle(seq uint64) {
	st.mu.Lock()
	delete(st.inflight, seq)
	st.mu.Unlock()
}

// stage opens a new temporary file in the store folder (same volume, so
// the final link or rename is atomic); NoReplace, since ids are unique,
// which on Linux makes it an unnamed file.
func (st *store) stage() (*atomicfile.Staged, error) {
	f, err := atomicfile.Stage(st.dir, atomicfile.Options{NoReplace: true})
	if err != nil {
		return nil, fmt.Errorf("smtpsink: create temp file: %w", err)
	}
	return f, nil
}

// stageBytes stages b as a file of its own.
func (st *store) stageBytes(b []byte) (*atomicfile.Staged, error) {
	f, err := st.stage()
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Abort()
		return nil, err
	}
	return f, nil
}

// path is name inside the store.
func (st *store) path(name string) string { return filepath.Join(st.dir, name) }

// reserve claims the dedup key for one delivery. It returns the stored id
// when the message is already stored. Otherwise it returns release, which
// the caller must call with the new id (or "" when storing failed); a
// concurrent delivery of the same key waits for it.
func (st *store) reserve(envid, sha string, stop <-chan struct{}) (dupID string, release func(id string), err error) {
	if envid == "" {
		return "", func(string) {}, nil
	}
	key := dedupKey(envid, sha)
	for {
		st.mu.Lock()
		if id, ok := st.byEnvID[key]; ok {
			st.mu.Unlock()
			return id, nil, nil
		}
		wait, busy := st.pending[key]
		if !busy {
			done := make(chan struct{})
			st.pending[key] = done
			st.mu.Unlock()
			return "", func(id string) {
				st.mu.Lock()
				if id != "" {
					st.byEnvID[key] = id
				}
				delete(st.pending, key)
				st.mu.Unlock()
				close(done)
			}, nil
		}
		st.mu.Unlock()
		select {
		case <-wait:
		case <-stop:
			return "", nil, errors.New("smtpsink: shutting down")
		}
	}
}

// appendJSONL appends one record to a JSON Lines file in the store and
// fsyncs it.
func (st *store) appendJSONL(name string, v any) error {
	w, err := atomicfile.OpenJSONL(st.path(name))
	if err != nil {
		return fmt.Errorf("smtpsink: %w", err)
	}
	if err := w.Append(v); err != nil {
		w.Close()
		return fmt.Errorf("smtpsink: %w", err)
	}
	return w.Close()
}

// readJSONL calls fn for each decodable line of a JSON Lines file in the
// store; a missing file is empty.
func (st *store) readJSONL(name string, fn func(line []byte)) error {
	f, err := os.Open(filepath.Join(st.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("smtpsink: open %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("smtpsink: read %s: %w", name, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) != "" {
			fn([]byte(line))
		}
	}
	return nil
}
