//go:build linux || windows

package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/testpeer"
)

// TestReadsLeaveAccessTimesAlone is finding 7 of issue #14: every reading
// command used to update the evidence files' access time. On Linux
// (relatime: an access time not after the modification time is updated by
// a read) the commands read through O_NOATIME and leave it as it was; on
// Windows through handles told never to update it (internal/readonly),
// files only: Windows has no such handle for a folder's listing.
func TestReadsLeaveAccessTimesAlone(t *testing.T) {
	if testpeer.Wine() {
		t.Skip("Wine 8.0 does not keep an access time for a handle (scripts/wine-test.sh)")
	}
	queue := sampleCopy(t) // atime = mtime = 2001-03-14
	files := map[string]time.Time{}
	mustDo(t, filepath.Walk(queue, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			files[p] = testpeer.Atime(t, p)
		}
		return err
	}))
	dirs := map[string]time.Time{}
	old := time.Date(2001, 3, 14, 15, 30, 0, 0, time.UTC)
	for _, d := range []string{queue, filepath.Join(queue, "IN"), filepath.Join(queue, "OUT")} {
		mustDo(t, os.Chtimes(d, old, old))
		dirs[d] = testpeer.Atime(t, d)
	}
	pickup := filepath.Join(t.TempDir(), "Pickup")
	mustDo(t, os.Mkdir(pickup, 0o755))
	one := filepath.Join(queue, "IN", "HBWK2Q2P")
	for _, args := range [][]string{
		{"scan", queue},
		{"show", one},
		{"triage", queue},
		{"simulate", queue},
		{"replay", queue, "--to", "pickup:" + pickup, "--journal", filepath.Join(t.TempDir(), "j.jsonl")},
		{"bisect", queue, "--probe", trueProbe, "--journal", filepath.Join(t.TempDir(), "b.jsonl")},
		{"repair", queue, "--out", filepath.Join(t.TempDir(), "fixed")},
		{"redact", queue, "--out", filepath.Join(t.TempDir(), "redacted")},
		{"events", queue},
	} {
		runCLI(t, "", args...)
		if args[0] == "scan" && runtime.GOOS != "windows" {
			// The walk lists the folders through O_NOATIME too.
			for _, d := range []string{queue, filepath.Join(queue, "IN"), filepath.Join(queue, "OUT")} {
				if now := testpeer.Atime(t, d); !now.Equal(dirs[d]) {
					t.Errorf("scan changed the access time of the folder %s: %s -> %s", filepath.Base(d), dirs[d], now)
				}
			}
		}
		for p, was := range files {
			if now := testpeer.Atime(t, p); !now.Equal(was) {
				t.Errorf("%q changed the access time of %s: %s -> %s", args, filepath.Base(p), was, now)
			}
		}
	}
}
