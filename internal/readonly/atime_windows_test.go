package readonly

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// Atime is the access time of path: its last access time as the file
// system keeps it (os.Stat reads attributes, which is no access).
func Atime(t *testing.T, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(0, fi.Sys().(*syscall.Win32FileAttributeData).LastAccessTime.Nanoseconds()).UTC()
}
