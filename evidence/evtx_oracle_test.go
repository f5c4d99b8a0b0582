package evidence

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/internal/testpeer"
)

// The oracle test: every record of every .evtx in testdata/evtx is read by
// two third-party readers, Debian's libevtx-utils (evtxexport, written from
// the same libyal documentation) and python3-evtx (python-evtx, written
// independently from A. Schuster's notes), and compared with ours: record
// count, record number, time, event ID, provider and every string.
//
// Where the two disagree we follow evtxexport, and the cases are listed in
// oracleExceptions with the reason. In short: python-evtx checks neither
// the chunk signature nor any CRC32 nor a record's trailing size copy, so
// on damaged files it reads blocks that are not (or no longer) records.
//
// In CI (CI=true) a missing oracle fails the test instead of skipping it.

type evtxOracleRecord struct {
	ID        uint64
	Time      time.Time // evtxexport: written time; python-evtx: TimeCreated
	EventID   uint32
	Provider  string // python-evtx: Provider@Name
	Source    string // evtxexport: its "source name"; python-evtx: EventSourceName
	Qualifier string
	Strings   []string
	Binary    *string // python-evtx: EventData/Binary as base64
	Error     string  // python-evtx could not render the record
}

// oracleExceptions: per file, the records (by number) one oracle reads and
// we do not, and why. Keys are "file/oracle".
var oracleExceptions = map[string]struct {
	extra []uint64
	why   string
}{
	// Chunks 0, 7 and 9 each end in a torn record (its trailing copy of
	// the size is 0: the file was copied while the record was written)
	// and fail their records CRC32; python-evtx takes the torn records.
	// (Chunks 6 and 10, whose headers are zeroed, neither reads.)
	"bad-chunk-magic.evtx/python-evtx": {extra: []uint64{46741, 47640, 45933}, why: "torn records whose trailing size is 0"},
	// The chunk's last record is torn (size 384, trailing copy differs)
	// and its CRC32 fails: python-evtx takes the torn record.
	"helloforbusiness-torn-record.evtx/python-evtx": {extra: []uint64{6}, why: "a torn record whose trailing size disagrees"},
	// The record the cut goes through, zero-filled past the cut in the
	// padded copy the oracles read: python-evtx takes it.
	"system-cut-mid-chunk.evtx/python-evtx": {extra: []uint64{284}, why: "the record cut by the end of the file"},
}

// resyncedRecords: per file, the records we read and neither oracle does:
// after a torn record our walk goes on from the next sound record header
// in the chunk, while both oracles follow the chain of sizes and stop at
// the damage. In bad-chunk-magic.evtx chunk 7 (records 47628-47705 by its
// header) has its torn record 47640 at chunk offset 7784, zeros, then
// 47675-47705 sound from offset 25040 up to the free space offset.
var resyncedRecords = map[string][]uint64{
	"bad-chunk-magic.evtx": recordSpan(47675, 47705),
}

func idSet(ids []uint64) map[uint64]bool {
	set := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

func recordSpan(first, last uint64) []uint64 {
	var ids []uint64
	for id := first; id <= last; id++ {
		ids = append(ids, id)
	}
	return ids
}

// oracleCannotRead: files an oracle cannot read at all, and why. Their
// records are compared with another published reading instead.
var oracleCannotRead = map[string]string{
	// A forwarded-events log whose record BinXML has element starts
	// without a dependency identifier, as [MS-EVEN6] describes; both
	// oracles always expect one. TestEVTXForwardedExchangeEvent compares
	// it with omerbenamram/evtx's published output.
	"exchange-management-forwarded.evtx/evtxexport":  "element starts without a dependency identifier",
	"exchange-management-forwarded.evtx/python-evtx": "element starts without a dependency identifier",
	// CAPI2 UserData whose values are BinXML substitutions and whose
	// elements hold processing instructions and entity references:
	// evtxexport stops at "unsupported type: 0x49", python-evtx fails
	// every record. TestEVTXCAPI2Snapshot compares it with
	// omerbenamram/evtx's published reading.
	"capi2-binxml-substitutions.evtx/evtxexport":  "BinXML substitutions in UserData (unsupported sub token)",
	"capi2-binxml-substitutions.evtx/python-evtx": "BinXML substitutions in UserData",
}

// oracleCannot reports (and checks) an oracle's known failure on a file:
// it must still fail there (or read nothing); a reader that learns to
// read it is compared record by record like the others.
func oracleCannot(t *testing.T, key string, recs []evtxOracleRecord, err error) bool {
	t.Helper()
	why, known := oracleCannotRead[key]
	failed := err != nil || len(recs) == 0 || len(recs) == 1 && recs[0].Error != ""
	switch {
	case known && failed:
		t.Logf("%s: the oracle cannot read it (%s): %v", key, why, err)
		return true
	case err != nil:
		t.Fatal(err)
	}
	return false
}

func evtxTestFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "evtx", "*.evtx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/evtx/*.evtx: %v", err)
	}
	return files
}

