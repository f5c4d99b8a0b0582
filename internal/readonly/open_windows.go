package readonly

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// OpenDir opens a folder for listing. Windows has no per-handle way to
// keep a folder's last access time from a listing (SECURITY.md).
func OpenDir(path string) (*os.File, error) { return os.Open(path) }

// openFile opens a read handle that shares read, write and delete with
// others (a live IMS keeps working) and has "do not update the last access
// time" set: SetFileTime with 0xFFFFFFFF for the access time keeps it for
// every later operation on the handle. That call needs FILE_WRITE_ATTRIBUTES
// on the handle, which read-only media and ACLs may refuse: then a plain
// read handle is used and the access time may change (SECURITY.md).
// The information is left to Open's Stat (nil).
func openFile(path string) (handle, fs.FileInfo, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return handle{}, nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	const fileWriteAttributes = 0x0100
	share := uint32(syscall.FILE_SHARE_READ | syscall.FILE_SHARE_WRITE | syscall.FILE_SHARE_DELETE)
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ|fileWriteAttributes, share, nil, syscall.OPEN_EXISTING, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	keep := err == nil
	if errors.Is(err, syscall.ERROR_ACCESS_DENIED) || errors.Is(err, syscall.Errno(19)) { // 19: ERROR_WRITE_PROTECT
		h, err = syscall.CreateFile(p, syscall.GENERIC_READ, share, nil, syscall.OPEN_EXISTING, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	}
	if err != nil {
		return handle{}, nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if keep {
		never := syscall.Filetime{LowDateTime: 0xFFFFFFFF, HighDateTime: 0xFFFFFFFF}
		_ = syscall.SetFileTime(h, nil, &never, nil) // best effort: the read goes on either way
	}
	if t, err := syscall.GetFileType(h); err == nil && t != syscall.FILE_TYPE_DISK {
		syscall.CloseHandle(h)
		return handle{}, nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return handle{f: os.NewFile(uintptr(h), path)}, nil, nil
}
