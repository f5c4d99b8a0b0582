package parse_test

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// The hostile-input suite of issue 9 that huge_test.go does not already
// cover: a gigabyte of MANY header fields, 100,000-deep MIME nesting and
// 1,000,000 parts. Inputs are generated while they are read, never held
// in memory or committed. The names start with Huge so that CI's
// "huge inputs without the race detector" step runs the full sizes; under
// -race or -short they run scaled down (same code paths).

// hostileScale is 1 for the full sizes and 16 under -short or -race
// (IMSF_LONG=1 forces the full sizes there too).
func hostileScale() int {
	if (testing.Short() || hostileRace) && os.Getenv("IMSF_LONG") == "" {
		return 16
	}
	return 1
}

// genReader streams the chunks next returns until it returns nil.
type genReader struct {
	next func() []byte
	cur  []byte
	n    int64
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.cur) == 0 {
		if g.next == nil {
			return 0, io.EOF
		}
		c := g.next()
		if c == nil {
			g.next = nil
			return 0, io.EOF
		}
		g.cur = c
	}
	n := copy(p, g.cur)
	g.cur = g.cur[n:]
	g.n += int64(n)
	return n, nil
}

// chunks returns a next function that yields head, then unit(i) for
// i in [0, n), then tail.
func chunks(head []byte, n int, unit func(i int) []byte, tail []byte) func() []byte {
	i := -1
	return func() []byte {
		defer func() { i++ }()
		switch {
		case i < 0:
			return head
		case i < n:
			return unit(i)
		case i == n:
			return tail
		}
		return nil
	}
}

// parseBounded parses r and returns the message, the largest growth of
// the heap in use seen while parsing, and how long it took.
func parseBounded(t *testing.T, r io.Reader) (*model.Message, int64, time.Duration) {
	t.Helper()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop, done := make(chan struct{}), make(chan struct{})
	peak := before.HeapInuse
	go func() {
		defer close(done)
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}()
	began := time.Now()
	m, err := parse.Parse(r, nil)
	took := time.Since(began)
	close(stop)
	<-done
	if err != nil {
		t.Fatalf("Parse: %v (in-memory input never fails)", err)
	}
	if m == nil {
		t.Fatal("nil Message")
	}
	return m, int64(peak) - int64(before.HeapInuse), took
}

// hasRule reports whether the findings name rule.
func hasRule(fs []model.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// maxHeapGrowth is what "bounded" means here: the default limits keep
// 10,000 fields, 4 MiB of header values and 10,000 parts, so the heap must
// stay far below the input whatever its size.
const maxHeapGrowth = 160 << 20

func TestHugeManyHeaderFields(t *testing.T) {
	// 1 GiB of 64-byte header fields: 16.7 million fields.
	const field = "X-Hostile-Field: 0123456789abcdef0123456789abcdef0123456789a\r\n"
	n := (1 << 30) / len(field) / hostileScale()
	line := []byte(field)
	r := &genReader{next: chunks([]byte("From: a@b\r\n"), n, func(int) []byte { return line }, []byte("\r\nbody\r\n"))}
	m, grow, took := parseBounded(t, r)
	t.Logf("%d header fields (%d MiB) in %v, heap grew by at most %.1f MiB", n, r.n>>20, took, float64(grow)/(1<<20))
	if grow > maxHeapGrowth {
		t.Errorf("heap grew by %d MiB: header fields are not bounded", grow>>20)
	}
	if m.Size != r.n || m.Scan.HeaderFields != n+1 || !m.Scan.HeaderTerminated {
		t.Errorf("size %d/%d, fields %d/%d, terminated %v", m.Size, r.n, m.Scan.HeaderFields, n+1, m.Scan.HeaderTerminated)
	}
	if kept := len(m.Header()); kept > 10000 {
		t.Errorf("%d header fields kept, over the default MaxHeaderFields", kept)
	}
	fs := rules.Check(m, nil)
	if !hasRule(fs, "header-block-over-32k") {
		t.Errorf("no header-block-over-32k finding; got %v", ruleIDs(fs))
	}
}

func TestHugeDeepNesting(t *testing.T) {
	// 100,000 nested multiparts, each opening the next.
	depth := 100000 / hostileScale()
	unit := func(i int) []byte {
		return fmt.Appendf(nil, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	r := &genReader{next: chunks([]byte("From: a@b\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"),
		depth, unit, fmt.Appendf(nil, "--b%d\r\n\r\ninnermost\r\n--b%d--\r\n", depth, depth))}
	m, grow, took := parseBounded(t, r)
	t.Logf("%d levels (%d KiB) in %v, heap grew by at most %.1f MiB, %d parts recorded, depth %d",
		depth, r.n>>10, took, float64(grow)/(1<<20), len(m.Parts), m.Scan.MaxDepth)
	if grow > maxHeapGrowth {
		t.Errorf("heap grew by %d MiB: nesting is not bounded", grow>>20)
	}
	if m.Size != r.n {
		t.Errorf("size %d, want %d", m.Size, r.n)
	}
	fs := rules.Check(m, nil)
	if !hasRule(fs, "mime-nesting-over-30") {
		t.Errorf("no mime-nesting-over-30 finding; got %v", ruleIDs(fs))
	}
}

func TestHugeMillionParts(t *testing.T) {
	n := 1000000 / hostileScale()
	unit := func(i int) []byte {
		return fmt.Appendf(nil, "--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	r := &genReader{next: chunks([]byte("From: a@b\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"),
		n, unit, []byte("--b--\r\n"))}
	m, grow, took := parseBounded(t, r)
	t.Logf("%d parts (%d MiB) in %v, heap grew by at most %.1f MiB, %d parts recorded", n, r.n>>20, took, float64(grow)/(1<<20), len(m.Parts))
	if grow > maxHeapGrowth {
		t.Errorf("heap grew by %d MiB: parts are not bounded", grow>>20)
	}
	if m.Size != r.n || m.Scan.Parts != n+1 {
		t.Errorf("size %d/%d, parts counted %d, want %d", m.Size, r.n, m.Scan.Parts, n+1)
	}
	if len(m.Parts) > 10000 {
		t.Errorf("%d parts recorded, over the default MaxParts", len(m.Parts))
	}
	if fs := rules.Check(m, nil); !hasRule(fs, "parts-over-1000") {
		t.Errorf("no parts-over-1000 finding; got %v", ruleIDs(fs))
	}
}

func ruleIDs(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}