func needOracle(t *testing.T, what string, err error) {
	t.Helper()
	testpeer.UnixOnly(t, what)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is needed in CI (scripts/test.sh installs it): %v", what, err)
	}
	t.Skipf("%s not available: %v", what, err)
}

// ourRecords reads a file with the reader under test.
func ourRecords(t *testing.T, path string) ([]*evtxRecord, evtxStats, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := (&Options{}).withDefaults()
	p := &problems{name: path}
	var recs []*evtxRecord
	st := walkEVTX(bufio.NewReader(f), &o, p, func(r *evtxRecord) bool {
		recs = append(recs, r)
		return true
	})
	return recs, st, p.err()
}

var evtxexportField = regexp.MustCompile(`^([A-Z][A-Za-z ]*?)(?:: (\d+))?\t+: ?(.*)$`)

// runEvtxexport parses evtxexport's text output (its default); err when
// it could not export the file.
func runEvtxexport(t *testing.T, path string, args ...string) ([]evtxOracleRecord, error) {
	t.Helper()
	bin, err := exec.LookPath("evtxexport")
	if err != nil {
		needOracle(t, "evtxexport (libevtx-utils)", err)
	}
	out, err := exec.Command(bin, append(args, path)...).Output()
	if err != nil {
		return nil, fmt.Errorf("evtxexport %s: %w", path, err)
	}
	var (
		recs []evtxOracleRecord
		cur  *evtxOracleRecord
		str  = -1 // index of the string that continuation lines extend
		// Blank lines seen since the last line of that string: the blank
		// line that ends a record, or blank lines inside the string (an
		// event text "...\r\n\nClick on OK..."); a line that is no field
		// after them tells which.
		blanks = 0
	)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Unable to export") && cur != nil {
			cur.Error = line // -m recovered: a record found, not readable
			continue
		}
		m := evtxexportField.FindStringSubmatch(line)
		if m == nil {
			if line == "" {
				blanks++
				continue
			}
			if cur != nil && str >= 0 {
				cur.Strings[str] += strings.Repeat("\n", blanks+1) + line
			}
			blanks = 0
			continue
		}
		key, val := m[1], m[3]
		str, blanks = -1, 0
		switch key {
		case "Event number":
			n, _ := strconv.ParseUint(val, 10, 64)
			recs = append(recs, evtxOracleRecord{ID: n})
			cur = &recs[len(recs)-1]
		case "Written time":
			tm, err := time.Parse("Jan 2, 2006 15:04:05.999999999 MST", val)
			if err != nil {
				t.Fatalf("evtxexport time %q: %v", val, err)
			}
			cur.Time = tm
		case "Source name":
			cur.Source = val
		case "Event identifier":
			if i := strings.Index(val, "("); i >= 0 {
				n, _ := strconv.ParseUint(strings.TrimSuffix(val[i+1:], ")"), 10, 32)
				cur.EventID = uint32(n)
			}
		case "String":
			cur.Strings = append(cur.Strings, val)
			str = len(cur.Strings) - 1
		}
	}
	return recs, nil
}

