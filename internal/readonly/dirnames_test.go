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

// TestDirEntriesAreLstatTypes: DirEntries lists what DirNames lists, in
// the same order, each with the type lstat gives (a link to a folder is a
// link, not a folder).
func TestDirEntriesAreLstatTypes(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"Q3", "a", "Q1"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "IN"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("IN", filepath.Join(dir, "link")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	es, err := DirEntries(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := DirNames(dir)
	if len(es) != len(names) {
		t.Fatalf("DirEntries = %v, DirNames = %q", es, names)
	}
	for i, e := range es {
		info, err := os.Lstat(filepath.Join(dir, e.Name))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name != names[i] || e.Type != info.Mode().Type() {
			t.Errorf("entry %d = %q %v; want %q %v", i, e.Name, e.Type, names[i], info.Mode().Type())
		}
	}
	if _, err := DirEntries(filepath.Join(dir, "gone")); err == nil {
		t.Error("DirEntries of a missing folder: no error")
	}
}
