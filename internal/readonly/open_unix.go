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
	fd, err = openRetry(path, flags|noatime)
	if err == nil {
		return fd, noatime, nil
	}
	if noatime != 0 && errors.Is(err, unix.EPERM) {
		fd, err = openRetry(path, flags)
	}
	return fd, 0, err
}

func openRetry(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
