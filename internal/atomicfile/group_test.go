package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Concurrent commits all land whole under their names; one that cannot
// (its folder is gone) fails alone and leaves no temporary file. The same
// with OneSync, whose BeforeSync file is called for in every step.
func TestCommitterConcurrentAndFailingAlone(t *testing.T) {
	t.Run("two syncs", func(t *testing.T) { testCommitterConcurrent(t, &Committer{}) })
	t.Run("OneSync", func(t *testing.T) {
		extra, err := os.Create(filepath.Join(t.TempDir(), "checkpoint"))
		if err != nil {
			t.Fatal(err)
		}
		defer extra.Close()
		var n int // the committer's goroutine only: one step at a time
		c := &Committer{OneSync: true, BeforeSync: func() *os.File {
			n++
			return extra
		}}
		testCommitterConcurrent(t, c)
		if n == 0 {
			t.Error("BeforeSync was never called")
		}
	})
}

func testCommitterConcurrent(t *testing.T, c *Committer) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dest := dir
			if i == 7 {
				dest = filepath.Join(dir, "missing")
			}
			a, err := Stage(dir, Options{NoReplace: true})
			if err != nil {
				errs[i] = err
				return
			}
			defer a.Abort()
			b, _ := Stage(dir, Options{NoReplace: true})
			defer b.Abort()
			fmt.Fprintf(a, "message %d", i)
			fmt.Fprintf(b, "envelope %d", i)
			errs[i] = c.Commit(a.To(filepath.Join(dest, fmt.Sprintf("%02d.eml", i))), b.To(filepath.Join(dest, fmt.Sprintf("%02d.json", i))))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 7) {
			t.Errorf("commit %d: %v", i, err)
		}
		if i == 7 {
			continue
		}
		for _, f := range []string{fmt.Sprintf("%02d.eml", i), fmt.Sprintf("%02d.json", i)} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s missing: %v", f, err)
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%02d.eml", i)))
		if string(b) != fmt.Sprintf("message %d", i) {
			t.Errorf("%02d.eml = %q", i, b)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if IsTemp(e.Name()) {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	if len(ents) != 39*2 {
		t.Errorf("%d files, want %d", len(ents), 39*2)
	}
}

// A write error is kept and returned by Commit: a short file is never
// committed.
func TestStagedWriteErrorFailsCommit(t *testing.T) {
	dir := t.TempDir()
	s, err := Stage(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.f.Close() // writes now fail
	if _, err := s.Write([]byte("x")); err == nil {
		t.Fatal("write to a closed file succeeded")
	}
	var c Committer
	if err := c.Commit(s.To(filepath.Join(dir, "out"))); err == nil {
		t.Fatal("commit of a failed write succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("the failed file was renamed into place")
	}
}

// A NoReplace file is invisible until committed (on Linux it has no name
// at all, elsewhere only a temporary one), reads back what was written,
// and is never committed over an existing name.
func TestStagedNoReplaceHiddenReadableExclusive(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "taken"), []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	var c Committer
	for _, dest := range []string{"new", "taken"} {
		s, err := Stage(dir, Options{NoReplace: true})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(s, "second %s", dest)
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Name() != "taken" && e.Name() != "new" && !IsTemp(e.Name()) {
				t.Errorf("staged file visible as %s", e.Name())
			}
		}
		if b, err := s.Contents(make([]byte, 4)); err != nil || string(b) != "second "+dest {
			t.Errorf("Contents = %q, %v", b, err)
		}
		err = c.Commit(s.To(filepath.Join(dir, dest)))
		if dest == "taken" && !errors.Is(err, ErrExist) {
			t.Errorf("commit over an existing file: %v, want ErrExist", err)
		}
		if dest == "new" && err != nil {
			t.Errorf("commit: %v", err)
		}
	}
	for name, want := range map[string]string{"new": "second new", "taken": "first"} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != want {
			t.Errorf("%s = %q, want %q", name, b, want)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("%d entries, want 2 (no temporary file left)", len(ents))
	}
}
