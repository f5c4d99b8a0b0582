package replay

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/model"
)

// Undo removes every file a replay wrote (the done-ok write records of
// the journal, not undone since) when it is still there with the sha256 it
// was written with. A file that changed is left in place and reported
// ("changed since replay, left in place"); one already gone is reported
// too. Sent messages cannot be recalled and are reported as such. Each
// outcome is appended to the same journal and given to out. Undo never
// restores Queue.dat: the IMS rebuilds it (Queue.old is left as it is).
func Undo(ctx context.Context, journalPath string, out func(model.ReplayRecord)) (model.ReplaySummary, error) {
	var sum model.ReplaySummary
	if out == nil {
		out = func(model.ReplayRecord) {}
	}
	if _, err := os.Stat(journalPath); err != nil {
		return sum, fmt.Errorf("replay: undo: %w", err)
	}
	if err := checkJournal(journalPath); err != nil {
		return sum, err
	}
	jl, err := lock.Acquire(ctx, journalPath+".lock", "the journal "+journalPath, false)
	if err != nil {
		return sum, lockedHint("replay: undo", err, "wait for that run to end")
	}
	defer jl.Unlock()
	js, err := readJournal(journalPath, true)
	if err != nil {
		return sum, err
	}
	jw, err := atomicfile.OpenJSONL(journalPath)
	if err != nil {
		return sum, err
	}
	defer jw.Close()

	// The writes to undo: the last done-ok write per destination, when the
	// journal has no later undo of it.
	type written struct {
		rec model.ReplayRecord
		seq int
	}
	live := map[string]written{}
	var order []string
	for i, rec := range js.records {
		switch {
		case rec.Action == model.ActionWrite && rec.Result == model.ResultOK && rec.Dest != "":
			if _, seen := live[rec.Dest]; !seen {
				order = append(order, rec.Dest)
			}
			live[rec.Dest] = written{rec, i}
		case rec.Action == model.ActionUndo && rec.Result == model.ResultOK:
			delete(live, rec.Dest)
		case rec.Action == model.ActionSend && rec.Result == model.ResultOK:
			sum.Note(model.OutcomeSkipped, "sent by SMTP: cannot be recalled")
		}
	}
	// Newest first, the reverse of the replay.
	for i := len(order) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		w, ok := live[order[i]]
		if !ok {
			continue
		}
		rec := undoOne(w.rec)
		switch rec.Result {
		case model.ResultOK:
			sum.Note(model.OutcomeRemoved, "")
		case model.ResultSkipped:
			sum.Note(model.OutcomeSkipped, rec.Reason)
		default:
			sum.Note(model.OutcomeFailed, rec.Reason)
		}
		if err := jw.Append(rec); err != nil {
			return sum, fmt.Errorf("replay: journal: %w", err)
		}
		out(rec)
	}
	return sum, nil
}

// undoOne removes one written file if it is unchanged.
func undoOne(w model.ReplayRecord) model.ReplayRecord {
	rec := model.ReplayRecord{
		Type: model.TypeReplay, Schema: model.SchemaVersion, Path: w.Path, Target: w.Target,
		Action: model.ActionUndo, Dest: w.Dest, Time: time.Now().UTC(),
	}
	have, _, err := fileSHA256(w.Dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rec.Result, rec.Reason = model.ResultSkipped, "already gone (taken by the IMS, or removed)"
		return rec
	case err != nil:
		rec.Result, rec.Reason = model.ResultFailed, err.Error()
		return rec
	}
	rec.SHA256Before = have
	if have != w.SHA256After {
		rec.Result, rec.Reason = model.ResultSkipped, "changed since replay, left in place"
		return rec
	}
	if err := os.Remove(w.Dest); err != nil {
		rec.Result, rec.Reason = model.ResultFailed, err.Error()
		return rec
	}
	if err := atomicfile.SyncDir(filepath.Dir(w.Dest)); err != nil {
		rec.Result, rec.Reason = model.ResultFailed, "removed, but the folder could not be synced: "+err.Error()
		return rec
	}
	rec.Result, rec.Reason = model.ResultOK, "removed: unchanged since replay"
	return rec
}
