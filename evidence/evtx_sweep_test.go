package evidence

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The sweep: every .evtx and .evt under the folder IMSF_EVTX_SWEEP names
// (public collections of real logs, fetched by whoever reruns it; see
// docs/robustness.md for the collections and the result) is read by our
// reader and by evtxexport/evtexport and compared record by record, as
// TestEVTXOracles and TestEVTMatchesEvtexport do for the committed files.
// It also checks what no oracle can: the file is never failed whole for a
// bad record, no panic, no file slower than a few seconds, and no memory
// out of proportion to the file. Files with the same content are read
// once. IMSF_EVTX_SWEEP_PYTHON=1 adds python-evtx (minutes on big
// collections). Without IMSF_EVTX_SWEEP the test is skipped: the folder
// is not part of the repository.

const (
	sweepSlow      = 3 * time.Second
	sweepAllocMult = 40 // allocated bytes per file byte before it is called a blow-up
)

func TestEVTXSweep(t *testing.T) {
	root := os.Getenv("IMSF_EVTX_SWEEP")
	if root == "" {
		t.Skip("IMSF_EVTX_SWEEP names no folder of real event logs")
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(path)); !d.IsDir() && (ext == ".evtx" || ext == ".evt") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	seen := map[[32]byte]string{}
	var total struct {
		files, dups, ours, theirs, recovered, damaged int
		slowest                                       time.Duration
		slowestFile                                   string
		mostAlloc                                     float64 // bytes allocated per file byte
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if first, ok := seen[sum]; ok {
			total.dups++
			t.Logf("%s: same content as %s", path, first)
			continue
		}
		seen[sum] = path
		total.files++
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			f, took, alloc := sweepLoad(t, path)
			if took > sweepSlow {
				t.Errorf("slow: %v for %d bytes", took, len(b))
			}
			if alloc > uint64(sweepAllocMult*len(b))+64<<20 {
				t.Errorf("memory: %d MiB allocated for a %d KiB file", alloc>>20, len(b)>>10)
			}
			if took > total.slowest {
				total.slowest, total.slowestFile = took, rel
			}
			if len(b) >= evtxFileHeaderSize+evtxChunkSize {
				// (Under one chunk the reader's fixed buffers dominate.)
				total.mostAlloc = max(total.mostAlloc, float64(alloc)/float64(len(b)))
			}
			t.Logf("read in %v, %d bytes allocated (%.1f per file byte)", took.Round(time.Millisecond), alloc, float64(alloc)/float64(len(b)))
			if f.Err != nil {
				t.Logf("error: %v", f.Err)
			}
			for _, w := range f.Info.Warnings {
				t.Logf("warning: %s", w)
			}
			rec := 0
			for _, e := range f.Events {
				if e.Recovered {
					rec++
				}
			}
			total.recovered += rec
			total.damaged += f.Info.Damaged
			total.ours += len(f.Events) - rec
			if strings.EqualFold(filepath.Ext(path), ".evt") {
				sweepEVT(t, path, f)
				return
			}
			total.theirs += sweepEVTX(t, path)
		})
	}
	t.Logf("sweep of %s: %d files (%d more with the same content), %d live records read, %d by the oracles (.evtx: evtxexport), %d recovered, %d damaged; slowest read %v (%s), at most %.1f bytes allocated (in all, not held) per file byte",
		root, total.files, total.dups, total.ours, total.theirs, total.recovered, total.damaged, total.slowest.Round(time.Millisecond), total.slowestFile, total.mostAlloc)
}

// sweepKnown: files where evtxexport is wrong in a way no rule above
// captures, by a part of their path, and why. Their differences are
// logged ("KNOWN:"), not failed.
var sweepKnown = map[string]string{
	// UserData CryptAcquireCertificatePrivateKey, whose 8 values are all
	// attributes of empty elements: evtxexport's text output lists no
	// string, its own XML output (-f xml) shows the 8 values we list.
	"ID70-CAPI-Private key accessed Mimikatz.evtx": "evtxexport's text lists no strings; its XML has our 8 values",
}

// knownTB turns a file's errors into logs, for sweepKnown.
type knownTB struct {
	testing.TB
	why string
}

func (k knownTB) Errorf(format string, args ...any) {
	k.TB.Helper()
	k.TB.Logf("KNOWN (%s): "+format, append([]any{k.why}, args...)...)
}

