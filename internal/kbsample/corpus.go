package kbsample

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Corpus returns every test input of the repository under root, by path:
// the KB samples, the public parser suites, parse's and the top-level test
// folders, and the Go fuzz corpora among them (each value of a corpus file
// on its own, "path#i"). The differential tests of repair and redact run
// their bounded-memory paths against their in-memory ones over it.
func Corpus(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, dir := range []string{"rules/testdata/kb", "rules/testdata/suites", "rules/testdata/fuzz", "parse/testdata", "testdata", "repair/testdata", "redact/testdata"} {
		filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(filepath.ToSlash(path), "/fuzz/") {
				for i, b := range fuzzValues(raw) {
					out[fmt.Sprintf("%s#%d", path, i)] = b
				}
				return nil
			}
			out[path] = raw
			return nil
		})
	}
	if len(out) < 300 {
		t.Fatalf("only %d test inputs under %s: the test data moved?", len(out), root)
	}
	return out
}

// fuzzValues are the []byte and string values of a Go fuzz corpus file
// ("go test fuzz v1", then one value a line).
func fuzzValues(raw []byte) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		l := sc.Text()
		for _, pre := range []string{"[]byte(", "string("} {
			if strings.HasPrefix(l, pre) && strings.HasSuffix(l, ")") {
				if v, err := strconv.Unquote(l[len(pre) : len(l)-1]); err == nil {
					out = append(out, []byte(v))
				}
			}
		}
	}
	return out
}
