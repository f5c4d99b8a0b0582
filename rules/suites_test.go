package rules

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // go-message reports unknown charsets only with the table loaded
	"github.com/imsforensic/imsforensic/model"
)

// suiteFile is one line of testdata/suites/MANIFEST.
type suiteFile struct {
	path, source string
	malformed    bool
}

func suiteManifest(t testing.TB) []suiteFile {
	t.Helper()
	dir := filepath.Join("testdata", "suites")
	f, err := os.Open(filepath.Join(dir, "MANIFEST"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []suiteFile
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 7 || (cols[1] != "valid" && cols[1] != "malformed") {
			t.Fatalf("MANIFEST: bad line %q", line)
		}
		out = append(out, suiteFile{path: filepath.Join(dir, filepath.FromSlash(cols[0])), source: strings.SplitN(cols[0], "/", 2)[0], malformed: cols[1] == "malformed"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// lineEndingRules are the storage facts the measure leaves aside: the
// suites store their files with the line endings of the machine they were
// written on, which says nothing about the message.
var lineEndingRules = map[string]bool{"bare-lf": true, "bare-cr": true, "no-final-crlf": true, "lf-storage": true}

// goMessageErr reads the file with go-message and walks the whole tree,
// draining every body, and returns the first error it reports.
func goMessageErr(raw []byte) error {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && e == nil {
		return err
	}
	first := err
	werr := e.Walk(func(_ []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if p.MultipartReader() == nil {
			if _, err := io.Copy(io.Discard, p.Body); err != nil {
				return err
			}
		}
		return nil
	})
	if first != nil {
		return first
	}
	return werr
}

// pythonDefects runs testdata/pyemail_defects.py over the files and returns
// the defect count Python's email package records for each.
func pythonDefects(t testing.TB, files []suiteFile) map[string]int {
	t.Helper()
	args := []string{filepath.Join("testdata", "pyemail_defects.py")}
	for _, f := range files {
		args = append(args, f.path)
	}
	out, err := exec.Command("python3", args...).Output()
	if err != nil {
		t.Fatalf("python3 (the second comparison; scripts/test.sh installs it): %v", err)
	}
	got := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		n, p, ok := strings.Cut(l, "\t")
		c, err := strconv.Atoi(n)
		if !ok || err != nil {
			t.Fatalf("python3: bad line %q", l)
		}
		got[p] = c
	}
	return got
}

// tally counts one tool's verdicts over one source.
type tally struct{ malformed, caught, valid, falsePos int }

func (a *tally) add(f suiteFile, flagged, falseAlarm bool) {
	if f.malformed {
		a.malformed++
		if flagged {
			a.caught++
		}
		return
	}
	a.valid++
	if falseAlarm {
		a.falsePos++
	}
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

// TestPublicSuites holds detection against six public MIME parser test
// suites (testdata/suites/MANIFEST names each file's source, commit,
// licence and the verdict its own suite gives it). Each file is scanned as
// an IN spool's RFC 822 content would be. It prints, per source and pooled,
// malformed recall (a finding of class risk or above, line-ending facts
// aside) and valid false positives (a stall- or crash-class finding),
// beside what go-message's errors and Python's email defects catch on the
// same files, and it fails below the targets of issue #15: recall 85 %,
// false positives 3 %, no file read as an IMS spool, every offset exact.
func TestPublicSuites(t *testing.T) {
	files := suiteManifest(t)
	py := pythonDefects(t, files)
	type row struct{ ims, gom, py tally }
	rows := map[string]*row{}
	pooled := &row{}
	var missed, alarms []string
	for _, f := range files {
		raw, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		m := parseBytes(t, raw, model.QueueIN)
		if m.Format == model.FormatIMSSpool {
			t.Errorf("%s: an RFC 822 file read as an IMS spool file", f.path)
		}
		fs := Check(m, nil)
		checkEvidence(t, raw, fs)
		flagged, alarm := false, false
		var alarmRules []string
		for _, x := range fs {
			if x.Class >= model.ClassRisk && !lineEndingRules[x.Rule] {
				flagged = true
			}
			if x.Class >= model.ClassStall {
				alarm = true
				alarmRules = append(alarmRules, x.Rule)
			}
		}
		if f.malformed && !flagged {
			missed = append(missed, f.path)
		}
		if !f.malformed && alarm {
			alarms = append(alarms, f.path+" "+strings.Join(alarmRules, ","))
		}
		gerr := goMessageErr(raw) != nil
		pd, ok := py[f.path]
		if !ok {
			t.Fatalf("python3 gave no line for %s", f.path)
		}
		r := rows[f.source]
		if r == nil {
			r = &row{}
			rows[f.source] = r
		}
		for _, x := range []*row{r, pooled} {
			x.ims.add(f, flagged, alarm)
			x.gom.add(f, gerr, gerr)
			x.py.add(f, pd > 0, pd > 0)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| source | files | malformed | imsforensic recall | valid FP | go-message recall | FP | Python email recall | FP |\n|---|---|---|---|---|---|---|---|---|\n")
	cell := func(n, d int, prec int) string {
		if d == 0 {
			return "-"
		}
		return strconv.FormatFloat(pct(n, d), 'f', prec, 64) + " %"
	}
	line := func(name string, r *row) {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s | %s |\n", name, r.ims.malformed+r.ims.valid, r.ims.malformed,
			cell(r.ims.caught, r.ims.malformed, 0), cell(r.ims.falsePos, r.ims.valid, 1),
			cell(r.gom.caught, r.gom.malformed, 0), cell(r.gom.falsePos, r.gom.valid, 1),
			cell(r.py.caught, r.py.malformed, 0), cell(r.py.falsePos, r.py.valid, 1))
	}
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		line(n, rows[n])
	}
	line("pooled", pooled)
	t.Log(b.String())
	for _, p := range missed {
		t.Logf("malformed, no finding >= risk: %s", p)
	}
	for _, p := range alarms {
		t.Logf("valid, stall/crash finding: %s", p)
	}
	if r := pct(pooled.ims.caught, pooled.ims.malformed); r < 85 {
		t.Errorf("pooled malformed recall %.1f %% < 85 %%", r)
	}
	// The target. The valid files left over each carry a KB
	// trigger in the shape the KB describes (docs/detection.md lists
	// them); cases the KB does not describe have their own lower-class
	// rules (base64-unpadded, header-bom, header-body-no-separator) or
	// are out of the store's uudecoder (Q167393).
	if fp := pct(pooled.ims.falsePos, pooled.ims.valid); fp > 3 {
		t.Errorf("pooled valid false positives %.1f %% > 3 %%", fp)
	}
}