const pythonOracle = `
import json, re, sys
import xml.etree.ElementTree as ET
import Evtx.Evtx as evtx

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
# python-evtx renders an array of strings as "<string>a</string>\n..." in
# one Data element: split it back into its strings.
ARRAY = re.compile(r"^(?:<string>.*?</string>\n)+$", re.S)

# UserData values in document order: attributes (not xmlns), then a
# leaf's text; as evtxexport lists them.
def leaves(e, out):
    attrs = [v for k, v in e.attrib.items() if not k.startswith("xmlns")]
    out += attrs
    kids = list(e)
    if not kids:
        if e.text or not attrs:
            out.append(e.text or "")
        return
    for k in kids:
        leaves(k, out)

with evtx.Evtx(sys.argv[1]) as log:
    for rec in log.records():
        out = {"id": rec.record_num()}
        try:
            x = rec.xml()
            # python-evtx writes character references such as &#0; that
            # XML 1.0 parsers refuse: keep them as text, decoded below.
            root = ET.fromstring(x.replace("&#", "&amp;#"))
        except Exception as ex:
            out["error"] = str(ex)
            print(json.dumps(out)); continue
        s = root.find(NS + "System")
        p = s.find(NS + "Provider")
        out["provider"] = p.get("Name", "")
        out["source_name"] = p.get("EventSourceName", "")
        e = s.find(NS + "EventID")
        out["event_id"] = int(e.text or 0)
        out["qualifiers"] = e.get("Qualifiers", "")
        t = s.find(NS + "TimeCreated")
        out["time"] = t.get("SystemTime", "") if t is not None else ""
        strings = []
        ed = root.find(NS + "EventData")
        ud = root.find(NS + "UserData")
        if ed is not None:
            for d in ed:
                if d.tag in (NS + "Data", NS + "ComplexData"):
                    v = d.text or ""
                    if ARRAY.match(v):
                        strings += re.findall(r"<string>(.*?)</string>\n", v, re.S)
                    else:
                        strings.append(v)
                elif d.tag == NS + "Binary":
                    out["binary"] = d.text or ""
        elif ud is not None and len(ud):
            leaves(ud[0], strings)
        else:
            pe = root.find(NS + "ProcessingErrorData")
            if pe is not None:
                for k in pe:
                    leaves(k, strings)
        out["strings"] = [re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), v) for v in strings]
        print(json.dumps(out))
`

// pythonWithEvtx finds a Python 3 that can import python-evtx's module
// (Debian installs it for /usr/bin/python3, which may not be first on PATH).
var pythonWithEvtx = sync.OnceValues(func() (string, error) {
	var last error
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if last = exec.Command(py, "-c", "import Evtx.Evtx").Run(); last == nil {
			return py, nil
		}
	}
	return "", last
})

