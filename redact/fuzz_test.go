package redact

import (
	"os"
	"testing"

	"github.com/imsforensic/imsforensic/internal/kbsample"
)

// FuzzRedact: on any input, Bytes does not panic and a copy has the
// input's length (every placeholder the length of what it replaces).
func FuzzRedact(f *testing.F) {
	for _, c := range kbsample.All(f, "..") {
		if raw, err := os.ReadFile(c.Path); err == nil && len(raw) < 64<<10 {
			f.Add(raw)
		}
	}
	r, err := New(Options{Key: []byte("fuzz")})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 256<<10 {
			t.Skip()
		}
		res, err := r.Bytes(raw, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Output != nil && len(res.Output) != len(raw) {
			t.Fatalf("copy of %d bytes, input %d", len(res.Output), len(raw))
		}
	})
}
