package repair

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// Dest is where the repaired copy of an input goes: the same file name,
// under the queue's folder (IN, OUT, IN/Archive, ...) when the input was in
// one, so a repaired TempIMS tree can be replayed like the original.
func Dest(outDir, queue, path string) string {
	return filepath.Join(outDir, filepath.FromSlash(queue), filepath.Base(path))
}

// Preview repairs the file at path (a message of queue) and writes
// nothing: the record File would give (the HTML report's "repairable:"
// line). A file over the in-memory size spills its versions to the
// system's temporary folder, removed before Preview returns. The record is
// complete even when err != nil (Status model.RepairError).
func Preview(path, queue string, opts Options) (model.RepairRecord, error) {
	sp := &spill{dir: func() (string, error) { return os.TempDir(), nil }, stop: opts.stopped}
	defer sp.cleanup()
	rec, o, err := run(path, queue, opts, sp)
	if o != nil {
		o.out.release()
	}
	return rec, err
}

// run repairs the file at path: a file up to memLimit is read whole, a
// bigger one through a window of the open file, its versions spilled
// through sp.
func run(path, queue string, opts Options, sp *spill) (model.RepairRecord, *outcome, error) {
	rec := model.RepairRecord{Type: model.TypeRepair, Schema: model.SchemaVersion, Path: model.Escape(path),
		Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}
	o, err := runFile(path, queue, opts, sp, &rec)
	if err != nil {
		err = fmt.Errorf("repair %s: %w", path, err)
		rec.Status, rec.Error = model.RepairError, model.Escape(err.Error())
		return rec, nil, err
	}
	rec.Status, rec.Changes, rec.Remaining = o.Status, o.Changes, o.Remaining
	return rec, o, nil
}

func runFile(path, queue string, opts Options, sp *spill, rec *model.RepairRecord) (*outcome, error) {
	f, err := readonly.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var t *text
	if f.Size() <= memLimit {
		b, err := f.ReadAll(nil)
		if err != nil {
			return nil, err
		}
		t = memText(b)
	} else {
		t = fileText(f, 0, f.Size(), sp.window)
	}
	rec.SHA256Before = t.Sum(0, t.Len())
	if err := t.Err(); err != nil {
		return nil, err
	}
	opts.Queue = queue
	return repairText(t, opts, sp)
}

// File repairs the file at path (a message of queue) and writes the copy,
// when there is one, to Dest(outDir, queue, path). It never writes path:
// the copy is checked with in (the run's inputs; nil for none) and with
// path's own queue folder (guard.Inputs.AddQueueFiles), so a library
// caller gets the same protection as the command. A file over the
// in-memory size is read through a window, its versions spilled to
// temporary files in the copy's folder (checked the same way), removed
// before File returns. The record is complete even when err != nil
// (Status model.RepairError).
func File(path, queue, outDir string, in *guard.Inputs, opts Options) (model.RepairRecord, error) {
	dest := Dest(outDir, queue, path)
	if in == nil {
		in = guard.New()
	}
	in.AddQueueFiles(path)
	sp := &spill{dir: func() (string, error) {
		if err := outside.Prepare(in, "the repair's temporary file", dest); err != nil {
			return "", err
		}
		return filepath.Dir(dest), nil
	}, stop: opts.stopped}
	return file(path, queue, dest, in, opts, sp)
}

func file(path, queue, dest string, in *guard.Inputs, opts Options, sp *spill) (model.RepairRecord, error) {
	defer sp.cleanup()
	rec, o, err := run(path, queue, opts, sp)
	if err != nil || rec.Status != model.RepairRepaired {
		return rec, err
	}
	var sum string
	if o.out.inMemory() {
		sum, err = outside.WriteCopy(in, "the repaired copy", dest, o.out.b)
	} else {
		sum, err = outside.WriteCopyFrom(in, "the repaired copy", dest, o.out.r, o.out.Len())
	}
	o.out.release()
	if err != nil {
		err = fmt.Errorf("repair %s: %w", path, err)
		rec.Status, rec.Error = model.RepairError, model.Escape(err.Error())
		return rec, err
	}
	rec.Out, rec.SHA256After = model.Escape(dest), sum
	return rec, nil
}
