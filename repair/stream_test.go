package repair

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/heapmeter"
	"github.com/imsforensic/imsforensic/internal/kbsample"
	"github.com/imsforensic/imsforensic/model"
)

// streamed repairs raw as a file too big for memory: every message through
// a window of window bytes, every version spilled to a file in dir.
func streamed(t *testing.T, raw []byte, opts Options, dir string, window int) (*Result, error) {
	t.Helper()
	old := memLimit
	memLimit = 0
	defer func() { memLimit = old }()
	sp := &spill{dir: func() (string, error) { return dir, nil }, window: window}
	defer sp.cleanup()
	o, err := repairText(fileText(bytes.NewReader(raw), 0, int64(len(raw)), window), opts, sp)
	if err != nil {
		return nil, err
	}
	res := o.Result
	if o.out != nil {
		if o.out.inMemory() {
			t.Fatalf("a file-backed repair gave a copy in memory")
		}
		res.Output = o.out.Span(0, o.out.Len())
		if len(res.Output) == 0 {
			res.Output = []byte{}
		}
		o.out.release()
	}
	return &res, nil
}

// TestStreamMatchesMemory is the differential test of the bounded-memory
// path: over every corpus input (and mbox files made of them), repairing
// it as a big file (read through a window of 1 and of 13 bytes, versions
// spilled to files) gives the same status, changes, remaining findings
// and copy, byte for byte, as repairing it in memory, the path every
// input up to memLimit takes (and every input took before). No temporary
// file is left.
func TestStreamMatchesMemory(t *testing.T) {
	in := kbsample.Corpus(t, "..")
	kb := filepath.Join("..", "rules", "testdata", "kb")
	in["mbox:blank+uuencode"] = mboxOf(t, filepath.Join(kb, "blank-charset", "near-us-ascii.eml"), filepath.Join(kb, "blank-charset", "fire-blank.eml"),
		filepath.Join(kb, "uuencode-no-end", "fire-no-end.eml"))
	in["mbox:blank+nesting"] = mboxOf(t, filepath.Join(kb, "blank-charset", "fire-blank.eml"), filepath.Join(kb, "mime-nesting-over-30", "fire-34-levels.eml"))
	dir := t.TempDir()
	repaired := 0
	for name, raw := range in {
		for _, q := range []string{"", model.QueueIN} {
			opts := Options{Queue: q}
			want, werr := Bytes(raw, opts)
			for _, w := range []int{1, 13} {
				got, gerr := streamed(t, raw, opts, dir, w)
				if (werr == nil) != (gerr == nil) {
					t.Fatalf("%s (queue %q, window %d): error %v, in memory %v", name, q, w, gerr, werr)
				}
				if werr != nil {
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s (queue %q, window %d): streamed\n%+v\nin memory\n%+v", name, q, w, got, want)
				}
			}
			if want != nil && want.Status == model.RepairRepaired {
				repaired++
			}
		}
	}
	if repaired < 50 {
		t.Errorf("only %d repaired copies compared: the corpus does not exercise the fixers", repaired)
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("temporary files left: %v", ents)
	}
}

// bigRepairable is a message of about n bytes that repair changes: a
// blank charset (rule blank-charset, KB Q272219) on a text part of n bytes
// of short ASCII lines, which the fix must read whole to tell the charset.
func bigRepairable(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: \"Ann Lee\" <alee@example.org>\r\nTo: <bhill@contoso.com>\r\nSubject: figures\r\nDate: Mon, 5 Feb 2001 09:59:31 -0800\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\" \"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
	line := []byte("please find the figures for the last quarter below, in full.\r\n")
	for b.Len() < n {
		b.Write(line)
	}
	return b.Bytes()
}

