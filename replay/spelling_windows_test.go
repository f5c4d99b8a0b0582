package replay

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFolderTargetLockIgnoresWindowsSpelling: Windows folder names are
// case-insensitive and take / as well as \, so C:\Exchsrvr\Imcdata\Pickup,
// c:\EXCHSRVR\imcdata\pickup\ and C:/Exchsrvr/Imcdata/Pickup are one
// folder: two replays into it under two spellings must take the same
// locks (else both deliver, and the IMS gets each message twice). Each
// folder target: pickup:, replay-dir:, imcdata:.
func TestFolderTargetLockIgnoresWindowsSpelling(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "Imcdata", "Pickup")
	mustMkdir(t, dir)
	spellings := []string{
		strings.ToUpper(dir),
		strings.ToLower(dir) + `\`,
		filepath.ToSlash(dir),
		filepath.Join(base, "imcdata", ".", "PICKUP"),
	}
	targets := map[string]func(string) (Target, error){
		"pickup":     func(d string) (Target, error) { return NewPickupTarget(d, PickupOptions{}) },
		"replay-dir": func(d string) (Target, error) { return NewReplayDirTarget(d) },
		"imcdata":    func(d string) (Target, error) { return NewImcdataTarget(d, ImcdataOptions{}) },
	}
	for name, open := range targets {
		direct, err := open(dir)
		if err != nil {
			t.Fatalf("%s %s: %v", name, dir, err)
		}
		want := lockPaths(direct)
		for _, s := range spellings {
			tg, err := open(s)
			if err != nil {
				t.Fatalf("%s %s: %v", name, s, err)
			}
			if got := lockPaths(tg); !strings.EqualFold(got, want) || got == "" {
				t.Errorf("%s: %s locks %q, %s locks %q", name, s, got, dir, want)
			}
		}
	}
}
