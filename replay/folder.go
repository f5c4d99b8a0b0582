package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/model"
)

// tempDirName is the sibling folder where folder targets write their
// temporary files: on the same volume as the destination (so the final
// rename is atomic) but outside the folder the IMS, its Pickup or the
// Exchange Replay poller reads, so none of them ever sees a partial file.
const tempDirName = ".imsforensic-tmp"

// tempSuffix avoids ".tmp": Exchange 2007+ Pickup/Replay renames ".tmp"
// files back to ".eml" when transport restarts.
const tempSuffix = ".part"

// contentFunc writes the bytes a folder target puts in the destination
// for one message, and returns how many.
type contentFunc func(w io.Writer) (int64, error)

// folder is what the three folder targets share: where they write, how a
// name collision is decided, how a file is written atomically, and how an
// interrupted write is recovered.
type folder struct {
	scheme string
	dir    string // absolute
	tmpDir string
}

func newFolder(scheme, dir, tmpParent string) (folder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return folder{}, fmt.Errorf("replay: %s:%s: %w", scheme, dir, err)
	}
	if tmpParent == "" {
		tmpParent = filepath.Dir(abs)
	} else {
		tmpParent, _ = filepath.Abs(tmpParent)
	}
	return folder{scheme: scheme, dir: abs, tmpDir: filepath.Join(tmpParent, tempDirName)}, nil
}

func (f *folder) String() string { return f.scheme + ":" + f.dir }

// Dir is the target folder (absolute).
func (f *folder) Dir() string { return f.dir }

// checkDir is the common Prepare: the folder must exist (the tool never
// creates an Imcdata or Pickup folder: a typo would silently replay into
// nowhere), and the temporary folder is created.
func (f *folder) checkDir() error {
	st, err := os.Stat(f.dir)
	if err != nil {
		return fmt.Errorf("target folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("target %s is not a folder", f.dir)
	}
	if err := os.MkdirAll(f.tmpDir, 0o755); err != nil {
		return fmt.Errorf("temporary folder: %w", err)
	}
	return nil
}

// closeTemp removes the temporary folder when it is empty.
func (f *folder) closeTemp() error {
	err := os.Remove(f.tmpDir)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if ents, rerr := os.ReadDir(f.tmpDir); rerr == nil && len(ents) > 0 {
		return nil // someone else's files, or ours from a concurrent run: left alone
	}
	return err
}

// decide is the collision rule of DESIGN.md section 4: an absent
// destination is written, identical content is skipped, different content
// is refused. The source file itself is never a destination.
func decide(src, dest, wantSHA, reason string) (Decision, error) {
	st, err := os.Stat(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return Decision{Action: model.ActionWrite, Dest: dest, Reason: reason}, nil
	}
	if err != nil {
		return Decision{}, fmt.Errorf("check %s: %w", dest, err)
	}
	if sst, err := os.Stat(src); err == nil && os.SameFile(st, sst) {
		return Decision{Action: model.ActionSkip, Dest: dest, Reason: "the destination is the source file"}, nil
	}
	if !st.Mode().IsRegular() {
		return Decision{Action: model.ActionRefuse, Dest: dest, Reason: "name collision: the destination exists and is not a regular file"}, nil
	}
	have, _, err := fileSHA256(dest)
	if err != nil {
		return Decision{}, err
	}
	if have == wantSHA {
		return Decision{Action: model.ActionSkip, Dest: dest, Reason: "identical file already in target"}, nil
	}
	return Decision{Action: model.ActionRefuse, Dest: dest, Reason: "name collision: a different file of that name is already in target"}, nil
}

// hashContent returns the sha256 and size of what content would write.
func hashContent(content contentFunc) (string, int64, error) {
	h := newHasher()
	n, err := content(h)
	if err != nil {
		return "", n, err
	}
	return h.sum(), n, nil
}

// write puts content at dest atomically without replacing anything, and
// returns the done record.
func (f *folder) write(ctx context.Context, m *model.Message, dest, wantSHA, reason string, content contentFunc) (model.ReplayRecord, error) {
	rec := model.ReplayRecord{Action: model.ActionWrite, Dest: dest, SHA256Before: m.SHA256}
	if err := ctx.Err(); err != nil {
		rec.Result, rec.Reason = model.ResultFailed, "cancelled"
		return rec, err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		rec.Result = model.ResultFailed
		return rec, fmt.Errorf("create %s: %w", filepath.Dir(dest), err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := content(pw)
		pw.CloseWithError(err)
	}()
	res, err := atomicfile.Write(dest, pr, atomicfile.Options{NoReplace: true, TempDir: f.tmpDir, TempSuffix: tempSuffix, ModTime: m.ModTime})
	pr.CloseWithError(io.ErrClosedPipe) // stops the producer if Write gave up early
	if errors.Is(err, atomicfile.ErrExist) {
		// Someone created it between plan and write: decide again.
		d, derr := decide(m.Path, dest, wantSHA, reason)
		if derr != nil {
			rec.Result = model.ResultFailed
			return rec, derr
		}
		rec.Reason = d.Reason
		if d.Action == model.ActionSkip {
			rec.Result = model.ResultSkipped
		} else {
			rec.Result = model.ResultRefused
		}
		return rec, nil
	}
	if err != nil {
		rec.Result = model.ResultFailed
		return rec, err
	}
	rec.Result, rec.Reason = model.ResultOK, reason
	rec.SHA256After, rec.Bytes = res.SHA256, res.Bytes
	if wantSHA != "" && res.SHA256 != wantSHA {
		rec.Reason = reason + "; the source changed since it was planned"
	}
	rec.Time = time.Now().UTC()
	return rec, nil
}

// recoverWrite decides what became of a write that was begun and never
// recorded as done: our temporary leftovers are removed; a destination
// with the expected content is recorded as done; an absent one is written
// again (done=false).
func (f *folder) recoverWrite(m *model.Message, begin model.ReplayRecord, dest, wantSHA string) (model.ReplayRecord, bool, error) {
	if _, err := atomicfile.RemoveTemps(f.tmpDir); err != nil {
		return model.ReplayRecord{}, false, err
	}
	if begin.Dest != "" && !strings.EqualFold(begin.Dest, dest) {
		dest = begin.Dest
	}
	have, n, err := fileSHA256(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return model.ReplayRecord{}, false, nil
	}
	if err != nil {
		return model.ReplayRecord{}, false, err
	}
	rec := model.ReplayRecord{Action: model.ActionWrite, Dest: dest, SHA256Before: m.SHA256, SHA256After: have, Bytes: n}
	if have == wantSHA {
		rec.Result, rec.Reason = model.ResultOK, "found complete after an interrupted run"
	} else {
		rec.Result, rec.Reason = model.ResultRefused, "interrupted run left a different file at the destination; left in place"
	}
	return rec, true, nil
}
