//go:build windows

package atomicfile

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// renameNoReplace uses MoveFileEx without MOVEFILE_REPLACE_EXISTING, which
// fails with ERROR_ALREADY_EXISTS when newpath exists.
func renameNoReplace(oldpath, newpath string) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err != nil {
		return err
	}
	to, err := windows.UTF16PtrFromString(newpath)
	if err != nil {
		return err
	}
	err = windows.MoveFileEx(from, to, windows.MOVEFILE_WRITE_THROUGH)
	if err == nil {
		return nil
	}
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS) {
		return fs.ErrExist
	}
	return &os.LinkError{Op: "MoveFileEx", Old: oldpath, New: newpath, Err: err}
}

// SyncDir is a no-op on Windows: directories cannot be opened for
// FlushFileBuffers without backup privileges, and NTFS journals renames.
func SyncDir(dir string) error { return nil }

// closeBeforeRename: Windows renames no open file, so a OneSync step
// fsyncs and closes its files before it names them.
const closeBeforeRename = true
