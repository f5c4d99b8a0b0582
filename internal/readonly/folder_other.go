//go:build !linux

package readonly

// Folder is Linux's opener relative to a folder's descriptor
// (folder_linux.go); elsewhere it opens each path with Open.
type Folder struct{}

// Open is Open(path).
func (d *Folder) Open(path string) (*File, error) { return Open(path) }

// Close has nothing to close.
func (d *Folder) Close() error { return nil }
