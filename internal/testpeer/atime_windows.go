package testpeer

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// Atime is path's last access time as the file system keeps it, for the
// tests that prove a read leaves it alone (os.Stat reads attributes,
// which is no access).
func Atime(t testing.TB, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(0, fi.Sys().(*syscall.Win32FileAttributeData).LastAccessTime.Nanoseconds()).UTC()
}
