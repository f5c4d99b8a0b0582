//go:build unix

package readonly

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openFile opens without blocking (a FIFO with no writer would block a
// plain open forever) and, where the platform has it, without updating the
// access time. O_NOATIME is refused with EPERM to whoever neither owns the
// file nor has CAP_FOWNER: then the file is opened without it.
func openFile(path string) (*os.File, error) {
	flags := unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY
	fd, err := openRetry(path, flags|noatime)
	if noatime != 0 && errors.Is(err, unix.EPERM) {
		fd, err = openRetry(path, flags)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	// Reads of a regular file never block; clearing O_NONBLOCK keeps the
	// descriptor out of Go's poller, as os.Open would.
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// OpenDir opens a folder for listing, leaving its access time alone where
// the platform allows (O_NOATIME, as for files). A path that is not a
// folder is an error.
func OpenDir(path string) (*os.File, error) {
	flags := unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	fd, err := openRetry(path, flags|noatime)
	if noatime != 0 && errors.Is(err, unix.EPERM) {
		fd, err = openRetry(path, flags)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func openRetry(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
