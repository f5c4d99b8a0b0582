//go:build linux

package atomicfile

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace uses renameat2(RENAME_NOREPLACE); file systems that do
// not support the flag fall back to link+unlink, then to check+rename.
func renameNoReplace(oldpath, newpath string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return fs.ErrExist
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.ENOTSUP):
	default:
		return &os.LinkError{Op: "renameat2", Old: oldpath, New: newpath, Err: err}
	}
	if err := linkThenRemove(oldpath, newpath); err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	return checkThenRename(oldpath, newpath)
}

// closeBeforeRename: an open file can be renamed here.
const closeBeforeRename = false
