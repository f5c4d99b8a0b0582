package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// atime is path's last access time as the file system keeps it (os.Stat
// reads attributes, which is no access).
func atime(t *testing.T, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	mustDo(t, err)
	return time.Unix(0, fi.Sys().(*syscall.Win32FileAttributeData).LastAccessTime.Nanoseconds()).UTC()
}
