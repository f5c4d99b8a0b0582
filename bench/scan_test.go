// Package bench holds the side-by-side benchmarks of imsforensic (see
// docs/benchmarks.md and bench/run.sh). The Go benchmarks here measure the
// scan pipeline on a generated corpus named by $BENCH_CORPUS, for pprof:
//
//	BENCH_CORPUS=/tmp/q go test -run '^$' -bench . -cpuprofile cpu.out ./bench
//
// Without $BENCH_CORPUS they are skipped, so `go test ./...` stays fast.
package bench

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

func corpusDir(b *testing.B) string {
	dir := os.Getenv("BENCH_CORPUS")
	if dir == "" {
		b.Skip("BENCH_CORPUS not set: nothing to measure")
	}
	return dir
}

func corpusSize(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkScan runs what `imsforensic scan` runs: walk, read, parse,
// rules, slim, on all cores (GOMAXPROCS).
func BenchmarkScan(b *testing.B) {
	dir := corpusDir(b)
	b.SetBytes(corpusSize(b, dir))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := inventory.Scan(context.Background(), []string{dir}, inventory.Options{Slim: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRules parses files already in memory and runs the rules:
// the CPU cost of a scan without the file system.
func BenchmarkParseRules(b *testing.B) {
	dir := corpusDir(b)
	var files [][]byte
	var total int64
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(files) >= 2000 {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			files = append(files, data)
			total += int64(len(data))
		}
		return err
	})
	b.SetBytes(total)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			m, _ := parse.Parse(bytes.NewReader(f), nil)
			rules.Apply(m, nil)
		}
	}
}
