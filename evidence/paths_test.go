package evidence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot lists every file under root with its size and mtime, to prove
// that reading wrote nothing.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		lines = append(lines, p+" "+fi.Mode().String()+" "+fi.ModTime().String()+" "+strconv.FormatInt(fi.Size(), 10))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestReadPaths(t *testing.T) {
	root := t.TempDir()
	evidenceDir := filepath.Join(root, "evidence")
	// Names say nothing: recognition is by content.
	copyFile(t, filepath.Join("testdata", "export-q293288.csv"), filepath.Join(evidenceDir, "app.dat"))
	copyFile(t, filepath.Join("testdata", "Drwtsn32.log"), filepath.Join(evidenceDir, "sub", "WATSON.TXT"))
	copyFile(t, filepath.Join("testdata", "L0000001.log"), filepath.Join(evidenceDir, "Imcdata", "Log", "L0000001.LOG"))
	if err := os.WriteFile(filepath.Join(evidenceDir, "AppEvent.evt"), linearEVT(incidentRecords()...), 0o644); err != nil {
		t.Fatal(err)
	}
	// Not evidence: a spool-like message and an empty file.
	if err := os.WriteFile(filepath.Join(evidenceDir, "P4KQ7M2A"), []byte("From: a@b\r\nSubject: hi\r\n\r\nbody\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(evidenceDir, "empty.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Evidence outside the folder, reachable only by a symbolic link.
	outside := filepath.Join(root, "outside.csv")
	copyFile(t, filepath.Join("testdata", "export-q293288.csv"), outside)
	linked := false
	if runtime.GOOS != "windows" {
		if err := os.Symlink(outside, filepath.Join(evidenceDir, "link.csv")); err == nil {
			linked = true
		}
	}
	before := snapshot(t, root)

	skipped := map[string]string{}
	evs, errs := ReadPaths(context.Background(), []string{evidenceDir}, &Options{
		TZ:     time.UTC,
		OnSkip: func(p, why string) { skipped[filepath.Base(p)] = why },
	})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if want := 7 + 2 + 3 + 6; len(evs) != want {
		t.Errorf("got %d events, want %d", len(evs), want)
	}
	if skipped["P4KQ7M2A"] != "not evidence" || skipped["empty.log"] != "not evidence" {
		t.Errorf("skipped = %v", skipped)
	}
	if linked && skipped["link.csv"] == "" {
		t.Errorf("symbolic link was followed: skipped = %v", skipped)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Errorf("events not sorted at %d", i)
		}
	}
	if after := snapshot(t, root); after != before {
		t.Errorf("reading changed the folder:\n%s\n---\n%s", before, after)
	}

	// A file named explicitly that is no evidence is an error; a missing
	// path too; the others are still read.
	evs, errs = ReadPaths(context.Background(), []string{filepath.Join(evidenceDir, "P4KQ7M2A"), filepath.Join(root, "missing"), outside}, nil)
	if len(errs) != 2 || !errors.Is(errs[0], ErrNotEvidence) || len(evs) != 7 {
		t.Errorf("explicit files: %d events, errors %v", len(evs), errs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, errs := ReadPaths(ctx, []string{evidenceDir}, nil); len(errs) == 0 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("cancelled: %v", errs)
	}
}

func TestSortEventsNatural(t *testing.T) {
	if !naturalLess("a.csv:9", "a.csv:10") || naturalLess("a.csv:10", "a.csv:9") || !naturalLess("a#record=2", "a#record=10") {
		t.Error("natural order broken")
	}
}

// TestSortEventsMatchesStableSort: the index sort and its moves along the
// permutation's cycles give the order a stable sort of the events gives:
// time first, events without a time last, then natural order of origin,
// ties in their input order.
func TestSortEventsMatchesStableSort(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	base := time.Date(1998, 10, 24, 13, 28, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 2, 7, 100, 5000} {
		evs := make([]model.Event, n)
		for i := range evs {
			if rng.Intn(10) > 0 {
				evs[i].Time = base.Add(time.Duration(rng.Intn(50)) * time.Second)
			}
			evs[i].Origin = fmt.Sprintf("f%d.csv:%d", rng.Intn(3), rng.Intn(40))
			evs[i].Record = uint64(i) // tells ties apart
		}
		want := append([]model.Event(nil), evs...)
		sort.SliceStable(want, func(i, j int) bool {
			a, b := want[i], want[j]
			if a.Time.IsZero() != b.Time.IsZero() {
				return b.Time.IsZero()
			}
			if !a.Time.Equal(b.Time) {
				return a.Time.Before(b.Time)
			}
			return naturalLess(a.Origin, b.Origin)
		})
		SortEvents(evs)
		for i := range evs {
			if evs[i].Record != want[i].Record {
				t.Fatalf("n=%d: position %d holds event %d, want %d", n, i, evs[i].Record, want[i].Record)
			}
		}
		SortEvents(evs) // already in order: left as it is
		for i := range evs {
			if evs[i].Record != want[i].Record {
				t.Fatalf("n=%d, sorted again: position %d moved", n, i)
			}
		}
	}
}
