package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
)

// TestMIMESweep runs only with IMSF_MIME_SWEEP=DIR: DIR holds one folder
// per third-party suite (files copied out of its repository, any layout
// below). Every file is parsed and checked as an IN spool's RFC 822 part
// would be, and compared with Python's email and go-message as
// TestSuiteTreesMatchPythonAndGoMessage does. It prints per suite the
// files, the parse errors, the files with a crash- or stall-class finding
// (line-ending facts aside: the suites store their files with LF), and the
// tree comparisons and differences, then lists each flagged file and each
// difference for a person to judge (docs/robustness.md, "Third-party MIME
// suites"). It fails on a panic, a parse error other than a limit, a
// file slower than IMSF_MIME_SWEEP_SLOW (default 2s), or a finding whose
// offset is not the bytes of its evidence.
func TestMIMESweep(t *testing.T) {
	dir := os.Getenv("IMSF_MIME_SWEEP")
	if dir == "" {
		t.Skip("set IMSF_MIME_SWEEP=DIR (one folder per suite) to sweep it")
	}
	slow := 2 * time.Second
	if v := os.Getenv("IMSF_MIME_SWEEP_SLOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("IMSF_MIME_SWEEP_SLOW: %v", err)
		}
		slow = d
	}
	suites := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		first, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		suites[first] = append(suites[first], p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		files, errors, crash, stall int
		compared                    map[string]int
		diffs                       int
	}
	names := make([]string, 0, len(suites))
	for n := range suites {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "\n| suite | files | parse errors | crash files | stall files | Python compared | go-message compared | differences |\n|---|---|---|---|---|---|---|---|\n")
	var notes []string
	total := row{compared: map[string]int{}}
	for _, name := range names {
		paths := suites[name]
		sort.Strings(paths)
		py := pythonTrees(t, paths)
		r := row{compared: map[string]int{}}
		for _, p := range paths {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			r.files++
			m, fs, took, err := sweepOne(raw)
			if took > slow {
				t.Errorf("%s: %v to parse and check (over %v)", p, took.Round(time.Millisecond), slow)
			}
			if err != nil {
				r.errors++
				if !errors.Is(err, parse.ErrLimitExceeded) {
					t.Errorf("%s: %v", p, err)
				}
				continue
			}
			checkEvidence(t, raw, fs)
			classes := map[model.Class][]string{}
			for _, f := range fs {
				if f.Class >= model.ClassStall && !lineEndingRules[f.Rule] {
					classes[f.Class] = append(classes[f.Class], f.Rule)
				}
			}
			if len(classes[model.ClassCrash]) > 0 {
				r.crash++
			} else if len(classes[model.ClassStall]) > 0 {
				r.stall++
			}
			if len(classes) > 0 {
				notes = append(notes, fmt.Sprintf("%s: crash %v stall %v", p, dedupe(classes[model.ClassCrash]), dedupe(classes[model.ClassStall])))
			}
			if d := treeDiffs(raw, m, py[p], r.compared); len(d) > 0 {
				r.diffs++
				notes = append(notes, fmt.Sprintf("%s: %s", p, strings.Join(d, "; ")))
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d |\n", name, r.files, r.errors, r.crash, r.stall, r.compared["python"], r.compared["go-message"], r.diffs)
		total.files += r.files
		total.errors += r.errors
		total.crash += r.crash
		total.stall += r.stall
		total.diffs += r.diffs
		for k, v := range r.compared {
			total.compared[k] += v
		}
	}
	fmt.Fprintf(&b, "| all | %d | %d | %d | %d | %d | %d | %d |\n", total.files, total.errors, total.crash, total.stall, total.compared["python"], total.compared["go-message"], total.diffs)
	t.Log(b.String())
	for _, n := range notes {
		t.Log(n)
	}
}

// sweepOne parses and checks one file, turning a panic into an error.
func sweepOne(raw []byte) (m *model.Message, fs []model.Finding, took time.Duration, err error) {
	start := time.Now()
	defer func() {
		took = time.Since(start)
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	m, err = parse.Parse(bytes.NewReader(raw), nil)
	if err != nil {
		return nil, nil, 0, err
	}
	m.Queue = model.QueueIN
	return m, Check(m, nil), 0, nil
}
