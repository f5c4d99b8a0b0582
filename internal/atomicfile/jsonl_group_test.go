package atomicfile

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestJSONLConcurrentAppendsShareFsyncs: concurrent appenders (as replay's
// senders are) each get their record durable and whole, one per line.
func TestJSONLConcurrentAppendsShareFsyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	w, err := OpenJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 16, 40
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := w.Append(map[string]int{"s": s, "i": i}); err != nil {
					t.Error(err)
					return
				}
			}
		}(s)
	}
	wg.Wait()
	if w.synced != senders*each {
		t.Errorf("synced %d of %d records", w.synced, senders*each)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[[2]int]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r map[string]int
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("torn or interleaved line %q: %v", sc.Text(), err)
		}
		seen[[2]int{r["s"], r["i"]}] = true
	}
	if len(seen) != senders*each {
		t.Errorf("%d distinct records, want %d", len(seen), senders*each)
	}
}