// sweepLoad reads path through the public entry point, timing it and
// counting what it allocates; a panic is a failure of the file's subtest.
func sweepLoad(t *testing.T, path string) (f File, took time.Duration, alloc uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic: %v", r)
			}
		}()
		f = Load(path, nil)
	}()
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return f, took, after.TotalAlloc - before.TotalAlloc
}

// sweepEVTX compares the live and recovered records with evtxexport (and
// python-evtx when asked); it returns evtxexport's live record count.
func sweepEVTX(t *testing.T, path string) int {
	all, st, _ := ourRecords(t, path)
	ours, recovered, byID := splitRecovered(all)
	key := filepath.Base(path)
	var tb testing.TB = t
	for part, why := range sweepKnown {
		if strings.Contains(path, part) {
			tb = knownTB{t, why}
		}
	}
	oracle := oraclePath(t, path)
	recs, err := runEvtxexport(t, oracle)
	if err != nil {
		// Both refusing a file that is no event log is agreement.
		if f := Load(path, nil); errors.Is(f.Err, ErrNotEvidence) || errors.Is(f.Err, ErrCorrupt) && len(f.Events) == 0 {
			t.Logf("no event log: we refuse it (%v), so does evtxexport", f.Err)
			return 0
		}
		t.Logf("evtxexport cannot read it: %v (we read %d records)", err, len(ours))
		py, err := pythonWithEvtx()
		if err != nil {
			t.Errorf("evtxexport cannot read it and python-evtx is missing: %v", err)
			return 0
		}
		prec, err := runPythonEvtx(t, py, oracle)
		if err != nil || len(prec) > 0 && allFailed(prec) {
			t.Logf("NO-ORACLE: python-evtx cannot read it either (%v); ours %d records", err, len(ours))
			return 0
		}
		compareEVTXOracle(tb, key+"/python-evtx", ours, byID, prec, nil, comparePython)
		return len(prec)
	}
	rec, err := runEvtxexport(t, oracle, "-m", "recovered")
	if err != nil {
		t.Errorf("evtxexport -m recovered fails on it: %v", err)
	}
	resynced := resyncedIDs(ours, recs, rec)
	compareEVTXOracle(tb, key+"/evtxexport", ours, byID, recs, resynced, compareEvtxexport)
	compareRecovered(tb, key, byID, recovered, rec, resynced, idSet(st.Unparsed))
	if os.Getenv("IMSF_EVTX_SWEEP_PYTHON") == "1" {
		if py, err := pythonWithEvtx(); err == nil {
			if prec, err := runPythonEvtx(t, py, oracle); err == nil {
				// python-evtx checks no trailing size nor CRC32: the torn
				// records it takes, which evtxexport refuses as we do,
				// are left out (TestEVTXOracles lists them by hand).
				live := map[uint64]bool{}
				for _, r := range recs {
					live[r.ID] = true
				}
				torn := 0
				prec = slices.DeleteFunc(prec, func(r evtxOracleRecord) bool {
					drop := byID[r.ID] == nil && !live[r.ID]
					if drop {
						torn++
					}
					return drop
				})
				if torn > 0 {
					t.Logf("python-evtx reads %d torn records evtxexport and we refuse", torn)
				}
				compareEVTXOracle(tb, key+"/python-evtx", ours, byID, prec, resynced, comparePython)
			} else {
				t.Logf("python-evtx fails on it: %v", err)
			}
		}
	}
	return len(recs)
}

func allFailed(recs []evtxOracleRecord) bool {
	for _, r := range recs {
		if r.Error == "" {
			return false
		}
	}
	return true
}

// resyncedIDs finds the records we read live past a torn record: not in
// evtxexport's live records but in its recovered ones (it stops at the
// damage and lists the rest of the chunk as recovered). The committed
// files list them by hand (resyncedRecords).
func resyncedIDs(ours []*evtxRecord, live, recovered []evtxOracleRecord) map[uint64]bool {
	in := func(recs []evtxOracleRecord) map[uint64]bool {
		set := map[uint64]bool{}
		for _, r := range recs {
			set[r.ID] = true
		}
		return set
	}
	l, r := in(live), in(recovered)
	out := map[uint64]bool{}
	for _, o := range ours {
		if !l[o.ID] && r[o.ID] {
			out[o.ID] = true
		}
	}
	return out
}

// sweepEVT compares a .evt with evtexport, items and recovered.
func sweepEVT(t *testing.T, path string, f File) {
	compareEVTWithEvtexport(t, evtexportBinary(t), path, f)
}
