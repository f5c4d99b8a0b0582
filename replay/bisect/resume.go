package bisect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Resume is what an earlier run of a search left in its journal: the
// rounds it answered (in order), the culprits it journaled, and whether
// it finished. Find reads the rounds back instead of testing them again,
// so a bisect killed at any instant goes on where it stopped: no round
// that reached the journal is repeated, and the result is the same.
type Resume struct {
	// Path is the journal; Rounds how many rounds it answered.
	Path   string
	Rounds int
	// ValidLength is the length of the journal's last complete line: a
	// run killed in the middle of a write (power loss) leaves a torn
	// line, which must be cut before appending.
	ValidLength int64

	start      *model.BisectStart
	rounds     []model.BisectStep
	culprits   map[string]bool
	untestable bool
	done       bool
}

// ReadJournal reads a bisect journal for resuming. A journal that does
// not exist or is empty gives (nil, nil): a fresh search.
func ReadJournal(path string) (*Resume, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bisect: resume: %w", err)
	}
	defer f.Close()
	r := &Resume{Path: path, culprits: map[string]bool{}}
	br := bufio.NewReaderSize(f, 1<<20)
	// A file that does not start as a bisect journal (a note, a spool
	// file given by mistake) is refused before the search appends to it;
	// a first record torn by a kill still starts so.
	prefix := []byte(`{"type":"` + string(model.TypeBisectStart) + `"`)
	if head, _ := br.Peek(len(prefix)); len(head) > 0 && !bytes.HasPrefix(prefix, head) && !bytes.HasPrefix(head, prefix) {
		return nil, fmt.Errorf("bisect: resume: %s is not a bisect journal (it does not start with a %s record); nothing was written: give the journal a bisect wrote, or a new file name", path, model.TypeBisectStart)
	}
	var off int64
	lineNo := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			lineNo++
			off += int64(len(line))
			if rerr := r.add(bytes.TrimSpace(line)); rerr != nil {
				return nil, fmt.Errorf("bisect: resume: %s line %d: %w", path, lineNo, rerr)
			}
			r.ValidLength = off
		}
		if err == io.EOF {
			break // a last line without its newline is torn: ignored
		}
		if err != nil {
			return nil, fmt.Errorf("bisect: resume: %s: %w", path, err)
		}
	}
	if lineNo == 0 {
		return nil, nil
	}
	if r.start == nil {
		return nil, fmt.Errorf("bisect: resume: %s is not a bisect journal (no %s record)", path, model.TypeBisectStart)
	}
	r.Rounds = len(r.rounds)
	return r, nil
}

func (r *Resume) add(line []byte) error {
	if len(line) == 0 {
		return nil
	}
	var head struct {
		Type model.RecordType `json:"type"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return err
	}
	switch head.Type {
	case model.TypeBisectStart:
		var s model.BisectStart
		if err := json.Unmarshal(line, &s); err != nil {
			return err
		}
		if r.start != nil {
			return fmt.Errorf("a second %s record", model.TypeBisectStart)
		}
		r.start = &s
	case model.TypeBisectStep:
		var st model.BisectStep
		if err := json.Unmarshal(line, &st); err != nil {
			return err
		}
		switch {
		case st.Phase == model.PhaseIsolated:
		case strings.HasPrefix(st.Why, failedPrefix):
			// not answered: tested again
		case st.Round == len(r.rounds)+1:
			r.rounds = append(r.rounds, st)
		default:
			return fmt.Errorf("round %d after round %d", st.Round, len(r.rounds))
		}
	case model.TypeCulprit:
		var c model.Culprit
		if err := json.Unmarshal(line, &c); err != nil {
			return err
		}
		r.culprits[c.Path] = true
	case model.TypeUntestable:
		r.untestable = true
	case model.TypeBisect:
		r.done = true
	}
	return nil
}

// matches refuses a journal of another search.
func (r *Resume) matches(s model.BisectStart) error {
	if r.start.Messages != s.Messages || r.start.Order != s.Order {
		return fmt.Errorf("bisect: resume: %s is the journal of another search (%d message(s) in another order; this one has %d): give a new --journal",
			r.Path, r.start.Messages, s.Messages)
	}
	return nil
}
