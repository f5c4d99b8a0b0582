package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
)

// MaxFileBytes is the largest input File redacts, and of an mbox file over
// streamLimit the largest message: the message, its copy and four byte
// masks are held in memory (about 6 bytes per input byte), so a bigger one
// is reported as an error instead.
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
	dest := filepath.Join(outDir, filepath.FromSlash(queue), filepath.Base(path))
	if in == nil {
		in = guard.New()
	}
	in.AddQueueFiles(path)
	done, err := r.fileMbox(path, queue, dest, in, &rec)
	if !done && err == nil {
		done, err = r.fileHoles(path, queue, dest, in, &rec)
	}
	if done || err != nil {
		if err != nil {
			return fail(fmt.Errorf("redact %s: %w", path, err))
		}
		return rec, nil
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
	rec.Changed = orEmpty(res.Changed, rec.Changed)
	rec.Kept = orEmpty(res.Kept, rec.Kept)
	rec.Left = orEmpty(res.Left, rec.Left)
	if res.Output == nil {
		return rec, nil
	}
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

// streamLimit is the size over which an mbox file is redacted message by
// message from the file, its copy written to a temporary file next to the
// copy as it is made, instead of both held whole (an mbox of 300,000
// messages, 36 MB, peaked at 470 MiB). A variable for the tests.
var streamLimit int64 = 4 << 20

// fileMbox redacts an mbox file over streamLimit (RFC 4155, two messages
// or more) message by message, each read on its own, with the result
// Bytes gives for the whole file. done is false for any other file, which
// File reads whole.
func (r *Redactor) fileMbox(path, queue, dest string, in *guard.Inputs, rec *model.RedactRecord) (done bool, err error) {
	f, err := readonly.Open(path)
	if err != nil {
		return false, nil // File reports it as it always did
	}
	defer f.Close()
	var head [64]byte
	if n, _ := f.ReadAt(head[:], 0); f.Size() <= streamLimit || !parse.MboxHead(head[:n]) { // as Bytes tells an mbox
		return false, nil
	}
	var st *atomicfile.Staged
	defer func() {
		if st != nil {
			st.Abort()
		}
	}()
	all := newMboxAll()
	h := sha256.New()
	var prev parse.MboxMessage
	var ferr error
	n := 0
	var pos int64 // the file's bytes up to pos are in the copy
	one := func(sg parse.MboxMessage) error {
		if ctx := r.opts.Context; ctx != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		if sg.Length > MaxFileBytes {
			return fmt.Errorf("mbox message %d: %d bytes, more than the %d allowed", sg.Ordinal, sg.Length, int64(MaxFileBytes))
		}
		raw := make([]byte, sg.Length)
		if _, err := f.ReadAt(raw, sg.Offset); err != nil {
			return fmt.Errorf("mbox message %d: %w", sg.Ordinal, err)
		}
		res, err := r.bytesOne(raw, queue)
		if err != nil {
			return fmt.Errorf("mbox message %d: %w", sg.Ordinal, err)
		}
		all.add(res, sg.Offset)
		if all.res.Status == model.RedactNotSafe {
			return nil // no copy: the rest is read for the record only
		}
		if st == nil {
			if err := outside.Prepare(in, "the redacted copy", dest); err != nil {
				return err
			}
			if st, err = atomicfile.Stage(filepath.Dir(dest), atomicfile.Options{NoReplace: true, Perm: 0o600}); err != nil {
				return err
			}
		}
		// What lies before a message (a byte-order mark) is kept as it is,
		// as Bytes keeps it.
		if sg.Offset > pos {
			if _, err := io.Copy(st, io.NewSectionReader(f, pos, sg.Offset-pos)); err != nil {
				return err
			}
		}
		_, err = st.Write(res.Output)
		pos = sg.Offset + sg.Length
		return err
	}
	err = parse.EachMbox(parse.TeeMbox(io.NewSectionReader(f, 0, f.Size()), h), func(m parse.MboxMessage) bool {
		if n++; n > 1 {
			ferr = one(prev)
		}
		prev = m
		return ferr == nil
	})
	if ferr != nil {
		return true, ferr
	}
	if err != nil {
		return true, err
	}
	if n < 2 {
		return false, nil
	}
	if err := one(prev); err != nil {
		return true, err
	}
	if st != nil && f.Size() > pos {
		if _, err := io.Copy(st, io.NewSectionReader(f, pos, f.Size()-pos)); err != nil {
			return true, err
		}
	}
	res := all.done()
	rec.SHA256Before = hex.EncodeToString(h.Sum(nil))
	fillRecord(rec, res)
	if res.Status == model.RedactNotSafe {
		return true, nil
	}
	ra, _ := st.Reader().(io.ReaderAt)
	sum, err := outside.WriteCopyFrom(in, "the redacted copy", dest, ra, st.Size())
	if err != nil {
		return true, err
	}
	rec.Out, rec.SHA256After = model.Escape(dest), sum
	return true, nil
}

// orEmpty is s, or empty (a non-nil empty list) when s has nothing.
// fillRecord puts a streamed redaction's result in its record: the lists
// as they are (a copy of 600,000 kept ranges was 27 MB); an empty one
// stays the record's [] .
func fillRecord(rec *model.RedactRecord, res *Result) {
	rec.Status, rec.Rules = res.Status, res.Rules
	rec.Changed = orEmpty(res.Changed, rec.Changed)
	rec.Kept = orEmpty(res.Kept, rec.Kept)
	rec.Left = orEmpty(res.Left, rec.Left)
}

func orEmpty[T any](s, empty []T) []T {
	if len(s) == 0 {
		return empty
	}
	return s
}
