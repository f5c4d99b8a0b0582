//go:build unix && !linux

package readonly

import (
	"os"

	"golang.org/x/sys/unix"
)

// pread is one pread(2) of f at off (retried on EINTR), without os.File's
// loop that reads again after a short read: ReadAll takes a short read at
// the size at open as the end. 0 bytes and no error is the end of file.
func pread(f *os.File, p []byte, off int64) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = unix.Pread(int(fd), p, off)
			if rerr != unix.EINTR {
				return true
			}
		}
	}); err != nil {
		return 0, err
	}
	if n < 0 {
		n = 0
	}
	return n, rerr
}
