package evidence

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// The Q293288 incident as an Application log: 4116, 3039, 4182, 4102,
// then 4117 of Q246051 and 4131 of Q272672.
func incidentRecords() []testRecord {
	t0 := uint32(time.Date(2001, 3, 14, 15, 32, 11, 0, time.UTC).Unix())
	return []testRecord{
		{Number: 101, Time: t0, EventID: 0xC0001014, Type: 1, Category: 2, Source: "MSExchangeIMC", Computer: "EXCH1",
			Data: []byte{0x74, 0x00, 0x05, 0x00, 0x0e, 0x00, 0x07, 0x80}},
		{Number: 102, Time: t0 + 1, EventID: 0xC0000BDF, Type: 1, Category: 2, Source: "MSExchangeIMC", Computer: "EXCH1",
			Strings: []string{"0x80040115"}, Data: []byte{0x67, 0x06, 0x14, 0x00, 0x15, 0x01, 0x04, 0x80}},
		{Number: 103, Time: t0 + 29, EventID: 0xC0001056, Type: 1, Category: 2, Source: "MSExchangeIMC", Computer: "EXCH1",
			Strings: []string{"HBWK2Q2P"}, SIDLength: 12},
		{Number: 104, Time: t0 + 30, EventID: 0xC0001006, Type: 1, Category: 2, Source: "MSExchangeIMC", Computer: "EXCH1"},
		{Number: 105, Time: t0 + 60, EventID: 0xC0001015, Type: 1, Category: 2, Source: "MSExchangeIMC", Computer: "EXCH1",
			Strings: []string{"80004005", "WXJXSG2D"}, Data: []byte{0x7f, 0x03, 0x01, 0x00, 0x05, 0x40, 0x00, 0x80}},
		{Number: 106, Time: t0 + 61, EventID: 0x40001023, Type: 4, Category: 2, Source: "MSExchangeIMC", Computer: "EXCH1",
			Data: append([]byte{0x9a, 0x01, 0x02, 0x00, 0x0e, 0x00, 0x07, 0x80}, "TG45CLP6\x00"...)},
	}
}

func readEVTBytes(t *testing.T, b []byte, opts *Options) ([]model.Event, error) {
	t.Helper()
	// Through a real file, as users hand them over.
	path := filepath.Join(t.TempDir(), "AppEvent.Evt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return ReadFile(path, opts)
}

func numbers(evs []model.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Origin[bytes.LastIndexByte([]byte(e.Origin), '#')+1:])
	}
	return out
}

