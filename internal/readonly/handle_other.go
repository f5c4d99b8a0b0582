//go:build !linux

package readonly

import (
	"io/fs"
	"os"
	"time"
)

// handle is an open regular file: outside Linux, its *os.File from the
// open on (handle_linux.go keeps the bare descriptor until needed).
type handle struct {
	f *os.File
}

func (h *handle) osFile(string) (*os.File, error) { return h.f, nil }

func (h *handle) close() error { return h.f.Close() }

func (h *handle) pread(p []byte, off int64) (int, error) { return pread(h.f, p, off) }

func (h *handle) stat() (int64, time.Time, error) {
	fi, err := h.f.Stat()
	if err != nil {
		return 0, time.Time{}, err
	}
	return fi.Size(), fi.ModTime(), nil
}

func (h *handle) statInfo() (fs.FileInfo, error) { return h.f.Stat() }
