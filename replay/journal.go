package replay

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
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

// journalState is the journal read back: every record in order, and per
// source key the last state.
type journalState struct {
	records []model.ReplayRecord
	state   map[string]msgState
	begins  map[string]model.ReplayRecord
	refused map[string]model.ReplayRecord // the done record of stateRefused
	target  string                        // the target of the first record that names one
}

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

// messageKey identifies one message across runs: its source file's key,
// with the ordinal for one message of an mbox that holds several (they
// share the file, and each is replayed on its own).
func messageKey(path string, ordinal int) string {
	k := sourceKey(path)
	if ordinal > 0 {
		k += "#" + strconv.Itoa(ordinal)
	}
	return k
}

// readJournal reads a journal. Lines that are not a replay record (torn by
// a crash, or damaged) are appended to "<path>.broken" and the journal is
// rewritten atomically without them; nothing is ever deleted. A missing
// journal is an empty one.
func readJournal(path string) (*journalState, error) {
	js := &journalState{state: map[string]msgState{}, begins: map[string]model.ReplayRecord{}, refused: map[string]model.ReplayRecord{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return js, nil
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
		var rec model.ReplayRecord
		if err := json.Unmarshal(line, &rec); err != nil || rec.Type != "replay" {
			broken.Write(line)
			broken.WriteByte('\n')
			continue
		}
		good.Write(line)
		good.WriteByte('\n')
		js.add(rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: read journal %s: %w", path, err)
	}
	if broken.Len() > 0 || (len(data) > 0 && data[len(data)-1] != '\n') {
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
	js.records = append(js.records, rec)
	if js.target == "" && rec.Target != "" {
		js.target = rec.Target
	}
	if rec.Path == "" {
		return
	}
	k := messageKey(rec.Path, rec.MboxOrdinal)
	switch {
	case rec.Result == model.ResultBegin:
		js.state[k] = stateBegun
		js.begins[k] = rec
	case (rec.Action == model.ActionWrite || rec.Action == model.ActionSend) && rec.Result == model.ResultOK:
		js.state[k] = stateWritten
	case (rec.Action == model.ActionWrite || rec.Action == model.ActionSend) && rec.Result == model.ResultRefused:
		js.state[k] = stateRefused
		js.refused[k] = rec
	case rec.Action == model.ActionWrite || rec.Action == model.ActionSend:
		// A done record that is not ok closes the begin: nothing to resume.
		js.state[k] = stateNone
	case rec.Action == model.ActionUndo && rec.Result == model.ResultOK:
		js.state[k] = stateNone
	}
}

// DefaultJournalPath is where a replay journal goes when --journal is not
// given: never inside the folder the IMS reads and never among the
// evidence. For folder targets it is the parent of the target folder
// (imcdata:C:\Exchsrvr\Imcdata -> C:\Exchsrvr\); for other targets the
// current directory. The name holds a hash of the target, so the same
// replay run again finds its journal and resumes.
func DefaultJournalPath(t Target) string {
	h := sha256.Sum256([]byte(t.String()))
	name := "imsforensic-replay-" + hex.EncodeToString(h[:])[:12] + ".jsonl"
	if ft, ok := t.(interface{ Dir() string }); ok {
		return filepath.Join(filepath.Dir(ft.Dir()), name)
	}
	return name
}
