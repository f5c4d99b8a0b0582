package main

import (
	"syscall"
	"testing"
	"time"
)

func atime(t *testing.T, path string) time.Time {
	t.Helper()
	var st syscall.Stat_t
	mustDo(t, syscall.Stat(path, &st))
	return time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
}
