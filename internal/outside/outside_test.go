package outside

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
)

func TestWriteCopy(t *testing.T) {
	d := t.TempDir()
	in := filepath.Join(d, "TempIMS", "IN")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	g := guard.New(filepath.Join(d, "TempIMS"))
	if _, err := WriteCopy(g, "the copy", filepath.Join(in, "fixed", "X"), []byte("x")); !errors.Is(err, guard.ErrInsideEvidence) {
		t.Errorf("inside the evidence: %v", err)
	}
	if _, err := os.Stat(filepath.Join(in, "fixed")); err == nil {
		t.Errorf("a folder was created inside the evidence")
	}
	dest := filepath.Join(d, "out", "IN", "X")
	sum, err := WriteCopy(g, "the copy", dest, []byte("x"))
	if err != nil || len(sum) != 64 {
		t.Fatalf("write: %q %v", sum, err)
	}
	if again, err := WriteCopy(g, "the copy", dest, []byte("x")); err != nil || again != sum {
		t.Errorf("the same copy again: %q %v", again, err)
	}
	if _, err := WriteCopy(g, "the copy", dest, []byte("y")); !errors.Is(err, atomicfile.ErrExist) {
		t.Errorf("another copy over it: %v", err)
	}
}
