package corpus

import (
	"bytes"
	"encoding/binary"
	"os"
	"path"
	"strings"
	"testing"
	"unicode/utf16"
)

// evtRec is one record as the independent reader below decodes it.
type evtRec struct {
	number   uint32
	eventID  uint32
	typ      uint16
	category uint16
	source   string
	computer string
	strs     []string
	data     []byte
}

// readEVT is an independent reader of the legacy .evt layout, written from
// the documented structures (ims-kb.md 4.2: ELF_LOGFILE_HEADER,
// EVENTLOGRECORD, the EOF record), not from the writer's code.
func readEVT(t *testing.T, p string) []evtRec {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	u32 := func(off int) uint32 { return le.Uint32(b[off:]) }
	if len(b) < 0x30 || u32(0) != 0x30 || string(b[4:8]) != "LfLe" || u32(44) != 0x30 {
		t.Fatalf("%s: bad header", p)
	}
	if u32(8) != 1 || u32(12) != 1 {
		t.Errorf("%s: version %d.%d", p, u32(8), u32(12))
	}
	start, end, current, oldest, flags := u32(16), u32(20), u32(24), u32(28), u32(36)
	if flags&1 != 0 {
		t.Errorf("%s: DIRTY set in a saved log", p)
	}
	utf16z := func(raw []byte) (string, int) {
		var u []uint16
		for i := 0; i+1 < len(raw); i += 2 {
			c := le.Uint16(raw[i:])
			if c == 0 {
				return string(utf16.Decode(u)), i + 2
			}
			u = append(u, c)
		}
		t.Fatalf("%s: unterminated UTF-16 string", p)
		return "", 0
	}
	var recs []evtRec
	off := int(start)
	for off != int(end) {
		if off+0x38 > len(b) {
			t.Fatalf("%s: record at %#x runs past the end", p, off)
		}
		n := int(u32(off))
		r := b[off : off+n]
		if string(r[4:8]) != "LfLe" || le.Uint32(r[n-4:]) != uint32(n) || n%4 != 0 {
			t.Fatalf("%s: bad record at %#x", p, off)
		}
		rec := evtRec{number: le.Uint32(r[8:]), eventID: le.Uint32(r[20:]), typ: le.Uint16(r[24:]), category: le.Uint16(r[28:])}
		nstr := int(le.Uint16(r[26:]))
		strOff, dataLen, dataOff := int(le.Uint32(r[36:])), int(le.Uint32(r[48:])), int(le.Uint32(r[52:]))
		var k int
		rec.source, k = utf16z(r[0x38:])
		rec.computer, _ = utf16z(r[0x38+k:])
		so := strOff
		for range nstr {
			s, k := utf16z(r[so:])
			rec.strs = append(rec.strs, s)
			so += k
		}
		rec.data = r[dataOff : dataOff+dataLen]
		if le.Uint32(r[12:]) != le.Uint32(r[16:]) || le.Uint32(r[12:]) < 978307200 {
			t.Errorf("%s: record %d: odd times", p, rec.number)
		}
		recs = append(recs, rec)
		off += n
	}
	eof := b[end:]
	if len(eof) != 0x28 || le.Uint32(eof) != 0x28 || le.Uint32(eof[4:]) != 0x11111111 || le.Uint32(eof[16:]) != 0x44444444 || le.Uint32(eof[36:]) != 0x28 {
		t.Fatalf("%s: bad EOF record", p)
	}
	if len(recs) == 0 || recs[0].number != oldest || recs[len(recs)-1].number+1 != current {
		t.Errorf("%s: record numbers do not match the header (oldest %d, current %d)", p, oldest, current)
	}
	return recs
}

func findRec(recs []evtRec, source string, code uint32) *evtRec {
	for i := range recs {
		if recs[i].source == source && recs[i].eventID&0xFFFF == code {
			return &recs[i]
		}
	}
	return nil
}

