//go:build unix && !linux

package readonly

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// openFile opens path with fileFlags and O_NOATIME where allowed
// (openNoatime). The information is left to Open's Stat (nil); Linux has
// the shorter path of open_linux.go.
func openFile(path string) (handle, fs.FileInfo, error) {
	fd, _, err := openNoatime(path, fileFlags)
	if err != nil {
		return handle{}, nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	// Reads of a regular file never block; clearing O_NONBLOCK keeps the
	// descriptor out of Go's poller, as os.Open would.
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return handle{}, nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return handle{f: os.NewFile(uintptr(fd), path)}, nil, nil
}
