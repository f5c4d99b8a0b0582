package atomicfile

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TempPrefix and TempSuffix frame every temporary name this package
// creates; IsTemp recognises them so that leftovers of an interrupted write
// can be removed without touching anything else.
const (
	TempPrefix = ".imsf-"
	TempSuffix = ".tmp"
)

// ErrExist is returned (wrapped) by a NoReplace write when the destination
// already exists. It unwraps to fs.ErrExist as well.
var ErrExist = fmt.Errorf("atomicfile: destination exists: %w", fs.ErrExist)

// Options tune Write. The zero value writes in the destination's directory
// with the default temporary name and replaces an existing file.
type Options struct {
	// Perm is the mode of the new file; 0 means 0o644.
	Perm fs.FileMode
	// NoReplace refuses to replace an existing destination (ErrExist).
	NoReplace bool
	// TempDir is where the temporary file is written; "" means the
	// destination's directory. It must be on the same volume.
	TempDir string
	// TempSuffix replaces TempSuffix (".tmp") in the temporary name, for
	// folders whose reader gives ".tmp" a meaning of its own.
	TempSuffix string
	// ModTime, when set, is the new file's modification (and access)
	// time, set before the rename so the file never appears in its
	// folder with another: replay keeps a spool file's time, because the
	// IMS and the Pickup folder take files in time order.
	ModTime time.Time
}

// Result is what Write wrote.
type Result struct {
	Bytes  int64
	SHA256 string // lower-case hex of the bytes written
}

// WriteFile writes r to path atomically, replacing an existing file.
func WriteFile(path string, r io.Reader, perm fs.FileMode) (n int64, sum string, err error) {
	res, err := Write(path, r, Options{Perm: perm})
	return res.Bytes, res.SHA256, err
}

// CreateExclusive writes r to path atomically and fails with ErrExist when
// path already exists (see the package doc for how, per platform).
func CreateExclusive(path string, r io.Reader, perm fs.FileMode) (n int64, sum string, err error) {
	res, err := Write(path, r, Options{Perm: perm, NoReplace: true})
	return res.Bytes, res.SHA256, err
}

