package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests read exports in America/New_York on any OS

	"github.com/imsforensic/imsforensic/model"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.jsonl")

// serverZone is the zone of the Exchange server the samples came from.
func serverZone(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func eventsJSONL(t testing.TB, evs []model.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, e := range evs {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// TestGolden reads every hand-written sample in testdata and compares the
// events with testdata/golden/<file>.jsonl (go test -update rewrites).
func TestGolden(t *testing.T) {
	cases := []struct {
		file   string
		format Format
		count  int
	}{
		{"export-q293288.csv", FormatCSV, 7},
		{"export-q293288.txt", FormatText, 6},
		{"event-properties.txt", FormatText, 4},
		{"dumpel.txt", FormatDumpel, 4},
		{"Drwtsn32.log", FormatDrWatson, 2},
		{"L0000001.log", FormatProtocolLog, 3},
		{"20010314.log", FormatTracking, 3},
		{"smtp-w3c-exchange2000.log", FormatSMTPW3C, 10},
		{"smtp-ncsa-exchange2000.log", FormatSMTPNCSA, 6},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			// Slashes: the goldens' spelling, and a path Windows opens too.
			path := "testdata/" + c.file
			f, err := DetectFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if f != c.format {
				t.Fatalf("Detect = %q, want %q", f, c.format)
			}
			evs, err := ReadFile(path, &Options{TZ: serverZone(t)})
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if len(evs) != c.count {
				t.Errorf("got %d events, want %d", len(evs), c.count)
			}
			for i, e := range evs {
				if e.Type != "event" || e.Schema != model.SchemaVersion || e.Kind == "" || !strings.HasPrefix(e.Origin, path) {
					t.Errorf("event %d: bad envelope %+v", i, e)
				}
				if i > 0 && e.Time.Before(evs[i-1].Time) && !e.Time.IsZero() {
					t.Errorf("event %d out of time order", i)
				}
			}
			got := eventsJSONL(t, evs)
			golden := filepath.Join("testdata", "golden", c.file+".jsonl")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("events differ from %s:\n%s", golden, lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			b.WriteString("- " + a + "\n+ " + c + "\n")
		}
	}
	return b.String()
}

func findEvent(t *testing.T, evs []model.Event, source string, id uint32) model.Event {
	t.Helper()
	for _, e := range evs {
		if e.Source == source && e.EventID == id {
			return e
		}
	}
	t.Fatalf("no %s %d event in %d events", source, id, len(evs))
	return model.Event{}
}

func u32(v uint32) *uint32 { return &v }

func eqU32(a, b *uint32) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// TestDerivedFields checks the incident of Q293288 / Q246051 / Q272672 as
// the readers derive it, independent of the golden files.
func TestDerivedFields(t *testing.T) {
	tz := serverZone(t)
	props, err := ReadFile(filepath.Join("testdata", "event-properties.txt"), &Options{TZ: tz})
	if err != nil {
		t.Fatal(err)
	}
	csvEvents, err := ReadFile(filepath.Join("testdata", "export-q293288.csv"), &Options{TZ: tz})
	if err != nil {
		t.Fatal(err)
	}
	txtEvents, err := ReadFile(filepath.Join("testdata", "export-q293288.txt"), &Options{TZ: tz})
	if err != nil {
		t.Fatal(err)
	}
	dumpel, err := ReadFile(filepath.Join("testdata", "dumpel.txt"), &Options{TZ: tz})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		ev       model.Event
		hresult  *uint32
		location *uint32
		spool    string
		level    string
	}{
		{"4116 bytes view", findEvent(t, props, "MSExchangeIMC", 4116), u32(0x8007000e), u32(0x00050074), "", "error"},
		{"3039 words view", findEvent(t, props, "MSExchangeIMC", 3039), u32(0x80040115), u32(0x00140667), "", "error"},
		{"4117 names WXJXSG2D", findEvent(t, props, "MSExchangeIMC", 4117), u32(0x80004005), u32(0x0001037f), "WXJXSG2D", "error"},
		{"4131 data names TG45CLP6", findEvent(t, props, "MSExchangeIMC", 4131), u32(0x8007000e), u32(0x0002019a), "TG45CLP6", "information"},
		{"csv 4116 has no data", findEvent(t, csvEvents, "MSExchangeIMC", 4116), nil, nil, "", "error"},
		{"csv 3039 text error", findEvent(t, csvEvents, "MSExchangeIMC", 3039), u32(0x80040115), nil, "", "error"},
		{"csv 4182 spool file", findEvent(t, csvEvents, "MSExchangeIMC", 4182), nil, nil, "HBWK2Q2P", "error"},
		{"csv 2002 temporary file", findEvent(t, csvEvents, "MSExchangeIMC", 2002), nil, nil, "P4KQ7M2A", "information"},
		{"csv IS 12007 archive filename", findEvent(t, csvEvents, "MSExchangeIS Private", 12007), nil, nil, "VMS95LCZ", "error"},
		{"txt 4081 processing file", findEvent(t, txtEvents, "MSExchangeIMC", 4081), nil, nil, "K7TQ2ZXA", "warning"},
		{"dumpel 4182 insertion string", findEvent(t, dumpel, "MSExchangeIMC", 4182), nil, nil, "HBWK2Q2P", "error"},
		{"dumpel 3039 string is not an error text", findEvent(t, dumpel, "MSExchangeIMC", 3039), nil, nil, "", "error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := c.ev
			if !eqU32(e.HRESULT, c.hresult) {
				t.Errorf("HRESULT = %v, want %v", fmtU32(e.HRESULT), fmtU32(c.hresult))
			}
			if !eqU32(e.Location, c.location) {
				t.Errorf("Location = %v, want %v", fmtU32(e.Location), fmtU32(c.location))
			}
			if e.SpoolFile != c.spool {
				t.Errorf("SpoolFile = %q, want %q", e.SpoolFile, c.spool)
			}
			if e.Level != c.level {
				t.Errorf("Level = %q, want %q", e.Level, c.level)
			}
		})
	}
	// The tab export's 4102 description went on on the next line.
	e := findEvent(t, txtEvents, "MSExchangeIMC", 4102)
	if !strings.HasSuffix(string(e.Message), "\nFor more information, click http://www.microsoft.com/contentredirect.asp.") {
		t.Errorf("4102 description not continued: %q", e.Message)
	}
	// The CSV 4102 description holds quoted line breaks.
	e = findEvent(t, csvEvents, "MSExchangeIMC", 4102)
	if !strings.Contains(string(e.Message), "shut down.\r\n\r\nFor more") && !strings.Contains(string(e.Message), "shut down.\n\nFor more") {
		t.Errorf("CSV 4102 description lost its line breaks: %q", e.Message)
	}
}

func fmtU32(p *uint32) string {
	if p == nil {
		return "nil"
	}
	return "0x" + strings.ToLower(strings.TrimLeft(strings.ToUpper(hex32(*p)), "")) // keep leading zeros
}

func hex32(v uint32) string {
	const d = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = d[v&15]
		v >>= 4
	}
	return string(b)
}