// runPythonEvtx runs python-evtx; err when it could not render a record
// (it then renders none of that file's records correctly).
func runPythonEvtx(t *testing.T, py, path string) ([]evtxOracleRecord, error) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "oracle.py")
	if err := os.WriteFile(script, []byte(pythonOracle), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, path).Output()
	if err != nil {
		return nil, fmt.Errorf("python-evtx %s: %w", path, err)
	}
	var recs []evtxOracleRecord
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r struct {
			ID         uint64   `json:"id"`
			Error      string   `json:"error"`
			Provider   string   `json:"provider"`
			SourceName string   `json:"source_name"`
			EventID    uint32   `json:"event_id"`
			Qualifiers string   `json:"qualifiers"`
			Time       string   `json:"time"`
			Strings    []string `json:"strings"`
			Binary     *string  `json:"binary"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("python-evtx output %q: %v", sc.Text(), err)
		}
		o := evtxOracleRecord{ID: r.ID, Error: r.Error, Provider: r.Provider, Source: r.SourceName,
			EventID: r.EventID, Qualifier: r.Qualifiers, Strings: r.Strings, Binary: r.Binary}
		if r.Time != "" {
			tm, err := time.Parse("2006-01-02 15:04:05.999999", r.Time)
			if err != nil {
				t.Fatalf("python-evtx time %q: %v", r.Time, err)
			}
			o.Time = tm
		}
		recs = append(recs, o)
	}
	return recs, nil
}

// sameValue says whether an oracle's text is the same value as ours,
// given the value's type: the readers render hex, booleans, times and
// binary differently (zero-padded hex, "True", base64...).
func sameValue(v bxVal, theirs string) bool {
	if v.Text == theirs {
		return true
	}
	if len(v.Text) > defaultMaxStringBytes-4 && strings.HasPrefix(theirs, v.Text) {
		return true // cut at MaxStringBytes, and told (readEVTX)
	}
	if (v.Type == vtString || v.Type == vtAnsi) && beforeNUL(v.Text) == theirs {
		// A string value with a NUL inside (garbage in slack space):
		// evtxexport stops at the NUL, we (and python-evtx) keep it all.
		return true
	}
	switch v.Type {
	case vtHex32, vtHex64, vtSizeT:
		a, err1 := strconv.ParseUint(strings.TrimPrefix(v.Text, "0x"), 16, 64)
		b, err2 := strconv.ParseUint(strings.TrimPrefix(theirs, "0x"), 16, 64)
		if v.Type == vtSizeT && !strings.HasPrefix(theirs, "0x") {
			// evtxexport writes a SizeT in decimal; we (and python-evtx,
			// and Event Viewer's XML) in hex.
			b, err2 = strconv.ParseUint(theirs, 10, 64)
		}
		return err1 == nil && err2 == nil && a == b
	case vtInt8, vtInt16, vtInt32, vtInt64:
		// evtxexport writes a negative integer as its sign and the low
		// bits, not as two's complement (-295007 for 0x8004805F, an
		// HRESULT we and python-evtx write as -2147188641).
		a, err1 := strconv.ParseInt(v.Text, 10, 64)
		b, err2 := strconv.ParseInt(theirs, 10, 64)
		bits := map[byte]uint{vtInt8: 8, vtInt16: 16, vtInt32: 32, vtInt64: 64}[v.Type]
		mask := uint64(1)<<(bits-1) - 1
		return err1 == nil && err2 == nil && a < 0 && b < 0 && uint64(a)&mask == uint64(-b)&mask
	case vtString:
		// An unpaired high surrogate: we write U+FFFD and decode the next
		// unit (Unicode's advice); evtxexport drops the next unit too.
		if strings.ContainsRune(theirs, utf8.RuneError) {
			return dropAfterReplacement(v.Text) == theirs
		}
	case vtBool, vtGUID:
		return strings.EqualFold(v.Text, theirs)
	case vtReal32, vtReal64:
		a, err1 := strconv.ParseFloat(v.Text, 64)
		b, err2 := strconv.ParseFloat(theirs, 64)
		return err1 == nil && err2 == nil && math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(a))
	case vtFileTime, vtSysTime:
		a, err1 := time.Parse(time.RFC3339Nano, v.Text)
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "Jan 2, 2006 15:04:05.999999999 MST", "2006-01-02T15:04:05.999999999Z"} {
			if b, err := time.Parse(layout, theirs); err == nil && err1 == nil {
				return a.Sub(b).Abs() <= 10*time.Microsecond // python-evtx: through a float
			}
		}
	case vtBinary:
		if b, err := base64.StdEncoding.DecodeString(theirs); err == nil && bytes.Equal(b, v.Bytes) {
			return true
		}
		if b, err := hex.DecodeString(theirs); err == nil && bytes.Equal(b, v.Bytes) {
			return true
		}
	}
	return false
}

func TestEVTXOracles(t *testing.T) {
	// The test writer's output too: both oracles must read what it writes
	// as the format says, or the 4117 test would prove nothing.
	written := filepath.Join(t.TempDir(), "written-by-evtxwriter.evtx")
	if err := os.WriteFile(written, buildEVTX(exchangeIncident()), 0o600); err != nil {
		t.Fatal(err)
	}
	// And a chunk whose header CRC32 fails: both oracles read its records,
	// and so must we.
	headerBad := filepath.Join(t.TempDir(), "system-dirty-chunk1-header-crc.evtx")
	b := bytes.Clone(readTestEVTX(t, "system-dirty.evtx"))
	b[evtxFileHeaderSize+evtxChunkSize+8]++
	if err := os.WriteFile(headerBad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range append(evtxTestFiles(t), written, headerBad) {
		base := filepath.Base(path)
		t.Run(base, func(t *testing.T) {
			t.Parallel() // python-evtx takes seconds on the biggest file
			all, st, _ := ourRecords(t, path)
			path := oraclePath(t, path)
			ours, recovered, byID := splitRecovered(all)
			t.Run("evtxexport-recovered", func(t *testing.T) {
				recs, err := runEvtxexport(t, path, "-m", "recovered")
				if oracleCannot(t, base+"/evtxexport", recs, err) {
					return
				}
				compareRecovered(t, base, byID, recovered, recs, idSet(resyncedRecords[base]), idSet(st.Unparsed))
			})
			t.Run("evtxexport", func(t *testing.T) {
				recs, err := runEvtxexport(t, path)
				if oracleCannot(t, base+"/evtxexport", recs, err) {
					return
				}
				compareEVTXOracle(t, base+"/evtxexport", ours, byID, recs, idSet(resyncedRecords[base]), compareEvtxexport)
			})
			t.Run("python-evtx", func(t *testing.T) {
				py, err := pythonWithEvtx()
				if err != nil {
					needOracle(t, "python3-evtx", err)
				}
				recs, err := runPythonEvtx(t, py, path)
				if oracleCannot(t, base+"/python-evtx", recs, err) {
					return
				}
				compareEVTXOracle(t, base+"/python-evtx", ours, byID, recs, idSet(resyncedRecords[base]), comparePython)
			})
		})
	}
}

// splitRecovered parts our records into live and recovered ones, and
// indexes the live ones by number.
func splitRecovered(all []*evtxRecord) (live, recovered []*evtxRecord, byID map[uint64]*evtxRecord) {
	byID = map[uint64]*evtxRecord{}
	for _, r := range all {
		if r.Recovered {
			recovered = append(recovered, r)
			continue
		}
		live = append(live, r)
		byID[r.ID] = r
	}
	return live, recovered, byID
}

// oraclePath gives the file the oracles read: path itself, or for a
// file cut inside a chunk (system-cut-mid-chunk.evtx) a copy padded with
// zeros to the chunk's end: both oracles skip a partial chunk, we read
// the records wholly before the cut (and report the cut), and the padded
// copy lets the oracles check those records.
func oraclePath(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tail := (len(b) - evtxFileHeaderSize) % evtxChunkSize
	if len(b) <= evtxFileHeaderSize || tail == 0 || !isEVTX(b) {
		return path
	}
	padded := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(padded, append(b, make([]byte, evtxChunkSize-tail)...), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("cut %d bytes into its last chunk: the oracles read a copy padded to the chunk's end", tail)
	return padded
}

// resynced lists the records we read live that follow a torn record
// (resyncedRecords): the oracle does not read them live.
func compareEVTXOracle(t testing.TB, key string, ours []*evtxRecord, byID map[uint64]*evtxRecord, theirs []evtxOracleRecord, resynced map[uint64]bool, cmp func(testing.TB, *evtxRecord, evtxOracleRecord)) {
	exc := oracleExceptions[key]
	extra := map[uint64]bool{}
	for _, id := range exc.extra {
		extra[id] = true
	}
	seen := map[uint64]bool{}
	matched := 0
	for _, o := range theirs {
		r := byID[o.ID]
		if r == nil {
			if !extra[o.ID] {
				t.Errorf("record %d: the oracle reads it, we do not", o.ID)
			}
			continue
		}
		if extra[o.ID] {
			t.Errorf("record %d: listed as an exception (%s) but we read it", o.ID, exc.why)
		}
		seen[o.ID] = true
		matched++
		cmp(t, r, o)
	}
	for _, r := range ours {
		if !seen[r.ID] && !resynced[r.ID] {
			t.Errorf("record %d: we read it, the oracle does not", r.ID)
		}
		if seen[r.ID] && resynced[r.ID] {
			t.Errorf("record %d: listed as resynced past damage, but the oracle reads it too", r.ID)
		}
	}
	if want := len(theirs) - len(exc.extra); matched != want || len(ours) != want+len(resynced) {
		t.Errorf("records: ours %d, oracle %d (%d expected exceptions, %d resynced)", len(ours), len(theirs), len(exc.extra), len(resynced))
	}
	t.Logf("%s: ours %d records, oracle %d", key, len(ours), len(theirs))
}

// compareRecovered compares the records we recover from slack space with
// those evtxexport's "-m recovered" lists. It lists as recovered also the
// records after a torn one that our walk reads live (resyncedRecords):
// those are compared with our live ones.
// unparsed: the records our recovery scan found and could not parse
// (evtxStats.Unparsed); evtxexport may list them, read or not.
func compareRecovered(t testing.TB, file string, live map[uint64]*evtxRecord, recovered []*evtxRecord, theirs []evtxOracleRecord, resynced, unparsed map[uint64]bool) {
	t.Helper()
	ours := map[uint64]*evtxRecord{}
	copies := 0
	for _, r := range recovered {
		if o := ours[r.ID]; o != nil {
			// The same record in the slack of several chunks: Load keeps
			// one (dedupRecords); two different ones would both be kept
			// and cannot be matched by number.
			if sameRecord(o, r) {
				copies++
				continue
			}
			t.Errorf("record %d recovered twice, with different content", r.ID)
		}
		ours[r.ID] = r
	}
	if copies > 0 {
		t.Logf("%s: %d recovered records are copies of others found in another chunk's slack", file, copies)
	}
	seen := map[uint64]bool{}
	unreadable, theirGuess := 0, 0
	for _, o := range theirs {
		r := ours[o.ID]
		if resynced[o.ID] {
			r = live[o.ID]
		}
		if o.Error != "" {
			// Found in slack space, its templates gone: neither reads it.
			unreadable++
			if r != nil {
				t.Errorf("record %d: evtxexport cannot read it (%s), we recover it", o.ID, o.Error)
			}
			continue
		}
		if r == nil && unparsed[o.ID] {
			// Found by both; its templates or names are overwritten
			// (checked by their GUID and name hash): evtxexport renders
			// it anyway, from what is there now.
			theirGuess++
			continue
		}
		if r == nil {
			t.Errorf("record %d: evtxexport recovers it, we do not", o.ID)
			continue
		}
		seen[o.ID] = true
		compareEvtxexport(t, r, o)
	}
	if theirGuess > 0 {
		t.Logf("%s: evtxexport -m recovered renders %d records whose templates or names we find overwritten", file, theirGuess)
	}
	if unreadable > 0 {
		t.Logf("%s: evtxexport -m recovered finds %d records it cannot read", file, unreadable)
	}
	for id := range ours {
		if !seen[id] {
			t.Errorf("record %d: we recover it, evtxexport does not", id)
		}
	}
	t.Logf("%s: %d records recovered, evtxexport -m recovered lists %d (%d of them read live after a torn record)", file, len(recovered), len(theirs), len(resynced))
}

// sameRecord: the same content (as dedupRecords sees it).
func sameRecord(a, b *evtxRecord) bool {
	o := (&Options{}).withDefaults()
	return recordContent(evtxEvent(a, "", &o)) == recordContent(evtxEvent(b, "", &o))
}

func compareEvtxexport(t testing.TB, r *evtxRecord, o evtxOracleRecord) {
	t.Helper()
	// evtxexport shows a zero FILETIME as 1601-01-01; we leave it unset.
	if !r.Written.Equal(o.Time) && !(r.Written.IsZero() && o.Time.Equal(time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC))) {
		t.Errorf("record %d: written %v, evtxexport %v", r.ID, r.Written, o.Time)
	}
	if r.EventID != o.EventID {
		t.Errorf("record %d: event ID %d, evtxexport %d", r.ID, r.EventID, o.EventID)
	}
	src := r.SourceName
	if src == "" {
		src = r.Provider
	}
	if src != o.Source && beforeNUL(src) != o.Source {
		t.Errorf("record %d: source %q, evtxexport %q", r.ID, src, o.Source)
	}
	// evtxexport lists EventData/Binary, as hex, after the strings; an
	// empty Binary element as an empty string (we keep no data for it).
	want := r.Strings
	if r.Data != nil {
		want = append(want[:len(want):len(want)], bxVal{Type: vtBinary, Bytes: r.Data, Text: strings.ToUpper(hex.EncodeToString(r.Data))})
	} else if n := len(o.Strings); n == len(want)+1 && o.Strings[n-1] == "" {
		o.Strings = o.Strings[:n-1]
	}
	// Its text output cannot show a string's trailing line breaks: they
	// run into the blank line that ends the record.
	trimmed := make([]bxVal, len(want))
	for i, v := range want {
		v.Text = strings.TrimRight(v.Text, "\r\n")
		trimmed[i] = v
	}
	theirs := make([]string, len(o.Strings))
	for i, s := range o.Strings {
		theirs[i] = strings.TrimRight(s, "\r\n")
	}
	compareStrings(t, r.ID, "evtxexport", trimmed, theirs)
}

func comparePython(t testing.TB, r *evtxRecord, o evtxOracleRecord) {
	t.Helper()
	if o.Error != "" {
		// python-evtx cannot render it (e.g. an AnsiString byte > 0x7f
		// raises in its ASCII decode): the record number still matches.
		t.Logf("record %d: python-evtx could not render it (%s); evtxexport covers it", r.ID, o.Error)
		return
	}
	// python-evtx converts FILETIME through a float: a few microseconds off.
	if d := r.Created.Sub(o.Time).Abs(); d > 10*time.Microsecond {
		t.Errorf("record %d: created %v, python-evtx %v", r.ID, r.Created, o.Time)
	}
	if r.EventID != o.EventID {
		t.Errorf("record %d: event ID %d, python-evtx %d", r.ID, r.EventID, o.EventID)
	}
	if r.Provider != o.Provider || r.SourceName != o.Source {
		t.Errorf("record %d: provider %q/%q, python-evtx %q/%q", r.ID, r.Provider, r.SourceName, o.Provider, o.Source)
	}
	if q := strconv.FormatUint(uint64(r.Qualifiers), 10); o.Qualifier != "" && q != o.Qualifier {
		t.Errorf("record %d: qualifiers %s, python-evtx %s", r.ID, q, o.Qualifier)
	}
	// Its XML parser reads CRLF and a lone CR as LF and cannot carry
	// other control characters (evtxexport shows them as we do); a NULL
	// value is an empty Data element there, where evtxexport and we list
	// no string.
	var ours []bxVal
	array := false
	theirs := slices.Clone(o.Strings)
	for i, v := range r.Strings {
		cut := len(v.Text) > defaultMaxStringBytes-4
		v.Text = xmlText(v.Text)
		if cut && i < len(theirs) && strings.HasPrefix(theirs[i], v.Text) {
			theirs[i] = v.Text // cut at MaxStringBytes, and told
		}
		array = array || v.Array && v.Type == vtString
		ours = append(ours, v)
	}
	if len(ours) == 0 && len(theirs) == 1 && theirs[0] == "" {
		theirs = nil
	}
	switch {
	case array:
		// python-evtx splits a string array with a byte regex that
		// misaligns on empty elements (it drops, moves or duplicates
		// them); evtxexport compares these records exactly.
		if !sameNonEmpty(ours, theirs) {
			t.Logf("record %d: string array %q, python-evtx %q (its array rendering; evtxexport agrees with us)", r.ID, texts(ours), theirs)
		}
	default:
		compareStrings(t, r.ID, "python-evtx", ours, theirs)
	}
	if o.Binary != nil {
		if b, err := base64.StdEncoding.DecodeString(*o.Binary); err != nil || !bytes.Equal(b, r.Data) {
			t.Errorf("record %d: binary %X, python-evtx %q", r.ID, r.Data, *o.Binary)
		}
	}
}

// xmlText is s as an XML parser gives it back: line ends as LF, no
// control character but tab and LF.
func xmlText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' {
			return -1
		}
		return r
	}, s)
}

// beforeNUL is s up to its first NUL.
func beforeNUL(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// dropAfterReplacement removes the rune after each U+FFFD that follows
// an unpaired high surrogate in s, as evtxexport's decoder swallows it.
func dropAfterReplacement(s string) string {
	var b strings.Builder
	skip := false
	for _, r := range s {
		if skip {
			skip = false
			continue
		}
		b.WriteRune(r)
		skip = r == utf8.RuneError
	}
	return b.String()
}

func compareStrings(t testing.TB, id uint64, who string, ours []bxVal, theirs []string) {
	t.Helper()
	if len(ours) != len(theirs) {
		t.Errorf("record %d: %d strings %q, %s %d %q", id, len(ours), texts(ours), who, len(theirs), theirs)
		return
	}
	for i := range ours {
		if !sameValue(ours[i], theirs[i]) {
			t.Errorf("record %d: string %d (type 0x%02x) %q, %s %q", id, i+1, ours[i].Type, ours[i].Text, who, theirs[i])
		}
	}
}

// sameNonEmpty compares the non-empty strings only.
func sameNonEmpty(ours []bxVal, theirs []string) bool {
	var a []bxVal
	var b []string
	for _, v := range ours {
		if v.Text != "" {
			a = append(a, v)
		}
	}
	for _, s := range theirs {
		if s != "" {
			b = append(b, s)
		}
	}
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameValue(a[i], b[i]) {
			return false
		}
	}
	return true
}

func texts(vs []bxVal) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Text
	}
	return out
}