// TestRepairMemoryBounded: repairing a file over memLimit holds a window,
// not the file: the peak heap of File on an input of IMSF_REPAIR_BIG_MIB
// MiB (default 24) stays under 8 MiB over its baseline, as it does for one
// of an eighth of the size, while the same input repaired in memory (the
// old path) peaks over the input's size, which shows the meter sees a
// whole-file hold.
func TestRepairMemoryBounded(t *testing.T) {
	mib := 24
	if v := os.Getenv("IMSF_REPAIR_BIG_MIB"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			mib = n
		}
	}
	dir := t.TempDir()
	measure := func(size int, inMemory bool) (uint64, model.RepairRecord) {
		q := filepath.Join(dir, fmt.Sprintf("in%d-%v", size, inMemory), "IN")
		if err := os.MkdirAll(q, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(q, "BIG.EML")
		if err := os.WriteFile(path, bigRepairable(size), 0o644); err != nil {
			t.Fatal(err)
		}
		old := memLimit
		if inMemory {
			memLimit = 1 << 40
		} else {
			memLimit = 1 << 20
		}
		defer func() { memLimit = old }()
		var rec model.RepairRecord
		var err error
		out := filepath.Join(dir, fmt.Sprintf("out%d-%v", size, inMemory))
		peak := heapmeter.Peak(func() { rec, err = File(path, model.QueueIN, out, nil, Options{}) })
		if err != nil || rec.Status != model.RepairRepaired {
			t.Fatalf("%d bytes: %s %v %+v", size, rec.Status, err, rec.Remaining)
		}
		if fi, err := os.Stat(string(rec.Out)); err != nil || fi.Size() < int64(size) {
			t.Fatalf("the copy: %v", err)
		}
		if ents, _ := os.ReadDir(filepath.Dir(string(rec.Out))); len(ents) != 1 {
			t.Fatalf("beside the copy: %v (a temporary file left?)", ents)
		}
		return peak, rec
	}
	big := mib << 20
	small := big / 8
	pSmall, _ := measure(small, false)
	pBig, rec := measure(big, false)
	pMem, recMem := measure(big, true)
	t.Logf("peak heap over baseline: %d MiB input %.1f MiB, %d MiB input %.1f MiB, in memory %.1f MiB",
		small>>20, float64(pSmall)/(1<<20), big>>20, float64(pBig)/(1<<20), float64(pMem)/(1<<20))
	if pMem < uint64(big) {
		t.Fatalf("the in-memory repair of %d MiB peaked at %d MiB: the meter does not see a whole-file hold", mib, pMem>>20)
	}
	if pBig > 8<<20 || pBig > pSmall+4<<20 {
		t.Errorf("the file-backed repair of %d MiB peaked at %.1f MiB (%d MiB input: %.1f MiB): memory grows with the input",
			mib, float64(pBig)/(1<<20), small>>20, float64(pSmall)/(1<<20))
	}
	if rec.SHA256After != recMem.SHA256After || !reflect.DeepEqual(rec.Changes, recMem.Changes) {
		t.Errorf("the file-backed copy differs from the in-memory one")
	}
}

// TestRepairStoppedLeavesNothing: a file-backed repair stopped in the
// middle of writing a version (an interrupt: Options.Context), or failing
// to write one, returns the error and leaves no temporary file, with
// atomicfile's named temporaries, the kind systems without unnamed files
// get (Linux's unnamed ones vanish with the process anyway).
func TestRepairStoppedLeavesNothing(t *testing.T) {
	old := memLimit
	memLimit = 1 << 20
	defer func() { memLimit = old }()
	dir := t.TempDir()
	q := filepath.Join(dir, "in", "IN")
	if err := os.MkdirAll(q, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(q, "BIG.EML")
	if err := os.WriteFile(path, bigRepairable(4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out", "IN")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(out, "BIG.EML")
	for _, c := range []struct {
		name string
		stop func() error
	}{
		{"interrupted", nil},
		{"write failed", func() error { return fmt.Errorf("no space left on device") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			windows, sawTemp := 0, false
			sp := &spill{dir: func() (string, error) { return out, nil }, named: true}
			sp.stop = func() error {
				if windows++; windows == 8 {
					ents, _ := os.ReadDir(out)
					sawTemp = len(ents) == 1 && atomicfile.IsTemp(ents[0].Name())
					if c.stop != nil {
						return c.stop()
					}
					cancel()
				}
				return ctx.Err()
			}
			rec, err := file(path, model.QueueIN, dest, guard.New(), Options{Context: ctx}, sp)
			if err == nil || rec.Status != model.RepairError {
				t.Fatalf("%s: %v", rec.Status, err)
			}
			if !sawTemp {
				t.Fatalf("no temporary file while the version was written: the test proves nothing")
			}
			if ents, _ := os.ReadDir(out); len(ents) > 0 {
				t.Errorf("left behind: %v", ents)
			}
		})
	}
}
