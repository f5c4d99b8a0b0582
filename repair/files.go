package repair

import (
	"fmt"
	"path/filepath"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// MaxFileBytes is the largest input File repairs: a repair holds the file
// and a few versions of it in memory (every fix is checked on a whole
// copy), so a bigger file is reported as an error instead.
const MaxFileBytes = 128 << 20

// Dest is where the repaired copy of an input goes: the same file name,
// under the queue's folder (IN, OUT, IN/Archive, ...) when the input was in
// one, so a repaired TempIMS tree can be replayed like the original.
func Dest(outDir, queue, path string) string {
	return filepath.Join(outDir, filepath.FromSlash(queue), filepath.Base(path))
}

// Preview repairs the file at path (a message of queue) in memory: the
// record File would give, with the copy's bytes, and nothing written (the
// HTML report's "repairable:" line). The record is complete even when
// err != nil (Status model.RepairError).
func Preview(path, queue string, opts Options) (model.RepairRecord, []byte, error) {
	rec := model.RepairRecord{Type: model.TypeRepair, Schema: model.SchemaVersion, Path: model.Escape(path),
		Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}
	raw, err := readonly.ReadFile(path, MaxFileBytes)
	if err == nil {
		rec.SHA256Before = SHA256(raw)
		opts.Queue = queue
		var res *Result
		if res, err = Bytes(raw, opts); err == nil {
			rec.Status, rec.Changes, rec.Remaining = res.Status, res.Changes, res.Remaining
			return rec, res.Output, nil
		}
	}
	err = fmt.Errorf("repair %s: %w", path, err)
	rec.Status, rec.Error = model.RepairError, model.Escape(err.Error())
	return rec, nil, err
}

// File repairs the file at path (a message of queue) and writes the copy,
// when there is one, to Dest(outDir, queue, path). It never writes path:
// the copy is checked with in (the run's inputs; nil for none) and with
// path's own queue folder (guard.Inputs.AddQueueFiles), so a library
// caller gets the same protection as the command. The record is complete
// even when err != nil (Status model.RepairError).
func File(path, queue, outDir string, in *guard.Inputs, opts Options) (model.RepairRecord, error) {
	rec, out, err := Preview(path, queue, opts)
	if err != nil || rec.Status != model.RepairRepaired {
		return rec, err
	}
	dest := Dest(outDir, queue, path)
	if in == nil {
		in = guard.New()
	}
	in.AddQueueFiles(path)
	sum, err := outside.WriteCopy(in, "the repaired copy", dest, out)
	if err != nil {
		err = fmt.Errorf("repair %s: %w", path, err)
		rec.Status, rec.Error = model.RepairError, model.Escape(err.Error())
		return rec, err
	}
	rec.Out, rec.SHA256After = model.Escape(dest), sum
	return rec, nil
}
