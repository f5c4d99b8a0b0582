package readonly

import (
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// openFile opens path with fileFlags and O_NOATIME where allowed
// (openNoatime) and returns the file's information from its one fstat.
// Only a regular file is kept; O_NONBLOCK stays set until the handle needs
// an *os.File or a read says EAGAIN (handle.blocking): a scan opens every
// file of a queue, and the open's system calls were 5% of its CPU. Any
// other type is closed unread and its information returned with a closed
// handle, for Open to report.
func openFile(path string) (handle, fs.FileInfo, error) {
	return openFileAt(unix.AT_FDCWD, path, path)
}

// openFileAt is openFile of name relative to the folder descriptor dirfd,
// with the same flags, checks and errors; path (the folder's path and
// name) is what the errors, the handle and the information are named by.
func openFileAt(dirfd int, name, path string) (handle, fs.FileInfo, error) {
	fd, status, err := openNoatimeAt(dirfd, name, fileFlags)
	if err != nil {
		return handle{fd: -1}, nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := fstatRetry(fd, &st); err != nil {
		unix.Close(fd)
		return handle{fd: -1}, nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	info := newFileInfo(path, &st)
	if !info.Mode().IsRegular() {
		unix.Close(fd)
		return handle{fd: -1}, info, nil
	}
	return handle{fd: fd, name: path, status: status}, info, nil
}

func fstatRetry(fd int, st *syscall.Stat_t) error {
	for {
		if err := syscall.Fstat(fd, st); err != syscall.EINTR {
			return err
		}
	}
}

// fileInfo is the fs.FileInfo of an fstat, as os.File.Stat builds it
// (Sys is the *syscall.Stat_t).
type fileInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
	sys     syscall.Stat_t
}

func newFileInfo(path string, st *syscall.Stat_t) *fileInfo {
	fi := &fileInfo{name: baseName(path), size: st.Size, sys: *st,
		modTime: time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))}
	fi.mode = fs.FileMode(st.Mode & 0o777)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		fi.mode |= fs.ModeDevice
	case syscall.S_IFCHR:
		fi.mode |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		fi.mode |= fs.ModeDir
	case syscall.S_IFIFO:
		fi.mode |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		fi.mode |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		fi.mode |= fs.ModeSocket
	}
	if st.Mode&syscall.S_ISGID != 0 {
		fi.mode |= fs.ModeSetgid
	}
	if st.Mode&syscall.S_ISUID != 0 {
		fi.mode |= fs.ModeSetuid
	}
	if st.Mode&syscall.S_ISVTX != 0 {
		fi.mode |= fs.ModeSticky
	}
	return fi
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return fi.modTime }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi *fileInfo) Sys() any           { return &fi.sys }

// baseName is os's basename: the last element, trailing slashes dropped.
func baseName(name string) string {
	i := len(name)
	for i > 0 && name[i-1] == '/' {
		i--
	}
	name = name[:i]
	for j := len(name) - 1; j >= 0; j-- {
		if name[j] == '/' {
			return name[j+1:]
		}
	}
	return name
}
