package rules

import (
	"bytes"
	"os"
	"testing"

	"github.com/imsforensic/imsforensic/parse"
)

// FuzzRules runs parse and the whole catalogue on arbitrary bytes: no
// panic, and every finding's offset lies in the file with its evidence
// equal to the file's bytes there. Seeded from every testdata message.
func FuzzRules(f *testing.F) {
	for _, c := range kbCases(f) {
		raw, err := os.ReadFile(c.path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parse.Parse(bytes.NewReader(raw), &parse.Options{LineBuffer: 4096, EnvelopeWindow: 4096})
		if m == nil {
			t.Fatalf("nil message (err %v)", err)
		}
		for _, q := range []string{"", "OUT"} {
			m.Queue = q
			checkEvidence(t, raw, Check(m, nil))
		}
	})
}
