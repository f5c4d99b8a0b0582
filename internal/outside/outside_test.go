package outside

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	d := t.TempDir()
	in := filepath.Join(d, "TempIMS", "IN")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(in, "ABCDEFGH")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(in, filepath.Join(d, "link")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		out    string
		inputs []string
		inside bool
	}{
		{filepath.Join(d, "out"), []string{filepath.Join(d, "TempIMS")}, false},
		{filepath.Join(d, "TempIMS", "fixed"), []string{filepath.Join(d, "TempIMS")}, true},
		{filepath.Join(d, "tempims", "IN", "x", "y"), []string{filepath.Join(d, "TempIMS")}, true}, // case-insensitive, not yet existing
		{filepath.Join(d, "link", "new"), []string{in}, true},                                      // through a symlink
		{in, []string{file}, true}, // the folder of an input file
		{file, []string{file}, true},
		{filepath.Join(d, "TempIMSx"), []string{filepath.Join(d, "TempIMS")}, false}, // a prefix is not a parent
		{filepath.Join(d, "TempIMS"), []string{file}, false},                         // a file's grandparent is not its folder
	}
	for _, c := range cases {
		err := Check(c.out, c.inputs)
		if got := errors.Is(err, ErrInsideInput); got != c.inside {
			t.Errorf("Check(%s, %v) = %v, want inside=%v", c.out, c.inputs, err, c.inside)
		}
	}
}
