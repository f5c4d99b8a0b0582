package smtpsink

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/model"
)

// Store layout (all names chosen by the sink):
//
//	<id>.eml            the message, DATA bytes as received (dot-decoded)
//	<id>.json           its envelope (model.SinkMessage)
//	.imsf-*.tmp         files being written (internal/atomicfile) where
//	                    O_TMPFILE is missing (on Linux they have no name
//	                    until committed); never acknowledged (.tmp-* from
//	                    older versions too)
//	broken/             stale temp files and orphan .eml moved by a restart
//	poison/<fp>.eml     one copy of each message declared poison
//	poison.jsonl        one model.SinkPoison per poison message
//	transcripts/<conn-id>.log
const (
	tmpPrefix      = ".tmp-"
	brokenDir      = "broken"
	poisonDir      = "poison"
	poisonJournal  = "poison.jsonl"
	transcriptsDir = "transcripts"
)

// store owns the store directory: ids, atomic writes and the ENVID index.
type store struct {
	dir string
	// commit makes a message's two files durable together with those of
	// every other session committing at the same moment (group commit):
	// one sync per step for all sessions instead of fsyncs per message.
	commit atomicfile.Committer

	mu      sync.Mutex
	seq     uint64
	byEnvID map[string]string // ENVID + "\x00" + sha256 -> id
	pending map[string]chan struct{}
}

// openStore creates dir if needed, quarantines what a killed sink left
// behind and loads the ENVID index from the .json files.
func openStore(dir string) (*store, []string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("smtpsink: create store: %w", err)
	}
	st := &store{dir: dir, byEnvID: map[string]string{}, pending: map[string]chan struct{}{}}
	moved, err := st.recover()
	if err != nil {
		return nil, nil, err
	}
	return st, moved, nil
}

// recover moves stale temp files and .eml files without a .json (the sink
// died between the two renames, so the message was never acknowledged) to
// broken/. Nothing is deleted: it is evidence of what happened.
func (st *store) recover() ([]string, error) {
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: read store: %w", err)
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Name()] = true
	}
	var moved []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".eml"), ".json")
		switch {
		case strings.HasPrefix(name, tmpPrefix), atomicfile.IsTemp(name):
		case strings.HasSuffix(name, ".eml") && !have[base+".json"]:
		// Both files of a message are renamed in one group commit: a crash
		// before its folder fsync may keep either name alone, and neither
		// was acknowledged.
		case strings.HasSuffix(name, ".json") && !have[base+".eml"]:
		case strings.HasSuffix(name, ".json"):
			if err := st.index(name); err != nil {
				return moved, err
			}
			continue
		default:
			continue
		}
		if err := st.quarantine(name); err != nil {
			return moved, err
		}
		moved = append(moved, name)
	}
	return moved, nil
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

func (st *store) index(jsonName string) error {
	b, err := os.ReadFile(filepath.Join(st.dir, jsonName))
	if err != nil {
		return fmt.Errorf("smtpsink: read %s: %w", jsonName, err)
	}
	var env model.SinkMessage
	if err := json.Unmarshal(b, &env); err != nil {
		// A .json is written atomically, so this is not ours: leave it.
		return nil
	}
	if env.Mail.EnvID != "" {
		st.byEnvID[dedupKey(env.Mail.EnvID, env.SHA256)] = env.ID
	}
	return nil
}

func dedupKey(envid, sha string) string { return envid + "\x00" + sha }

// newID returns a fresh message id: UTC time to the microsecond and a
// per-process counter. Safe for Windows file names (no ':').
func (st *store) newID(now time.Time) string {
	st.mu.Lock()
	st.seq++
	n := st.seq
	st.mu.Unlock()
	return fmt.Sprintf("%s-%06d", now.UTC().Format("20060102T150405.000000Z"), n)
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