func TestDrWatson(t *testing.T) {
	evs, err := ReadFile(filepath.Join("testdata", "Drwtsn32.log"), &Options{TZ: serverZone(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2", len(evs))
	}
	a, b := evs[0], evs[1]
	if a.FaultingFunction != "CmnBptMessage::cleanTNEF" {
		t.Errorf("first fault: function %q, want the last function: line before FAULT ->", a.FaultingFunction)
	}
	if b.FaultingFunction != "CmcvtrHdrParm::hrExtract" {
		t.Errorf("second fault: function %q, want the first stack frame", b.FaultingFunction)
	}
	if a.Application != `exe\STORE.dbg` || b.Application != `C:\exchsrvr\bin\store.exe` {
		t.Errorf("applications %q, %q", a.Application, b.Application)
	}
	if a.ExceptionCode != "c0000005" || a.Computer != "EXCH1" || a.Source != "DrWatson" || a.Kind != "drwatson" {
		t.Errorf("first fault: %+v", a)
	}
	want := time.Date(2001, 3, 14, 10, 32, 11, 421e6, serverZone(t))
	if !a.Time.Equal(want) {
		t.Errorf("time %v, want %v", a.Time, want)
	}
}

func TestProtocolLog(t *testing.T) {
	evs, err := ReadFile(filepath.Join("testdata", "L0000001.log"), &Options{TZ: serverZone(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3 (two messages on the inbound connection, one outbound)", len(evs))
	}
	in, bounce, out := evs[0], evs[1], evs[2]
	if in.Category != "inbound" || in.MailFrom != "jane@example.net" ||
		strings.Join(in.RcptTo, ",") != "john.smith@example.com,sales@example.com" ||
		in.Subject != "Quarterly report" || firstString(in.Strings) != "mail.example.net" {
		t.Errorf("inbound session: %+v", in)
	}
	if !in.Time.Equal(time.Date(2001, 3, 14, 10, 31, 55, 0, serverZone(t))) {
		t.Errorf("inbound session time %v", in.Time)
	}
	if bounce.MailFrom != "<>" || strings.Join(bounce.RcptTo, ",") != "postmaster@example.com" || bounce.Subject != "" {
		t.Errorf("second message: %+v", bounce)
	}
	if out.Category != "outbound" || out.MailFrom != "bob@example.com" || strings.Join(out.RcptTo, ",") != "alice@tool.com" ||
		out.Subject != "Price list" || firstString(out.Strings) != "10.1.1.1" {
		t.Errorf("outbound session: %+v", out)
	}
}

func TestTracking(t *testing.T) {
	// The zone must not matter: tracking logs are GMT.
	evs, err := ReadFile(filepath.Join("testdata", "20010314.log"), &Options{TZ: serverZone(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("got %d events", len(evs))
	}
	e := evs[0]
	if e.EventID != 1012 || e.MTSID != "c=US;a= ;p=Example;l=EXCH1-010314153156Z-42" || e.MailFrom != "jane@example.net" ||
		len(e.RcptTo) != 2 || e.RcptTo[1] != "/O=EXAMPLE/OU=HQ/CN=RECIPIENTS/CN=SALES" {
		t.Errorf("1012 entry: %+v", e)
	}
	if want := time.Date(2001, 3, 14, 15, 31, 56, 0, time.UTC); !e.Time.Equal(want) || e.Time.Location() != time.UTC {
		t.Errorf("time %v, want %v UTC", e.Time, want)
	}
	if evs[1].EventID != 1013 || evs[2].EventID != 1010 || len(evs[2].RcptTo) != 1 {
		t.Errorf("entries: %+v", evs[1:])
	}
}

func TestTimeZone(t *testing.T) {
	path := filepath.Join("testdata", "export-q293288.csv")
	ny, err := ReadFile(path, &Options{TZ: serverZone(t)})
	if err != nil {
		t.Fatal(err)
	}
	utc, err := ReadFile(path, &Options{TZ: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	a, b := findEvent(t, ny, "MSExchangeIMC", 4116), findEvent(t, utc, "MSExchangeIMC", 4116)
	// 3/14/2001 is standard time in New York: UTC-5.
	if d := a.Time.Sub(b.Time); d != 5*time.Hour {
		t.Errorf("New York minus UTC reading = %v, want 5h", d)
	}
	if h, m, s := a.Time.Clock(); h != 10 || m != 32 || s != 11 || a.Time.Location().String() != "America/New_York" {
		t.Errorf("wall clock %v", a.Time)
	}
	// After the 2001 change to daylight time (April 1) the offset is 4h.
	in := "4/2/2001,10:00:00 AM,MSExchangeIMC,Error,Internal Processing,4116,N/A,EXCH1,x\n"
	evs, err := Read(strings.NewReader(in), "dst.csv", &Options{TZ: serverZone(t)})
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	if got := evs[0].Time.UTC().Hour(); got != 14 {
		t.Errorf("DST reading: UTC hour %d, want 14", got)
	}
	// nil TZ is time.Local.
	evs, err = Read(strings.NewReader(in), "local.csv", nil)
	if err != nil || evs[0].Time.Location() != time.Local {
		t.Errorf("nil TZ: %v %v", evs, err)
	}
}

func TestUTF16Export(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "export-q293288.csv"))
	if err != nil {
		t.Fatal(err)
	}
	u16 := []byte{0xFF, 0xFE}
	for _, r := range string(raw) {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	if f := Detect(u16); f != FormatCSV {
		t.Fatalf("Detect(UTF-16 CSV) = %q", f)
	}
	a, errA := Read(bytes.NewReader(raw), "x.csv", &Options{TZ: time.UTC})
	b, errB := Read(bytes.NewReader(u16), "x.csv", &Options{TZ: time.UTC})
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !bytes.Equal(eventsJSONL(t, a), eventsJSONL(t, b)) {
		t.Errorf("UTF-16 export read differently:\n%s", lineDiff(string(eventsJSONL(t, a)), string(eventsJSONL(t, b))))
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Format
	}{
		{"empty", "", FormatUnknown},
		{"rfc822", "From: a@b\r\nTo: c@d\r\nSubject: 4/11/95\r\n\r\nbody\r\n", FormatUnknown},
		{"ims spool", "\x01ImCr\x00\x00<a@b>\x00EwLs\r\nFrom: a@b\r\n\r\nx\r\n", FormatUnknown},
		{"binary", "\x00\x01\x02\x03\x04\x05\x06\x07\x08", FormatUnknown},
		{"evt header", string(encodeHeader(0x30, 0x30, 1, 1, 0x10000, 0)), FormatEVT},
		{"carved record", string(encodeRecord(testRecord{Number: 1, Source: "x"})), FormatEVT},
		{"csv header only", "Date,Time,Source,Type,Category,Event,User,Computer,Description\r\n", FormatCSV},
		{"csv iso date", "2001-03-14,22:32:11,MSExchangeIMC,Error,None,4116,N/A,EXCH1,x\n", FormatCSV},
		{"dumpel spaces", "4/11/95 4:58:39 AM  1   0   1016    N/A DhcpServer  REDIPSRVP2  %%20013\n", FormatDumpel},
		{"protocol 24h", "14/3/01 22:31:55 : A connection was accepted from x.\n", FormatProtocolLog},
		{"drwatson w2k", "Microsoft (R) DrWtsn32\r\nCopyright (C) 1985-1999 Microsoft Corp.\r\n", FormatDrWatson},
		{"tracking 12h", "id\t1013\t3/14/2001 3:31:57 PM GMT\tIMS\tEXCH1\t\tjane@example.net\t0\t10\t0\t1\t\t1\n", FormatTracking},
	}
	for _, c := range cases {
		if got := Detect([]byte(c.in)); got != c.want {
			t.Errorf("%s: Detect = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestReadNotEvidence(t *testing.T) {
	evs, err := Read(strings.NewReader("From: a@b\r\n\r\nhello\r\n"), "msg.eml", nil)
	if len(evs) != 0 || !errors.Is(err, ErrNotEvidence) {
		t.Errorf("got %v, %v; want ErrNotEvidence", evs, err)
	}
}