// Write copies r into a temporary file, fsyncs and closes it, renames it to
// path and fsyncs the directory. On any error the temporary file is
// removed and path is untouched (or absent).
func Write(path string, r io.Reader, opts Options) (Result, error) {
	if err := checkReplaceable(path); err != nil {
		return Result{}, err
	}
	if opts.Perm == 0 {
		opts.Perm = 0o644
	}
	dir := filepath.Dir(path)
	tmpDir := opts.TempDir
	if tmpDir == "" {
		tmpDir = dir
	}
	suffix := opts.TempSuffix
	if suffix == "" {
		suffix = TempSuffix
	}
	f, tmp, err := createTemp(tmpDir, suffix, opts.Perm)
	if err != nil {
		return Result{}, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return Result{}, fmt.Errorf("atomicfile: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return Result{}, fmt.Errorf("atomicfile: fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return Result{}, fmt.Errorf("atomicfile: close %s: %w", tmp, err)
	}
	// After the close: on Windows closing a written handle may set the
	// time again.
	if !opts.ModTime.IsZero() {
		if err := os.Chtimes(tmp, opts.ModTime, opts.ModTime); err != nil {
			return Result{}, fmt.Errorf("atomicfile: set the time of %s: %w", tmp, err)
		}
	}
	if err := checkReplaceable(path); err != nil {
		return Result{}, err
	}
	if opts.NoReplace {
		err = renameNoReplace(tmp, path)
	} else {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Result{}, fmt.Errorf("atomicfile: create %s: %w", path, ErrExist)
		}
		return Result{}, fmt.Errorf("atomicfile: rename %s to %s: %w", tmp, path, err)
	}
	ok = true
	// From here the file is in place: a failing directory sync is reported
	// but the temporary name no longer exists to be cleaned.
	if err := SyncDir(dir); err != nil {
		return Result{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
	}
	if tmpDir != dir {
		if err := SyncDir(tmpDir); err != nil {
			return Result{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
		}
	}
	return Result{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// createTemp creates a new file named TempPrefix+<random>+suffix in dir,
// exclusively (O_EXCL) and readable (Staged.Contents), retrying on the
// unlikely name clash.
func createTemp(dir, suffix string, perm fs.FileMode) (*os.File, string, error) {
	for range 100 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, "", fmt.Errorf("atomicfile: random name: %w", err)
		}
		name := filepath.Join(dir, TempPrefix+hex.EncodeToString(b[:])+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			return f, name, nil
		}
		var pe *fs.PathError
		if errors.Is(err, fs.ErrNotExist) && errors.As(err, &pe) {
			// The folder is missing: name it, not a temporary name the
			// caller never chose ("X: no such file or folder" is what a
			// person reads of the innermost path error).
			return nil, "", fmt.Errorf("atomicfile: create temporary file in %s: %w", dir, &fs.PathError{Op: "open", Path: dir, Err: pe.Err})
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", fmt.Errorf("atomicfile: create temporary file in %s: %w", dir, err)
		}
	}
	return nil, "", fmt.Errorf("atomicfile: create temporary file in %s: too many name clashes", dir)
}

// IsTemp reports whether a base name is a temporary name of this package
// (with any suffix): ".imsf-" followed by 16 hex digits and a dot.
func IsTemp(name string) bool {
	if !strings.HasPrefix(name, TempPrefix) {
		return false
	}
	rest := name[len(TempPrefix):]
	if len(rest) < 18 || rest[16] != '.' {
		return false
	}
	for _, c := range rest[:16] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// RemoveTemps removes the temporary files of this package left in dir by
// an interrupted write and returns their names. Nothing else is touched.
func RemoveTemps(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("atomicfile: list %s: %w", dir, err)
	}
	var removed []string
	for _, e := range ents {
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("atomicfile: remove leftover %s: %w", p, err)
		}
		removed = append(removed, p)
	}
	if len(removed) > 0 {
		if err := SyncDir(dir); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// linkThenRemove is the portable no-replace rename: link fails with EEXIST
// when newpath exists.
func linkThenRemove(oldpath, newpath string) error {
	if err := os.Link(oldpath, newpath); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) && errors.Is(le.Err, fs.ErrExist) {
			return fs.ErrExist
		}
		return err
	}
	if err := os.Remove(oldpath); err != nil {
		return fmt.Errorf("atomicfile: remove %s after link: %w", oldpath, err)
	}
	return nil
}

// checkThenRename is the last resort (see the package doc for its race).
func checkThenRename(oldpath, newpath string) error {
	if _, err := os.Lstat(newpath); err == nil {
		return fs.ErrExist
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(oldpath, newpath)
}

// RenameNoReplace renames oldpath to newpath and fails with ErrExist when
// newpath exists (see the package doc for how, per platform). The
// directory of newpath is fsynced afterwards.
func RenameNoReplace(oldpath, newpath string) error {
	if err := renameNoReplace(oldpath, newpath); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("atomicfile: rename %s to %s: %w", oldpath, newpath, ErrExist)
		}
		return fmt.Errorf("atomicfile: rename %s to %s: %w", oldpath, newpath, err)
	}
	return SyncDir(filepath.Dir(newpath))
}

// ErrNotRegular is a path that exists and is not a regular file (a
// device, a named pipe, a socket): Write does not replace it. A rename
// over /dev/zero, run as root with --map /dev/zero, replaced the device
// with a regular file for every process on the machine.
var ErrNotRegular = errors.New("not a regular file")

// checkReplaceable refuses a path that exists and is not a regular file
// (a link is judged by what it points to; a missing path is fine).
func checkReplaceable(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil // missing: created; any other error is the write's to report
	}
	kind := "special file"
	switch m := fi.Mode(); {
	case m.IsDir():
		kind = "folder"
	case m&fs.ModeDevice != 0:
		kind = "device"
	case m&fs.ModeNamedPipe != 0:
		kind = "named pipe"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	}
	return fmt.Errorf("atomicfile: %s is a %s, %w: it is not replaced; give a file name", path, kind, ErrNotRegular)
}
