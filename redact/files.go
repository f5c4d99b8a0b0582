package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// MaxFileBytes is the largest input File redacts: the file, its copy and
// a byte mask per pass are held in memory.
const MaxFileBytes = 256 << 20

// sha256Hex is the lower-case hex sha256 of b.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// File redacts the file at path (a message of queue) and writes the copy
// to outDir under the queue's folder with the same file name, never inside
// an input folder. The record is complete even when err != nil.
func (r *Redactor) File(path, queue, outDir string, inputs []string) (model.RedactRecord, error) {
	rec := model.RedactRecord{Type: "redact", Schema: model.SchemaVersion, Path: model.Escape(path), Rules: []string{},
		Changed: []model.RedactChange{}, Kept: []model.RedactKept{}, Left: []model.RedactLeft{}}
	fail := func(err error) (model.RedactRecord, error) {
		rec.Status, rec.Error = model.RedactError, model.Escape(err.Error())
		return rec, err
	}
	raw, err := readonly.ReadFile(path, MaxFileBytes)
	if err != nil {
		return fail(fmt.Errorf("redact %s: %w", path, err))
	}
	rec.SHA256Before = sha256Hex(raw)
	res, err := r.Bytes(raw, queue)
	if err != nil {
		return fail(fmt.Errorf("redact %s: %w", path, err))
	}
	rec.Status, rec.Rules = res.Status, res.Rules
	rec.Changed = append(rec.Changed, res.Changed...)
	rec.Kept = append(rec.Kept, res.Kept...)
	rec.Left = append(rec.Left, res.Left...)
	if res.Output == nil {
		return rec, nil
	}
	dest := filepath.Join(outDir, filepath.FromSlash(queue), filepath.Base(path))
	sum, err := outside.WriteCopy(dest, res.Output, inputs)
	if err != nil {
		return fail(fmt.Errorf("redact %s: %w", path, err))
	}
	rec.Out, rec.SHA256After = model.Escape(dest), sum
	return rec, nil
}

// CheckMap refuses a --map file inside the output folder (the copies are
// meant to be shared; the mapping undoes them) or inside an input folder.
func CheckMap(mapPath, outDir string, inputs []string) error {
	if err := outside.Check(mapPath, []string{outDir}); err != nil {
		return fmt.Errorf("redact: --map must not be inside --out: %w", err)
	}
	if err := outside.Check(filepath.Dir(mapPath), inputs); err != nil {
		return fmt.Errorf("redact: --map: %w", err)
	}
	return nil
}

// CheckOut refuses an output folder that is an input, lies inside an input
// folder, or is the folder of an input file (DESIGN.md section 4).
func CheckOut(outDir string, inputs []string) error { return outside.Check(outDir, inputs) }
