package testpeer

import (
	"syscall"
	"testing"
	"time"
)

// Atime is path's last access time as the file system keeps it, for the
// tests that prove a read leaves it alone (stat is no access).
func Atime(t testing.TB, path string) time.Time {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
}