func TestEVTLinear(t *testing.T) {
	// The zone must not matter: .evt times are UTC.
	evs, err := readEVTBytes(t, linearEVT(incidentRecords()...), &Options{TZ: serverZone(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 6 {
		t.Fatalf("got %d events: %v", len(evs), numbers(evs))
	}
	e := evs[0]
	if e.EventID != 4116 || e.Level != "error" || e.Source != "MSExchangeIMC" || e.Computer != "EXCH1" || e.Category != "2" ||
		!eqU32(e.HRESULT, u32(0x8007000e)) || !eqU32(e.Location, u32(0x00050074)) || e.SpoolFile != "" {
		t.Errorf("4116: %+v", e)
	}
	if want := time.Date(2001, 3, 14, 15, 32, 11, 0, time.UTC); !e.Time.Equal(want) || e.Time.Location() != time.UTC {
		t.Errorf("time %v, want %v UTC", e.Time, want)
	}
	if e := evs[1]; e.EventID != 3039 || !eqU32(e.HRESULT, u32(0x80040115)) {
		t.Errorf("3039: %+v", e)
	}
	if e := evs[2]; e.EventID != 4182 || e.SpoolFile != "HBWK2Q2P" || len(e.Strings) != 1 {
		t.Errorf("4182 (with a SID before its strings): %+v", e)
	}
	if e := evs[4]; e.EventID != 4117 || e.SpoolFile != "WXJXSG2D" || !eqU32(e.HRESULT, u32(0x80004005)) {
		t.Errorf("4117: %+v", e)
	}
	if e := evs[5]; e.EventID != 4131 || e.Level != "information" || e.SpoolFile != "TG45CLP6" || !eqU32(e.Location, u32(0x0002019a)) {
		t.Errorf("4131: %+v", e)
	}
}

func TestEVTTruncated(t *testing.T) {
	full := linearEVT(incidentRecords()...)
	third := evtHeaderSize + len(encodeRecord(incidentRecords()[0])) + len(encodeRecord(incidentRecords()[1]))
	cut := full[:third+40] // inside record 103
	evs, err := readEVTBytes(t, cut, nil)
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("err = %v, want ErrTruncated", err)
	}
	if got := numbers(evs); len(got) != 2 || got[0] != "record=101" || got[1] != "record=102" {
		t.Errorf("intact records = %v, want 101 and 102", got)
	}
}

func TestEVTCorruptRecord(t *testing.T) {
	b := linearEVT(incidentRecords()...)
	// Break the trailing length of record 102.
	end := evtHeaderSize + len(encodeRecord(incidentRecords()[0])) + len(encodeRecord(incidentRecords()[1]))
	b[end-4] ^= 0xFF
	// In a log with a sound header that is a damaged record: counted and
	// told, not an error.
	f := readAll(bytes.NewReader(b), "damaged.evt", nil, FormatUnknown)
	if f.Err != nil || f.Info.Damaged != 1 || len(f.Info.Warnings) != 1 {
		t.Errorf("err = %v, damaged %d, warnings %q; want no error, 1 damaged, 1 warning", f.Err, f.Info.Damaged, f.Info.Warnings)
	}
	if got := numbers(f.Events); len(got) != 5 || f.Info.Events != 5 {
		t.Errorf("records = %v, want the 5 intact ones", got)
	}
	// Without a header (a carved fragment) it is an error.
	_, err := readEVTBytes(t, b[evtHeaderSize:], nil)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("headerless: err = %v, want ErrCorrupt", err)
	}
	// Data offsets pointing outside the record: the record is kept, its
	// data is not invented.
	r := incidentRecords()[0]
	rec := encodeRecord(r)
	rec[0x34] = 0xF0 // DataOffset
	evs, err := Read(bytes.NewReader(rec), "carved.evt", nil)
	if !errors.Is(err, ErrCorrupt) || len(evs) != 1 || evs[0].Data != nil || evs[0].HRESULT != nil {
		t.Errorf("bad DataOffset: %+v, %v", evs, err)
	}
}

func TestEVTWrapped(t *testing.T) {
	// A ring buffer just big enough that a record is split by the end
	// of the file and the newest ones sit right after the header.
	b := wrappedIncidentEVT()
	evs, err := readEVTBytes(t, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := numbers(evs)
	want := []string{"record=101", "record=102", "record=103", "record=104", "record=105", "record=106"}
	if len(got) != len(want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("records = %v, want %v (sorted by time)", got, want)
		}
	}
	if e := evs[4]; e.SpoolFile != "WXJXSG2D" || !eqU32(e.HRESULT, u32(0x80004005)) {
		t.Errorf("split record 105 not joined: %+v", e)
	}
}

func TestEVTStaleHeader(t *testing.T) {
	recs := incidentRecords()
	b := linearEVT(recs...)
	// Copied live: DIRTY set, offsets and counters stale (pointing past
	// the end), and a stale second copy of record 104 after the EOF record.
	copy(b, encodeHeader(0x7FFFFFF0, 0x10, 3, 99, 0x100, evtFlagDirty))
	b = append(b, encodeRecord(recs[3])...)
	evs, err := readEVTBytes(t, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := numbers(evs); len(got) != 6 {
		t.Errorf("records = %v, want 6 once each", got)
	}
}

func TestEVTEmptyAndGarbage(t *testing.T) {
	evs, err := Read(bytes.NewReader(linearEVT()), "empty.evt", nil)
	if err != nil || len(evs) != 0 {
		t.Errorf("empty log: %v, %v", evs, err)
	}
	garbage := append(encodeHeader(0x30, 0x30, 1, 1, 0x1000, 0), bytes.Repeat([]byte("LfLe\xff\xff\xff\x7f"), 100)...)
	evs, err = Read(bytes.NewReader(garbage), "garbage.evt", nil)
	if len(evs) != 0 {
		t.Errorf("garbage gave events: %v", evs)
	}
	_ = err
}

func TestLimits(t *testing.T) {
	evs, err := Read(bytes.NewReader(linearEVT(incidentRecords()...)), "x.evt", &Options{MaxEvents: 2})
	if !errors.Is(err, ErrLimitExceeded) || len(evs) != 2 {
		t.Errorf("MaxEvents: %d events, %v", len(evs), err)
	}
	var le *LimitError
	raw, _ := os.ReadFile(filepath.Join("testdata", "export-q293288.csv"))
	evs, err = Read(bytes.NewReader(raw), "x.csv", &Options{MaxFileBytes: 700})
	if !errors.As(err, &le) || le.Limit != "MaxFileBytes" || len(evs) == 0 || len(evs) >= 7 {
		t.Errorf("MaxFileBytes: %d events, %v", len(evs), err)
	}
	evs, err = Read(bytes.NewReader(linearEVT(incidentRecords()...)), "x.evt", &Options{MaxDataBytes: 4, MaxStringBytes: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if len(e.Data) > 4 || len(e.Source) > 3 {
			t.Errorf("caps not applied: %+v", e)
		}
	}
}

// Regression (found by fuzzing): a file whose last record lacks only part
// of its trailing length must not be joined out of bounds.
func TestEVTCutInsideTrailingLength(t *testing.T) {
	rec := encodeRecord(incidentRecords()[0])
	b := append(encodeHeader(0x30, 0x30, 2, 1, 0x1000, evtFlagWrap), rec[:len(rec)-2]...)
	evs, err := Read(bytes.NewReader(b), "cut.evt", nil)
	if len(evs) != 0 || !errors.Is(err, ErrTruncated) {
		t.Errorf("got %v, %v; want no event and ErrTruncated", evs, err)
	}
}

// A .evt whose header is overwritten is still read from its records (it
// was "not a known evidence format", and evtexport does not open it):
// every record of the intact file is there, all taken as live, and a
// warning says why. Only the record that wraps from the end of the file
// to the start is lost, since without the header nothing says it wraps.
func TestEVTDamagedHeader(t *testing.T) {
	path := filepath.Join("testdata", "evt", "SysEvent.Evt")
	intact := Load(path, nil)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clear(b[:evtHeaderSize])
	if got := Detect(b[:DetectBytes]); got != FormatEVT {
		t.Fatalf("detected as %q", got)
	}
	f := readAll(bytes.NewReader(b), "damaged.evt", nil, FormatUnknown)
	has := map[string]bool{}
	for _, e := range f.Events {
		has[recordContent(e)] = true
		if e.Recovered {
			t.Fatalf("%s: recovered without a header to tell live from slack", e.Origin)
		}
	}
	missing := 0
	for _, e := range intact.Events {
		if !has[recordContent(e)] {
			missing++
		}
	}
	if missing > 1 || len(f.Events) < len(intact.Events)-1 || !slices.ContainsFunc(f.Info.Warnings, func(w string) bool { return strings.Contains(w, "no .evt file header") }) {
		t.Errorf("%d events (intact %d), %d of the intact file's missing, warnings %q", len(f.Events), len(intact.Events), missing, f.Info.Warnings)
	}
}
