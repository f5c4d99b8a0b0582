package readonly

import (
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// handle is an open regular file on Linux: its descriptor, and an
// *os.File made from it only when Read, ReadAt or Seek first need one. A
// scan opens every file of a queue, reads it whole with ReadAll (one
// pread), checks its end (one fstat) and closes it: os.NewFile's F_GETFL,
// its finalizer, os.File's Stat and Close wrappers and the F_SETFL that
// clears O_NONBLOCK are not needed on that path (issue 16).
//
// The descriptor is opened with O_NONBLOCK (a FIFO put in the file's place
// must not block the open) and keeps it while only pread reads it: Linux
// ignores O_NONBLOCK for reads of regular files on local file systems,
// and a file system that honours it (FUSE, a /proc file that waits) says
// EAGAIN, upon which the flag is cleared and the read made again, as it
// is before an *os.File is made (which would otherwise take the descriptor
// into Go's poller).
type handle struct {
	fd       int      // -1 once closed
	f        *os.File // nil until osFile is called; owns fd from then on
	name     string
	status   int  // the status flags of the open without O_NONBLOCK (O_NOATIME or 0)
	blocking bool // O_NONBLOCK cleared
}

// block clears O_NONBLOCK with one F_SETFL of the status flags the file
// was opened with (no F_GETFL first).
func (h *handle) block() error {
	if h.blocking {
		return nil
	}
	if _, err := unix.FcntlInt(uintptr(h.fd), unix.F_SETFL, h.status); err != nil {
		return &os.PathError{Op: "fcntl", Path: h.name, Err: err}
	}
	h.blocking = true
	return nil
}

// osFile is the *os.File of the descriptor, made on first use; after
// Close, the error os.File gives for op on a closed file.
func (h *handle) osFile(op string) (*os.File, error) {
	if h.f == nil {
		if h.fd < 0 {
			return nil, &os.PathError{Op: op, Path: h.name, Err: os.ErrClosed}
		}
		if err := h.block(); err != nil {
			return nil, err
		}
		h.f = os.NewFile(uintptr(h.fd), h.name)
	}
	return h.f, nil
}

func (h *handle) close() error {
	if h.f != nil {
		h.fd = -1
		return h.f.Close()
	}
	if h.fd < 0 {
		return &os.PathError{Op: "close", Path: h.name, Err: os.ErrClosed}
	}
	fd := h.fd
	h.fd = -1
	if err := unix.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: h.name, Err: err}
	}
	return nil
}

// pread is one pread(2) at off (retried on EINTR), without os.File's loop
// that reads again after a short read: ReadAll takes a short read at the
// size at open as the end. 0 bytes and no error is the end of file.
func (h *handle) pread(p []byte, off int64) (int, error) {
	if h.fd < 0 {
		return 0, os.ErrClosed
	}
	for {
		n, err := unix.Pread(h.fd, p, off)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN && !h.blocking {
			if berr := h.block(); berr != nil {
				return 0, berr
			}
			continue
		}
		if n < 0 {
			n = 0
		}
		if err != nil {
			return n, err
		}
		return n, nil
	}
}

// stat is the size and modification time of an fstat now, for the end
// check (what os.File.Stat would say of them).
func (h *handle) stat() (int64, time.Time, error) {
	if h.fd < 0 {
		return 0, time.Time{}, &os.PathError{Op: "stat", Path: h.name, Err: os.ErrClosed}
	}
	var st syscall.Stat_t
	if err := fstatRetry(h.fd, &st); err != nil {
		return 0, time.Time{}, &os.PathError{Op: "stat", Path: h.name, Err: err}
	}
	return st.Size, time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)), nil
}

// statInfo is not called on Linux, where openFile's fstat gives the
// information; it is os.File.Stat.
func (h *handle) statInfo() (fs.FileInfo, error) {
	f, err := h.osFile("stat")
	if err != nil {
		return nil, err
	}
	return f.Stat()
}
