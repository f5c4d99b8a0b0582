package readonly

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Folder opens files relative to a descriptor of their folder, kept from
// one Open to the next while the files come from the same folder: the
// kernel then looks up only the file's own name instead of walking every
// component of its path again, which was 1.5-2% of a one-core scan's CPU
// (issue 16). A scan's worker keeps one Folder: the walk hands out each
// folder's files in a row.
//
// The file itself is opened exactly as Open opens it (the same flags,
// O_NONBLOCK and O_NOATIME with its EPERM fallback, the same fstat, type
// check and errors, named by the whole path): Folder.Open(path) is
// Open(path) with the lookup of the folder part made once. The folder is
// held by an O_PATH descriptor (it reads nothing, so no access time moves
// and no read permission is needed; search permission is still checked
// at each lookup). Where it cannot be used, the path is opened whole, as
// Open does, so every error is Open's: a path of PATH_MAX bytes or more
// (open(2) refuses it with ENAMETOOLONG, which a relative open of the
// name would not), a path without a file name after its last slash, or a
// folder part that cannot be opened as a folder.
//
// A Folder reads through the folder it opened: a folder renamed or
// replaced while its files are scanned is still that folder for the files
// that follow (Open would resolve the path again). The zero Folder is
// ready; Close releases the descriptor. A Folder is not safe for
// concurrent use.
type Folder struct {
	dir  string
	fd   int  // -1: dir could not be opened as a folder
	open bool // dir and fd are set
}

// pathMax is Linux's PATH_MAX: open(2) refuses a path of this many bytes
// or more (with its terminating NUL, more than PATH_MAX).
const pathMax = 4096

// Open opens path as Open does, relative to the folder of the last Open
// when path is in it.
func (d *Folder) Open(path string) (*File, error) {
	i := strings.LastIndexByte(path, '/')
	name := path[i+1:]
	if len(path) >= pathMax || name == "" || name == "." || name == ".." {
		return Open(path)
	}
	dir := "."
	switch {
	case i == 0:
		dir = "/"
	case i > 0:
		dir = path[:i]
	}
	if !d.open || d.dir != dir {
		d.Close()
		d.dir, d.fd, d.open = dir, openFolder(dir), true
	}
	if d.fd < 0 {
		return Open(path)
	}
	f, info, err := openFileAt(d.fd, name, path)
	return opened(path, f, info, err)
}

// openFolder is an O_PATH descriptor of the folder dir, -1 if dir cannot
// be opened as one.
func openFolder(dir string) int {
	for {
		fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1
		}
		return fd
	}
}

// Close closes the folder's descriptor; the Folder may be used again.
func (d *Folder) Close() error {
	fd, was := d.fd, d.open
	d.dir, d.fd, d.open = "", -1, false
	if was && fd >= 0 {
		return unix.Close(fd)
	}
	return nil
}
