package repair

import (
	"fmt"
	"path/filepath"

	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// MaxFileBytes is the largest input File repairs: a repair holds the file
// and a few versions of it in memory (every fix is checked on a whole
// copy), so a bigger file is reported as an error instead.
const MaxFileBytes = 256 << 20

// Dest is where the repaired copy of an input goes: the same file name,
// under the queue's folder (IN, OUT, IN/Archive, ...) when the input was in
// one, so a repaired TempIMS tree can be replayed like the original.
func Dest(outDir, queue, path string) string {
	return filepath.Join(outDir, filepath.FromSlash(queue), filepath.Base(path))
}

// CheckOut refuses an output folder that is an input, lies inside an input
// folder, or is the folder of an input file (DESIGN.md section 4).
func CheckOut(outDir string, inputs []string) error { return outside.Check(outDir, inputs) }

// File repairs the file at path (a message of queue) and writes the copy,
// when there is one, to Dest(outDir, queue, path). It never writes path.
// inputs are every input of the run: no copy is written inside one. The
// record is complete even when err != nil (Status model.RepairError).
func File(path, queue, outDir string, inputs []string, opts Options) (model.RepairRecord, error) {
	rec := model.RepairRecord{Type: "repair", Schema: model.SchemaVersion, Path: model.Escape(path),
		Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}
	fail := func(err error) (model.RepairRecord, error) {
		rec.Status, rec.Error = model.RepairError, model.Escape(err.Error())
		return rec, err
	}
	raw, err := readonly.ReadFile(path, MaxFileBytes)
	if err != nil {
		return fail(fmt.Errorf("repair %s: %w", path, err))
	}
	rec.SHA256Before = SHA256(raw)
	opts.Queue = queue
	res, err := Bytes(raw, opts)
	if err != nil {
		return fail(fmt.Errorf("repair %s: %w", path, err))
	}
	rec.Status, rec.Changes, rec.Remaining = res.Status, res.Changes, res.Remaining
	if res.Status != model.RepairRepaired {
		return rec, nil
	}
	dest := Dest(outDir, queue, path)
	sum, err := outside.WriteCopy(dest, res.Output, inputs)
	if err != nil {
		return fail(fmt.Errorf("repair %s: %w", path, err))
	}
	rec.Out, rec.SHA256After = model.Escape(dest), sum
	return rec, nil
}
