package readonly

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// ErrNotRegular is returned by Open for a path that is not a regular file
// (a FIFO, device, socket or folder). Nothing was read from it.
var ErrNotRegular = errors.New("not a regular file: not read")

// ErrChanged is returned by File.Read when the file grew, shrank or was
// rewritten while it was read: what was read is not (all) the file as it
// is now.
var ErrChanged = errors.New("changed while read")

// File is an input opened by Open. Read stops at the size the file had
// when it was opened; reaching that size it checks that the file still has
// that size and modification time and that nothing follows, and returns
// ErrChanged (wrapped, with the sizes) if not.
type File struct {
	h       handle
	path    string
	info    fs.FileInfo // at open
	read    int64
	checked bool
	err     error // sticky result of the end check
}

// Open opens path read-only for a forensic read (see the package doc).
// A path that names a symbolic link is followed: the user named it. A
// non-regular file gives an error wrapping ErrNotRegular that says its
// type.
func Open(path string) (*File, error) {
	// openFile gives the information of its own fstat where it made one
	// (Linux), and then a closed handle with it for a file that is not
	// regular.
	f, info, err := openFile(path)
	return opened(path, f, info, err)
}

// opened is the rest of Open once openFile (or openFileAt) has given the
// handle, the information it had and its error.
func opened(path string, f handle, info fs.FileInfo, err error) (*File, error) {
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if info == nil {
		if info, err = f.statInfo(); err != nil {
			f.close()
			return nil, fmt.Errorf("stat %s: %w", path, err)
		}
	}
	if !info.Mode().IsRegular() {
		f.close() // an error for the closed handle of Linux's openFile
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, typeName(info.Mode()))
	}
	return &File{h: f, path: path, info: info}, nil
}

// ReadFile reads a whole file opened with Open, up to limit bytes (0: no
// limit); a file larger than limit is an error.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if limit > 0 && f.Size() > limit {
		return nil, fmt.Errorf("read %s: %d bytes, more than the %d allowed", path, f.Size(), limit)
	}
	return io.ReadAll(f)
}

// TypeName names a mode that is not a regular file ("socket", "folder"),
// for a message that says what a path is instead of what was wanted.
func TypeName(m fs.FileMode) string { return typeName(m) }

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "folder"
	}
	return m.Type().String()
}

// Stat is the file's information as it was when opened.
func (f *File) Stat() (fs.FileInfo, error) { return f.info, nil }

// Size is the size when opened: the most Read returns.
func (f *File) Size() int64 { return f.info.Size() }

// ModTime is the modification time when opened.
func (f *File) ModTime() time.Time { return f.info.ModTime() }

// Name is the path given to Open.
func (f *File) Name() string { return f.path }

// Read reads up to the size the file had when opened.
func (f *File) Read(p []byte) (int, error) {
	if f.checked {
		if f.err != nil {
			return 0, f.err
		}
		return 0, io.EOF
	}
	left := f.info.Size() - f.read
	if left <= 0 {
		return 0, f.end()
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	of, err := f.h.osFile("read")
	if err != nil {
		return 0, err
	}
	n, err := of.Read(p)
	f.read += int64(n)
	if err == io.EOF {
		return n, f.end()
	}
	return n, err
}

// ReadAt reads at an offset below the size at open (evidence readers that
// seek); it does not run the end check.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.info.Size() {
		return 0, io.EOF
	}
	of, err := f.h.osFile("read")
	if err != nil {
		return 0, err
	}
	if rest := f.info.Size() - off; int64(len(p)) > rest {
		n, err := of.ReadAt(p[:rest], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return of.ReadAt(p, off)
}

// Seek sets the offset of the next Read (a reader that skips the IMS
// envelope); the end check runs again when Read reaches the end.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	of, err := f.h.osFile("seek")
	if err != nil {
		return 0, err
	}
	n, err := of.Seek(offset, whence)
	if err != nil {
		return n, err
	}
	f.read, f.checked, f.err = n, false, nil
	return n, nil
}

// end runs once when Read reaches the size at open (or the OS's end of
// file): anything but an unchanged file of that size is ErrChanged.
func (f *File) end() error {
	f.checked = true
	listed := f.info.Size()
	if f.read < listed {
		f.err = fmt.Errorf("read %s: %w: %d bytes when opened, only %d could be read", f.path, ErrChanged, listed, f.read)
		return f.err
	}
	// Eight bytes, not one: some files the kernel lists with size 0
	// (/proc/self/pagemap) refuse reads shorter than their record.
	var probe [probeLen]byte
	of, err := f.h.osFile("read")
	if err != nil {
		return f.judgeEnd(0, err)
	}
	n, err := of.Read(probe[:])
	return f.judgeEnd(n, err)
}

// probeLen is how many bytes the end check asks for past the size at open.
const probeLen = 8

// judgeEnd is the end check once the probe past the size at open gave n
// bytes and err: anything read there, a read error or a changed size or
// time is ErrChanged (or the error), else io.EOF.
func (f *File) judgeEnd(n int, err error) error {
	f.checked = true
	listed := f.info.Size()
	switch {
	case n > 0:
		f.err = fmt.Errorf("read %s: %w: grew beyond the %d bytes it had when opened (those were read)", f.path, ErrChanged, listed)
		return f.err
	case err != nil && err != io.EOF:
		f.err = fmt.Errorf("read %s past its %d bytes: %w", f.path, listed, err)
		return f.err
	}
	if size, mod, err := f.h.stat(); err == nil && (size != listed || !mod.Equal(f.info.ModTime())) {
		f.err = fmt.Errorf("read %s: %w: size %d -> %d, modified %s -> %s", f.path, ErrChanged, listed, size,
			f.info.ModTime().UTC().Format(time.RFC3339Nano), mod.UTC().Format(time.RFC3339Nano))
		return f.err
	}
	return io.EOF
}

// Close closes the file.
func (f *File) Close() error { return f.h.close() }
