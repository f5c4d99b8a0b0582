package readonly

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkOpenRead compares a forensic open and read of small spool-sized
// files with os.Open: the price of fstat, clearing O_NONBLOCK and the end
// check. docs/robustness.md has the ratio and the command.
func BenchmarkOpenRead(b *testing.B) {
	dir := b.TempDir()
	const n = 500
	body := make([]byte, 16<<10)
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 32<<10)
	for _, c := range []struct {
		name string
		open func(string) (io.ReadCloser, error)
	}{
		{"os.Open", func(p string) (io.ReadCloser, error) { return os.Open(p) }},
		{"readonly.Open", func(p string) (io.ReadCloser, error) { return Open(p) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				for i := range n {
					f, err := c.open(filepath.Join(dir, fmt.Sprint(i)))
					if err != nil {
						b.Fatal(err)
					}
					for {
						if _, err := f.Read(buf); err != nil {
							break
						}
					}
					f.Close()
				}
			}
		})
	}
}
