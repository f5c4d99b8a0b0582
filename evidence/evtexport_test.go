package evidence

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/testpeer"
	"github.com/imsforensic/imsforensic/model"
)

// The .evt reader is cross-checked against a third-party reader: libevt's
// evtexport (Debian package libevt-utils), which reads the live records
// (-m items) and the ones it recovers from slack space (-m recovered). For
// every .evt file in testdata both must give the same records: number,
// creation time, source, event ID, computer and insertion strings. In CI
// (CI=true) a missing evtexport is a failure, not a skip.

// oracleRecord is one record as evtexport prints it.
type oracleRecord struct {
	number     uint64
	time       time.Time
	source     string
	computer   string
	id         uint32
	qualifiers uint16
	strings    []string
}

var evtexportField = regexp.MustCompile(`^(Event number|Creation time|Written time|Event type|Computer name|Source name|Event category|Event identifier|Number of strings|String: \d+|User security identifier|Data size|Data)\t+: ?(.*)$`)

// runEvtexport runs evtexport -m mode on path and parses what it prints.
func runEvtexport(t *testing.T, bin, path, mode string) []oracleRecord {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "-m", mode, path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("evtexport -m %s %s: %v\n%s", mode, path, err, stderr.Bytes())
	}
	var (
		out []oracleRecord
		cur *oracleRecord
		str *string // the string being read, for continuation lines
	)
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		m := evtexportField.FindStringSubmatch(line)
		if m == nil {
			if str != nil {
				*str += "\n" + line
			}
			continue
		}
		key, val := m[1], m[2]
		str = nil
		switch {
		case key == "Event number":
			out = append(out, oracleRecord{})
			cur = &out[len(out)-1]
			cur.number, _ = strconv.ParseUint(val, 10, 64)
		case cur == nil:
		case key == "Creation time":
			tm, err := time.Parse("Jan 2, 2006 15:04:05 UTC", val)
			if err != nil {
				t.Fatalf("evtexport time %q: %v", val, err)
			}
			cur.time = tm
		case key == "Source name":
			cur.source = val
		case key == "Computer name":
			cur.computer = val
		case key == "Event identifier":
			hex, _, _ := strings.Cut(val, " ")
			v, err := strconv.ParseUint(strings.TrimPrefix(hex, "0x"), 16, 32)
			if err != nil {
				t.Fatalf("evtexport event identifier %q: %v", val, err)
			}
			cur.id = uint32(v) & 0xFFFF
			cur.qualifiers = uint16(v >> 16)
		case strings.HasPrefix(key, "String: "):
			cur.strings = append(cur.strings, val)
			str = &cur.strings[len(cur.strings)-1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// normString makes an insertion string comparable with what evtexport
// printed: line ends as LF, trailing blanks and line ends dropped, and the
// quotes evtexport puts around a string that spans lines removed.
func normString(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimRight(s, " \t\n")
	if strings.Contains(s, "\n") && len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

func evtexportBinary(t *testing.T) string {
	t.Helper()
	testpeer.UnixOnly(t, "evtexport (libevt-utils)")
	bin, err := exec.LookPath("evtexport")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("evtexport (libevt-utils) is needed for the .evt cross-check: %v", err)
		}
		t.Skipf("evtexport (libevt-utils) not installed: %v", err)
	}
	return bin
}

// evtTestFiles lists every .evt file under testdata.
func evtTestFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".evt") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .evt file in testdata")
	}
	return files
}

func TestEVTMatchesEvtexport(t *testing.T) {
	bin := evtexportBinary(t)
	// Besides the real samples, the Exchange incident log the tests write
	// (evtwriter_test.go: data sections, SIDs; linear, and as a ring with a
	// record split by the end of the file), so that the records triage
	// lives on are cross-checked too.
	tmp := t.TempDir()
	linear, wrapped := filepath.Join(tmp, "incident.evt"), filepath.Join(tmp, "incident-wrapped.evt")
	if err := os.WriteFile(linear, linearEVT(incidentRecords()...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wrapped, wrappedIncidentEVT(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range append(evtTestFiles(t), linear, wrapped) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := Load(path, nil)
			if f.Err != nil {
				t.Fatalf("Load: %v", f.Err)
			}
			compareEVTWithEvtexport(t, bin, path, f)
		})
	}
}

