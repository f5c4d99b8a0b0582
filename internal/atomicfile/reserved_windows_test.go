package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteRefusesAReservedName: on Windows a DOS device name (NUL, CON,
// COM1, AUX, with or without an extension) names a device in every folder.
// A write to one is refused, as a device, or fails at the rename; either
// way nothing is written and no temporary file is left.
func TestWriteRefusesAReservedName(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"NUL", "nul", "NUL.eml", "CON", "COM1", "aux.txt", "LPT1"} {
		_, _, err := WriteFile(filepath.Join(dir, name), strings.NewReader("x"), 0o644)
		if err == nil {
			t.Errorf("%s: written", name)
		}
		if name == "NUL" && !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v, want ErrNotRegular (a device)", name, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}