func checkScenarioEvents(t *testing.T, sc Scenario, tr *Truth, recs []evtRec) {
	t.Helper()
	for _, r := range recs {
		sev := r.eventID >> 30
		want := map[uint16]uint32{1: 3, 2: 2, 4: 1}[r.typ]
		if sev != want || r.computer != tr.Server {
			t.Errorf("record %d: id %#x type %d computer %q", r.number, r.eventID, r.typ, r.computer)
		}
	}
	if sc.Kind == KindNonContent {
		e := findRec(recs, "MSExchangeIMC", 4116)
		if findRec(recs, "MSExchangeIMC", 4018) == nil || e == nil || len(e.data) != 0 {
			t.Error("non-content story needs 4018 and a 4116 without data")
		}
		return
	}
	if sc.Kind == KindMTSOut {
		e := findRec(recs, "MSExchangeIMC", 4116)
		if e == nil || len(e.data) < 8 || binary.LittleEndian.Uint32(e.data[4:]) != 0x8007000E {
			t.Error("MTS-OUT story needs 4116 with HRESULT 0x8007000E")
		}
		return
	}
	if sc.Kind != KindContent {
		return
	}
	name := path.Base(tr.Culprits[0])
	last := func(e *evtRec) string {
		if e == nil || len(e.strs) == 0 {
			return ""
		}
		return e.strs[len(e.strs)-1]
	}
	switch sc.Naming {
	case NameBy4117:
		if e := findRec(recs, "MSExchangeIMC", 4117); last(e) != name || e.eventID != 0xC0001015 {
			t.Errorf("4117 does not name %s", name)
		}
	case NameBy4182:
		if last(findRec(recs, "MSExchangeIMC", 4182)) != name {
			t.Errorf("4182 does not name %s", name)
		}
	case NameBy12006:
		if last(findRec(recs, "MSExchangeIS", 12006)) != name || last(findRec(recs, "MSExchangeIMC", 4117)) != name {
			t.Errorf("12006 + 4117 do not name %s", name)
		}
	case NameBy12007:
		if last(findRec(recs, "MSExchangeIS", 12007)) != name {
			t.Errorf("12007 does not name %s", name)
		}
	case NameBy4131:
		e := findRec(recs, "MSExchangeIMC", 4131)
		if e == nil || len(e.data) < 9 {
			t.Fatal("no 4131 with data")
		}
		spool := string(e.data[8 : 8+bytes.IndexByte(e.data[8:], 0)])
		if spool != name {
			t.Errorf("4131 data names %q, want %s", spool, name)
		}
		for _, r := range recs {
			if strings.Contains(strings.Join(r.strs, " "), name) {
				t.Errorf("data-only story, but event %d's strings name the file", r.eventID&0xFFFF)
			}
		}
	case NameNone:
		e := findRec(recs, "MSExchangeIMC", 4116)
		if e == nil || e.eventID != 0xC0001014 || findRec(recs, "MSExchangeIMC", 3039) == nil {
			t.Error("unnamed story needs 4116 (0xC0001014) and 3039")
		}
		for _, r := range recs {
			if strings.Contains(strings.Join(r.strs, " "), name) || bytes.Contains(r.data, []byte(name)) {
				t.Errorf("unnamed story, but event %d names the file", r.eventID&0xFFFF)
			}
		}
		if sc.FaultingFunction != "" {
			if d := findRec(recs, "DrWatson", 4097); d == nil || !strings.Contains(strings.Join(d.strs, " "), sc.FaultingFunction) {
				t.Errorf("no Dr. Watson 4097 naming %s", sc.FaultingFunction)
			}
		}
	}
}

func TestLiveCopyEVT(t *testing.T) {
	dir := t.TempDir()
	sc, _ := ScenarioByName("recipients-over-32766-4131")
	if _, err := Generate(t.Context(), dir, Config{Messages: 30, Seed: 9, Evidence: true, Scenario: sc}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dir + "/evidence/AppEvent-live.evt")
	if err != nil {
		t.Fatal(err)
	}
	if binary.LittleEndian.Uint32(b[36:])&1 == 0 || binary.LittleEndian.Uint32(b[16:]) == 0x30 {
		t.Error("live copy: DIRTY not set or StartOffset not stale")
	}
	// Scanning by signature still finds every record of the saved log.
	saved := readEVT(t, dir+"/evidence/AppEvent.evt")
	if n := bytes.Count(b, []byte("LfLe")) - 1; n != len(saved) { // minus the header's
		t.Errorf("live copy holds %d record signatures, saved log %d records", n, len(saved))
	}
}
