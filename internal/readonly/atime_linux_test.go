package readonly

import (
	"syscall"
	"testing"
	"time"
)

// Atime is the access time of path.
func Atime(t *testing.T, path string) time.Time {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
}
