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
	"github.com/imsforensic/imsforensic/model"
)

// Undo removes every file a replay wrote (the done-ok write records of
// the journal, not undone since) when it is still there with the sha256 it
// was written with. A file that changed is left in place and reported
// ("changed since replay, left in place"); one already gone is reported
// too. Sent messages cannot be recalled and are reported as such. Each
// outcome is appended to the same journal and given to out. Undo never
// restores Queue.dat: the IMS rebuilds it (Queue.old is left as it is).
func Undo(ctx context.Context, journalPath string, out func(model.ReplayRecord)) (Summary, error) {
	var sum Summary
	if out == nil {
		out = func(model.ReplayRecord) {}
	}
	if _, err := os.Stat(journalPath); err != nil {
		return sum, fmt.Errorf("replay: undo: %w", err)
	}
	js, err := readJournal(journalPath)
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
		case rec.Action == "write" && rec.Result == "ok" && rec.Dest != "":
			if _, seen := live[rec.Dest]; !seen {
				order = append(order, rec.Dest)
			}
			live[rec.Dest] = written{rec, i}
		case rec.Action == "undo" && rec.Result == "ok":
			delete(live, rec.Dest)
		case rec.Action == "send" && rec.Result == "ok":
			sum.note("skipped", "sent by SMTP: cannot be recalled")
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
		case "ok":
			sum.note("removed", "")
		case "skipped":
			sum.note("skipped", rec.Reason)
		default:
			sum.note("failed", rec.Reason)
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
		Type: "replay", Schema: model.SchemaVersion, Path: w.Path, Target: w.Target,
		Action: "undo", Dest: w.Dest, Time: time.Now().UTC(),
	}
	have, _, err := fileSHA256(w.Dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rec.Result, rec.Reason = "skipped", "already gone (taken by the IMS, or removed)"
		return rec
	case err != nil:
		rec.Result, rec.Reason = "failed", err.Error()
		return rec
	}
	rec.SHA256Before = have
	if have != w.SHA256After {
		rec.Result, rec.Reason = "skipped", "changed since replay, left in place"
		return rec
	}
	if err := os.Remove(w.Dest); err != nil {
		rec.Result, rec.Reason = "failed", err.Error()
		return rec
	}
	if err := atomicfile.SyncDir(filepath.Dir(w.Dest)); err != nil {
		rec.Result, rec.Reason = "failed", "removed, but the folder could not be synced: "+err.Error()
		return rec
	}
	rec.Result, rec.Reason = "ok", "removed: unchanged since replay"
	return rec
}
