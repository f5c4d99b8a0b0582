package replay

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestStateDirIsLocalAppData: journals go to %LOCALAPPDATA%\imsforensic\
// journals (local, not roaming), whatever XDG_STATE_HOME says; without
// LOCALAPPDATA there is no default, and the error says to give --journal.
func TestStateDirIsLocalAppData(t *testing.T) {
	local := t.TempDir()
	t.Setenv("LOCALAPPDATA", local)
	t.Setenv("XDG_STATE_HOME", filepath.Join(local, "xdg"))
	d, err := StateDir()
	if err != nil || d != filepath.Join(local, "imsforensic", "journals") {
		t.Fatalf("StateDir = %q, %v; want %s", d, err, filepath.Join(local, "imsforensic", "journals"))
	}
	t.Setenv("LOCALAPPDATA", "")
	if d, err := StateDir(); err == nil || !strings.Contains(err.Error(), "--journal") {
		t.Fatalf("StateDir without LOCALAPPDATA = %q, %v; want an error naming --journal", d, err)
	}
}
