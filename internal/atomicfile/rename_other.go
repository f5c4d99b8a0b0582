//go:build !linux && !windows

package atomicfile

import (
	"errors"
	"io/fs"
)

// renameNoReplace links then unlinks (atomic no-replace on POSIX file
// systems), falling back to check+rename where hard links are refused.
func renameNoReplace(oldpath, newpath string) error {
	if err := linkThenRemove(oldpath, newpath); err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	return checkThenRename(oldpath, newpath)
}

// closeBeforeRename: an open file can be renamed here.
const closeBeforeRename = false
