package readonly

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDirNamesSorted: every name of a folder (files and folders alike),
// sorted, and an error for a folder that is not there.
func TestDirNamesSorted(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"Q3", "a", "Q1", "Q10"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "IN"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := DirNames(dir)
	if want := []string{"IN", "Q1", "Q10", "Q3", "a"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("DirNames = %q, %v; want %q", got, err, want)
	}
	if _, err := DirNames(filepath.Join(dir, "gone")); err == nil {
		t.Error("DirNames of a missing folder: no error")
	}
}