// compareEVTWithEvtexport compares what Load read from path with
// evtexport's live (-m items) and recovered records.
func compareEVTWithEvtexport(t *testing.T, bin, path string, f File) {
	t.Helper()
	var live, recovered []model.Event
	for _, e := range f.Events {
		if e.Recovered {
			recovered = append(recovered, e)
		} else {
			live = append(live, e)
		}
	}
	items := runEvtexport(t, bin, path, "items")
	compareOracle(t, "items", live, items, 0)
	// evtexport also lists the stale copies of live records it finds in
	// slack space; we keep such a copy once, as the live record (same
	// number and content: the same record).
	liveByNum := map[uint64]oracleRecord{}
	for _, r := range items {
		liveByNum[r.number] = r
	}
	var slack []oracleRecord
	copies := 0
	for _, r := range runEvtexport(t, bin, path, "recovered") {
		if l, ok := liveByNum[r.number]; ok && sameOracle(l, r) {
			copies++
			continue
		}
		slack = append(slack, r)
	}
	// A fragment evtexport recovers in part (its end overwritten) fails
	// our length check: we count it in Damaged instead.
	compareOracle(t, "recovered", recovered, slack, f.Info.Damaged)
	t.Logf("%s: %d events (%d live, %d recovered), %d damaged; evtexport: %d items, %d recovered of which %d copies of live records",
		path, len(f.Events), len(live), len(recovered), f.Info.Damaged, len(items), len(slack)+copies, copies)
}

// compareOracle compares our events with evtexport's records, by record
// number; the first few differences are told. Up to damaged records that
// evtexport reads and we do not are allowed: the fragments we count as
// damaged.
func compareOracle(t *testing.T, mode string, ours []model.Event, theirs []oracleRecord, damaged int) {
	t.Helper()
	byNum := map[uint64]model.Event{}
	for _, e := range ours {
		byNum[e.Record] = e
	}
	diffs := 0
	report := func(format string, args ...any) {
		diffs++
		if diffs <= 10 {
			t.Errorf("%s: "+format, append([]any{mode}, args...)...)
		}
	}
	seen := map[uint64]bool{}
	missing := 0
	for _, r := range theirs {
		if seen[r.number] {
			continue // evtexport may recover a stale copy twice; we keep one per number
		}
		seen[r.number] = true
		e, ok := byNum[r.number]
		if !ok {
			if missing++; missing > damaged {
				report("record %d (%s %d at %s): evtexport reads it, we do not", r.number, r.source, r.id, r.time)
			} else {
				t.Logf("%s: record %d (%s %d at %s): evtexport recovers a part, we count it as damaged", mode, r.number, r.source, r.id, r.time)
			}
			continue
		}
		if diff := recordDiff(e, r); diff != "" {
			report("record %d: %s", r.number, diff)
		}
	}
	for _, e := range ours {
		if !seen[e.Record] {
			report("record %d (%s): we read it, evtexport does not", e.Record, e.Origin)
		}
	}
	if diffs > 10 {
		t.Errorf("%s: %d differences in all", mode, diffs)
	}
	if len(seen)-missing != len(ours) {
		t.Errorf("%s: %d distinct records from evtexport, %d from us", mode, len(seen), len(ours))
	}
}

func recordDiff(e model.Event, r oracleRecord) string {
	switch {
	case !e.Time.Equal(r.time):
		return fmt.Sprintf("time %s, evtexport %s", e.Time, r.time)
	case e.Source != r.source:
		return fmt.Sprintf("source %q, evtexport %q", e.Source, r.source)
	case e.Computer != r.computer:
		return fmt.Sprintf("computer %q, evtexport %q", e.Computer, r.computer)
	case e.EventID != r.id:
		return fmt.Sprintf("id %d, evtexport %d", e.EventID, r.id)
	case e.Qualifiers != r.qualifiers:
		return fmt.Sprintf("qualifiers %#x, evtexport %#x", e.Qualifiers, r.qualifiers)
	case len(e.Strings) != len(r.strings):
		return fmt.Sprintf("%d strings, evtexport %d", len(e.Strings), len(r.strings))
	}
	for i := range e.Strings {
		if a, b := normString(string(e.Strings[i])), normString(r.strings[i]); a != b {
			return fmt.Sprintf("string %d %q, evtexport %q", i+1, a, b)
		}
	}
	return ""
}

func sameOracle(a, b oracleRecord) bool {
	if a.number != b.number || !a.time.Equal(b.time) || a.source != b.source || a.id != b.id || a.computer != b.computer || len(a.strings) != len(b.strings) {
		return false
	}
	for i := range a.strings {
		if a.strings[i] != b.strings[i] {
			return false
		}
	}
	return true
}

// wrappedIncidentEVT is TestEVTWrapped's ring: six Exchange incident
// records, one split by the end of the file.
func wrappedIncidentEVT() []byte {
	recs := incidentRecords()
	sizes := 0
	for _, r := range recs {
		sizes += len(encodeRecord(r))
	}
	total := evtHeaderSize + sizes + 0x28 + 64
	oldestAt := evtHeaderSize + sizes - len(encodeRecord(recs[5])) - len(encodeRecord(recs[4]))/2 + 0x28 + 64
	oldestAt -= oldestAt % 4
	return wrappedEVT(total, oldestAt, recs)
}
