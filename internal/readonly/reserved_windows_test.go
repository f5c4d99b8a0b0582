package readonly

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestOpenRefusesADevice: a DOS device name given as evidence (NUL, or
// COM1 in any folder) is refused as not a regular file, before any read:
// reading CON would wait for the console, COM1 for a serial line.
func TestOpenRefusesADevice(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"NUL", filepath.Join(dir, "nul"), filepath.Join(dir, "COM1"), filepath.Join(dir, "aux.txt"), "CON"} {
		f, err := Open(p)
		if err == nil {
			f.Close()
			t.Errorf("%s: opened", p)
			continue
		}
		if p == "NUL" && !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v, want ErrNotRegular", p, err)
		}
	}
}
