//go:build windows

package smtpsink

// syncDir is a no-op on Windows: a directory cannot be opened for
// FlushFileBuffers there, and NTFS journals the rename metadata itself.
func syncDir(dir string) error { return nil }
