//go:build unix

package readonly

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// OpenDir opens a folder for listing, leaving its access time alone where
// the platform allows (O_NOATIME, as for files). A path that is not a
// folder is an error.
func OpenDir(path string) (*os.File, error) {
	fd, _, err := openNoatime(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// fileFlags are the open flags of an input file: the open never blocks
// (a FIFO with no writer would block a plain open forever) and no
// terminal becomes the process's.
const fileFlags = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY

// openNoatime opens with flags and, where the platform has it, without
// updating the access time; it returns the file status flags it added
// (O_NOATIME or 0). O_NOATIME is refused with EPERM to whoever neither
// owns the file nor has CAP_FOWNER: then the file is opened without it.
func openNoatime(path string, flags int) (fd, added int, err error) {
	return openNoatimeAt(unix.AT_FDCWD, path, flags)
}

// openNoatimeAt is openNoatime of name relative to the folder descriptor
// dirfd (unix.AT_FDCWD: the current folder, as open(2) does).
func openNoatimeAt(dirfd int, name string, flags int) (fd, added int, err error) {
	fd, err = openRetry(dirfd, name, flags|noatime)
	if err == nil {
		return fd, noatime, nil
	}
	if noatime != 0 && errors.Is(err, unix.EPERM) {
		fd, err = openRetry(dirfd, name, flags)
	}
	return fd, 0, err
}

func openRetry(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
