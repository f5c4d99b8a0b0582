package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// MaxFileBytes is the largest input File redacts: the file, its copy and
// four byte masks are held in memory (about 6 bytes per input byte), so a
// bigger file is reported as an error instead.
const MaxFileBytes = 64 << 20

// sha256Hex is the lower-case hex sha256 of b.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// File redacts the file at path (a message of queue) and writes the copy
// to outDir under the queue's folder with the same file name, checked with
// in (the run's inputs; nil for none) and path's own queue folder, never
// inside the evidence. The record is complete even when err != nil.
func (r *Redactor) File(path, queue, outDir string, in *guard.Inputs) (model.RedactRecord, error) {
	rec := model.RedactRecord{Type: model.TypeRedact, Schema: model.SchemaVersion, Path: model.Escape(path), Rules: []string{},
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
	if in == nil {
		in = guard.New()
	}
	in.AddQueueFiles(path)
	sum, err := outside.WriteCopy(in, "the redacted copy", dest, res.Output)
	if err != nil {
		return fail(fmt.Errorf("redact %s: %w", path, err))
	}
	rec.Out, rec.SHA256After = model.Escape(dest), sum
	return rec, nil
}

// CheckMap refuses a --map file inside the output folder (the copies are
// meant to be shared; the mapping undoes them) or inside the evidence.
// outDir must exist (guard compares existing folders by identity).
func CheckMap(mapPath, outDir string, in *guard.Inputs) error {
	if err := guard.New(outDir).Check("--map", mapPath); err != nil {
		return fmt.Errorf("redact: --map must not be inside --out: %w", err)
	}
	return in.Check("--map", mapPath)
}
