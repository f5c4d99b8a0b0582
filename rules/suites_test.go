package rules

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // go-message reports unknown charsets only with the table loaded
	"github.com/imsforensic/imsforensic/internal/testpeer"
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

// pythonDefects returns the defect count Python's email package records
// for each file (pyemail_defects.count, through pythonTrees).
func pythonDefects(t testing.TB, files []suiteFile) map[string]int {
	t.Helper()
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	got := map[string]int{}
	for p, r := range pythonTrees(t, paths) {
		got[p] = r.Defects
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

// issue15Sources are the six suites issue #15 measured, which its targets
// (recall 85 %, valid false positives 3 %) hold for.
var issue15Sources = map[string]bool{"cpython": true, "enmime": true, "mailparser": true, "mime4j": true, "mimekit": true, "mimetools": true}

// suiteAlarms pins, for the suites of the later sweep (docs/robustness.md,
// "Third-party MIME suites"), every valid file's stall- and crash-class
// rules: each was read against the KB and kept because the file carries
// the KB's trigger in the KB's shape, for the IMS (which predates RFC 6532
// and 8BITMIME, Q243894) if not for a modern parser. A new alarm on a
// valid file of those suites, or one gone, fails the test.
var suiteAlarms = map[string]string{
	// Raw 8-bit bytes in a top-level field: Q194505's 8-bit Subject
	// (NDR before 5.5.2410.0). UTF-8 as RFC 6532 allows, or Latin-1
	// inside an encoded word (RFC 2047 5 forbids it there).
	"flanker/from-encoding.eml":         "header-8bit",
	"mailmimeparser/m2004.txt":          "header-8bit",
	"rubymail/rfc6532_utf8_headers.eml": "header-8bit",
	"rspamd/newsletter.eml":             "header-8bit",
	// Raw 8-bit file names in name= (Outlook Express, a Yahoo Russian
	// mail): Q304024's Content-Type with invalid characters, which the
	// 5.5 store stopped on before 5.5.2655.27.
	"flanker/outlook-express.eml":                                 "content-type-invalid-chars,header-8bit",
	"mailmimeparser/m2011.txt":                                    "content-type-invalid-chars,header-8bit",
	"rubymail/attachment_emails_attachment_nonascii_filename.eml": "content-type-invalid-chars",
	"spamscope/mail_test_1":                                       "content-type-invalid-chars",
	"stalwart/thirdparty_010.eml":                                 "content-type-invalid-chars,header-8bit",
	// A header field name holding a tab and spaces (not ftext, RFC 5322
	// 3.6.8): Python's email and go-message end the header there too, so
	// the header lines after it are the base64 body (Q190556).
	"letters/test_english_plaintext_ascii_over_base64.txt": "base64-invalid",
	// 100 nested multiparts: LimitNestingLevels 30 (Q173343).
	"mailparse-rs/nested.eml": "mime-nesting-over-30",
	// phpmimemailparser/issue84 ("by localhost with SMTP; ..." at the
	// start of a line) is a Received field whose folds lost their white
	// space: read as continuations (header-field-malformed, risk), not as
	// Q166026's stray line.
	// UTF-8 text labelled GB2312: read as GB2312, as the store does, a
	// lead byte has no trail byte (Q282796).
	"spamscope/mail_test_12": "dbcs-invalid-sequence,header-8bit",
	// The forwarded message's multipart has a boundary that never
	// occurs (its body was cut away): poison-rules.md's second shape of
	// missing-boundary-prolog (Q217155), whatever the body.
	"rubymail/attachment_emails_attachment_message_rfc822_inline_image.eml": "missing-boundary-prolog",
	// charset=\"us-ascii\": the backslashes are part of the token, a
	// label no registry knows (Q163080, 4081).
	"webklex/plain.eml": "charset-unknown",
}

// TestPublicSuites holds detection against six public MIME parser test
// suites (testdata/suites/MANIFEST names each file's source, commit,
// licence and the verdict its own suite gives it). Each file is scanned as
// an IN spool's RFC 822 content would be. It prints, per source and pooled,
// malformed recall (a finding of class risk or above, line-ending facts
// aside) and valid false positives (a stall- or crash-class finding),
// beside what go-message's errors and Python's email defects catch on the
// same files, and it fails below the targets of issue #15 on its six
// suites (recall 85 %, false positives 3 %), on any valid file of the
// later suites whose stall/crash rules differ from suiteAlarms, on a file
// read as an IMS spool, or on an offset that is not its evidence.
func TestPublicSuites(t *testing.T) {
	testpeer.UnixOnly(t, "python3")
	files := suiteManifest(t)
	py := pythonDefects(t, files)
	type row struct{ ims, gom, py tally }
	rows := map[string]*row{}
	pooled, all := &row{}, &row{}
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
		if !issue15Sources[f.source] && !f.malformed {
			rel := filepath.ToSlash(strings.TrimPrefix(f.path, filepath.Join("testdata", "suites")+string(filepath.Separator)))
			if got, want := strings.Join(dedupe(alarmRules), ","), suiteAlarms[rel]; got != want {
				t.Errorf("%s: stall/crash rules %q, pinned %q (suiteAlarms)", rel, got, want)
			}
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
		sums := []*row{r, all}
		if issue15Sources[f.source] {
			sums = append(sums, pooled)
		}
		for _, x := range sums {
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
	line("pooled (issue #15's six)", pooled)
	line("pooled (all)", all)
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
	// The issue's target. The valid files left over each carry a KB
	// trigger in the shape the KB describes (docs/detection.md lists
	// them); cases the KB does not describe have their own lower-class
	// rules (base64-unpadded, header-bom, header-body-no-separator) or
	// are out of the store's uudecoder (Q167393).
	if fp := pct(pooled.ims.falsePos, pooled.ims.valid); fp > 3 {
		t.Errorf("pooled valid false positives %.1f %% > 3 %%", fp)
	}
}

// dedupe drops repeats from a list of rule IDs, keeping the first order.
func dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
