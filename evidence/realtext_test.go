package evidence

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// Real Drwtsn32.log files from public repositories (testdata/MANIFEST.md,
// "Real evidence files"). Each test was written against what a real file
// showed the reader losing or misreading.

// TestRealDrWatson2000OpenPOS reads a whole Windows 2000 Drwtsn32.log (three
// ntvdm.exe blocks of 2003, 2006 and 2008 from three workstations, CRLF
// with LF-only lines mixed in). The "User Name:" of each block's system
// information was dropped before.
func TestRealDrWatson2000OpenPOS(t *testing.T) {
	path := filepath.Join("testdata", "real", "openpos-drwtsn32.log")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := Load(path, &Options{TZ: time.UTC})
	if f.Err != nil || Format(f.Info.Format) != FormatDrWatson || f.Info.Damaged != 0 || len(f.Info.Warnings) != 0 {
		t.Fatalf("%v, format %q, damaged %d, warnings %q", f.Err, f.Info.Format, f.Info.Damaged, f.Info.Warnings)
	}
	// Counted on the bytes, independently of the reader: one event per
	// block head, one user per block.
	if n := bytes.Count(raw, []byte("Application exception occurred:")); len(f.Events) != n || n != 3 {
		t.Fatalf("%d events, %d block heads in the file", len(f.Events), n)
	}
	want := []struct {
		when     time.Time
		computer string
	}{
		{time.Date(2003, 5, 12, 12, 52, 58, 922e6, time.UTC), "WORKSTATION2"},
		{time.Date(2006, 8, 21, 21, 12, 57, 392e6, time.UTC), "WORKSTATION4"},
		{time.Date(2008, 5, 10, 17, 11, 59, 246e6, time.UTC), "WORKSTATION3"},
	}
	for i, e := range f.Events {
		if !e.Time.Equal(want[i].when) || e.Computer != want[i].computer || e.User != "EMPLOYEE" ||
			e.Application != "ntvdm.exe" || e.ExceptionCode != "40000005" || string(e.Message) != "vdm event" ||
			e.FaultingFunction != "RaiseException" {
			t.Errorf("block %d: time %s computer %q user %q app %q code %q message %q function %q",
				i+1, e.Time, e.Computer, e.User, e.Application, e.ExceptionCode, e.Message, e.FaultingFunction)
		}
	}
}

// TestRealDrWatsonNT4NoAppName reads the first block of a real NT 4.0
// Drwtsn32.log whose "App:" line names no program ("App:  (pid=66)"),
// without symbols ("function: <nosymbols>", "FAULT ->006705f4 0f10 ???").
// Before, the program stayed empty, and triage counts an unknown program
// as a possible store or IMS crash; the block's own task list names pid 66.
func TestRealDrWatsonNT4NoAppName(t *testing.T) {
	path := filepath.Join("testdata", "real", "backcord-nt4-drwtsn32-excerpt.log")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := Load(path, &Options{TZ: time.UTC})
	if f.Err != nil || Format(f.Info.Format) != FormatDrWatson || len(f.Events) != 1 {
		t.Fatalf("%v, format %q, %d events", f.Err, f.Info.Format, len(f.Events))
	}
	e := f.Events[0]
	if e.Application != "EveryDiscord.ex.exe" || e.ExceptionCode != "c000001d" || string(e.Message) != "illegal instruction" ||
		e.FaultingFunction != "" || e.User != "Administrator" || e.Computer != "SNOW32NT4" ||
		!e.Time.Equal(time.Date(2025, 12, 17, 1, 15, 11, 812e6, time.UTC)) {
		t.Errorf("app %q code %q message %q function %q user %q computer %q time %s",
			e.Application, e.ExceptionCode, e.Message, e.FaultingFunction, e.User, e.Computer, e.Time)
	}
	if len(f.Info.Warnings) != 1 || !strings.Contains(f.Info.Warnings[0], `only pid 66; read "EveryDiscord.ex.exe" from the block's task list`) {
		t.Errorf("warnings %q: want one naming the task list", f.Info.Warnings)
	}

	// The same block with pid 66 gone from its task list, then listed
	// twice under two names: the program is unknown, and said so.
	for _, c := range []struct{ name, from, to, warn string }{
		{"not listed", "  66 EveryDiscord.ex.exe\n", "", "pid 66 is not in the block's task list"},
		{"listed twice", "  66 EveryDiscord.ex.exe\n", "  66 EveryDiscord.ex.exe\n  66 OTHER.exe\n", "more than one name (EveryDiscord.ex.exe, OTHER.exe)"},
	} {
		p := filepath.Join(t.TempDir(), "Drwtsn32.log")
		if err := os.WriteFile(p, []byte(strings.Replace(string(raw), c.from, c.to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		g := Load(p, &Options{TZ: time.UTC})
		if g.Err != nil || len(g.Events) != 1 || g.Events[0].Application != "" {
			t.Fatalf("%s: %v, %d events %+v", c.name, g.Err, len(g.Events), g.Events)
		}
		if w := g.Info.Warnings; len(w) != 1 || !strings.Contains(w[0], c.warn) {
			t.Errorf("%s: warnings %q, want %q", c.name, w, c.warn)
		}
	}
}

// TestRealIISSMTPLogWithHTTPRequests reads a real IIS 6.0 SMTP service log
// (Windows Server 2003) of a web page's HTTP request sent to port 25: the
// service logged "get - +/MAIL%0D%0A+HTTP/1.0" and "accept:" with 500,
// then the QUIT the request smuggled in. It was refused as "an IIS web
// (HTTP) log" because its first command is GET; cs-version "SMTP" and
// s-sitename SMTPSVC1 say whose log it is. The server's name
// (s-computername) is read too; it was dropped before.
func TestRealIISSMTPLogWithHTTPRequests(t *testing.T) {
	f := Load(filepath.Join("testdata", "real", "iis6-smtp-http-to-port25.log"), &Options{})
	if f.Err != nil || Format(f.Info.Format) != FormatSMTPW3C || f.Info.Damaged != 0 || len(f.Events) != 1 {
		t.Fatalf("%v, format %q, damaged %d, %d events, warnings %q", f.Err, f.Info.Format, f.Info.Damaged, len(f.Events), f.Info.Warnings)
	}
	e := f.Events[0]
	if e.Status != "500" || string(e.Message) != "500 after GET /MAIL%0D%0A HTTP/1.0" || e.Remote != "192.168.1.1" ||
		e.Computer != "SERVERUPLINK1" || e.Category != "inbound" || !e.Time.Equal(time.Date(2008, 3, 27, 0, 21, 49, 0, time.UTC)) {
		t.Errorf("status %q message %q remote %q computer %q category %q time %s", e.Status, e.Message, e.Remote, e.Computer, e.Category, e.Time)
	}
}

// TestRealIISSMTPLinesWithoutHeader: two real lines of an IIS SMTP
// service log as a page quotes them, without the "#Fields:" header (an
// outbound MAIL FROM and the remote's 421). Their columns cannot be told
// without it: refused, saying so (before: "not a known evidence format"
// with no reason). With the header of the service's default field set
// put back, as the refusal says, they read as one outbound session.
func TestRealIISSMTPLinesWithoutHeader(t *testing.T) {
	path := filepath.Join("testdata", "real", "iis-smtp-outbound-lines-no-header.log")
	f := Load(path, &Options{})
	if f.Err == nil || !strings.Contains(f.Err.Error(), `without the "#Fields:" header`) || len(f.Events) != 0 {
		t.Fatalf("err %v, %d events: want a refusal naming the missing header", f.Err, len(f.Events))
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head := "#Software: Microsoft Internet Information Services 8.0\n#Version: 1.0\n" +
		"#Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host cs(User-Agent) cs(Cookie) cs(Referer)\n"
	p := filepath.Join(t.TempDir(), "ex170209.log")
	if err := os.WriteFile(p, append([]byte(head), raw...), 0o644); err != nil {
		t.Fatal(err)
	}
	g := Load(p, &Options{})
	if g.Err != nil || g.Info.Damaged != 0 || len(g.Events) != 1 {
		t.Fatalf("with the header: %v, damaged %d, %d events", g.Err, g.Info.Damaged, len(g.Events))
	}
	e := g.Events[0]
	if e.Category != "outbound" || e.MailFrom != "MillionairesBlueprint@earthlink.com" || e.Status != "421" || e.Computer != "VSERVER14541" || e.Remote != "66.196.118.34" {
		t.Errorf("category %q from %q status %q computer %q remote %q", e.Category, e.MailFrom, e.Status, e.Computer, e.Remote)
	}
}

// TestRealEventPropertiesIndented reads a real Windows 2003 SBS event
// (DCOM 10009) copied from Event Properties into a blog post with a tab
// before every line. The fields were read; the description kept the tab
// before each of its lines, which is the post's, not the event's.
func TestRealEventPropertiesIndented(t *testing.T) {
	f := Load(filepath.Join("testdata", "real", "sbs2003-dcom-10009-event-properties.txt"), &Options{TZ: time.UTC})
	if f.Err != nil || Format(f.Info.Format) != FormatText || f.Info.Damaged != 0 || len(f.Events) != 1 {
		t.Fatalf("%v, format %q, damaged %d, %d events", f.Err, f.Info.Format, f.Info.Damaged, len(f.Events))
	}
	e := f.Events[0]
	want := "DCOM was unable to communicate with the computer sbs.ip.add.ress using any of the configured protocols.\n\n" +
		"For more information, see Help and Support Center at http://go.microsoft.com/fwlink/events.asp."
	if e.Source != "DCOM" || e.EventID != 10009 || e.Level != "error" || e.Computer != "SERVER" || e.User != "" || e.Category != "" ||
		!e.Time.Equal(time.Date(2013, 11, 28, 18, 5, 14, 0, time.UTC)) || string(e.Message) != want {
		t.Errorf("source %q id %d level %q computer %q user %q category %q time %s\nmessage %q", e.Source, e.EventID, e.Level, e.Computer, e.User, e.Category, e.Time, e.Message)
	}
}

// TestRealDrWatsonTruncated cuts the real Windows 2000 log at 20 places
// (a copy interrupted, a disk full): nothing panics, and every block that
// ended before the cut reads as it does in the whole file. The block the
// cut falls in gives what it has, never more blocks than there are.
func TestRealDrWatsonTruncated(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "real", "openpos-drwtsn32.log"))
	if err != nil {
		t.Fatal(err)
	}
	o := &Options{TZ: time.UTC}
	full, err := ReadFormat(bytes.NewReader(raw), FormatDrWatson, "full", o)
	if err != nil || len(full) != 3 {
		t.Fatalf("%d events, %v", len(full), err)
	}
	const cuts = 20
	for i := 1; i <= cuts; i++ {
		cut := int64(len(raw)) * int64(i) / cuts
		evs, _ := ReadFormat(bytes.NewReader(raw[:cut]), FormatDrWatson, "cut", o)
		if len(evs) > len(full) {
			t.Fatalf("cut at %d: %d events from a file of %d", cut, len(evs), len(full))
		}
		for j, e := range evs {
			ended := j+1 < len(full) && full[j+1].Offset < cut || cut == int64(len(raw))
			if !ended {
				continue
			}
			w := full[j]
			if e.Application != w.Application || !e.Time.Equal(w.Time) || e.User != w.User || e.Computer != w.Computer ||
				e.ExceptionCode != w.ExceptionCode || e.FaultingFunction != w.FaultingFunction || e.Message != w.Message {
				t.Errorf("cut at %d: block %d read as %+v, want %+v", cut, j+1, e, w)
			}
		}
	}
}

// TestRealIISSMTPLogWithoutTimes reads a real IIS 7.0 SMTP service log
// whose admin logged no date and no time (#Fields: c-ip cs-username
// s-sitename ...): an inbound message from the web site, then two
// outbound tries, the first refused with 504 after RCPT. It was refused
// as no known format; its lines are read now with their times unknown
// (never the #Date directive's), and a warning says so. The 504 names
// the command it came after.
func TestRealIISSMTPLogWithoutTimes(t *testing.T) {
	f := Load(filepath.Join("testdata", "real", "iis7-smtp-no-time-fields.log"), &Options{})
	if f.Err != nil || Format(f.Info.Format) != FormatSMTPW3C || f.Info.Damaged != 0 || len(f.Events) != 3 {
		t.Fatalf("%v, format %q, damaged %d, %d events", f.Err, f.Info.Format, f.Info.Damaged, len(f.Events))
	}
	if w := f.Info.Warnings; len(w) != 1 || !strings.Contains(w[0], "the #Fields name no time") {
		t.Errorf("warnings %q", w)
	}
	for _, e := range f.Events {
		if !e.Time.IsZero() || e.Computer != "MYHOST-MYSERVER" {
			t.Errorf("line %d: time %s computer %q: want no time, MYHOST-MYSERVER", e.Line, e.Time, e.Computer)
		}
	}
	in, refused, sent := f.Events[0], f.Events[1], f.Events[2]
	if in.Category != "inbound" || in.MailFrom != "enquiries@company.com" || len(in.RcptTo) != 1 || in.RcptTo[0] != "martin@hinshelwood.com" || in.Status != "" {
		t.Errorf("inbound: %q from %q to %q status %q", in.Category, in.MailFrom, in.RcptTo, in.Status)
	}
	wantMsg := "504 5.5.2 <MYHOST-MYSERVER>: Helo command rejected: need fully-qualified hostname after RCPT TO:<martin@hinshelwood.com>"
	if refused.Category != "outbound" || refused.Remote != "216.146.33.4" || refused.Status != "504" || string(refused.Message) != wantMsg {
		t.Errorf("refused: %q remote %q status %q message %q", refused.Category, refused.Remote, refused.Status, refused.Message)
	}
	if sent.Category != "outbound" || sent.Remote != "216.146.33.3" || sent.Status != "" || sent.MailFrom != "enquiries@company.com" {
		t.Errorf("second try: %q remote %q status %q from %q", sent.Category, sent.Remote, sent.Status, sent.MailFrom)
	}
}

// TestDrWatsonWordsInOtherTextRefused: the index's hits for "Application
// exception occurred:" are mostly program source (a logger's format
// string) and for "DrWtsn32" prose; such a file was read as a Dr. Watson
// log, the source with one fault of an unknown program, which triage
// keeps as a possible store or IMS crash. Only a line that starts with
// the block's head, or Dr. Watson's banner, makes a log now. The lines
// here are written by hand after those files (their code is not ours to
// copy).
func TestDrWatsonWordsInOtherTextRefused(t *testing.T) {
	for name, text := range map[string]string{
		"Handler.cs": "class Handler {\n    void Log(Exception ex) {\n        logger.LogWarning(\"Application exception occurred: {Message}\", ex.Message);\n    }\n}\n",
		"notes.txt":  "Dr. Watson\n\nRun DrWtsn32 -i to make it the default debugger.\n",
	} {
		if f := Detect([]byte(text)); f != FormatUnknown {
			t.Errorf("%s: detected as %q", name, f)
		}
		evs, err := ReadFormat(strings.NewReader(text), FormatDrWatson, name, &Options{TZ: time.UTC})
		if err != nil || len(evs) != 0 {
			t.Errorf("%s read as Dr. Watson on the user's word: %d events %+v, %v", name, len(evs), evs, err)
		}
	}
	// The banner alone (a log Dr. Watson began and wrote no fault to)
	// is still one.
	if f := Detect([]byte("\r\nMicrosoft (R) Windows 2000 (TM) Version 5.00 DrWtsn32\r\nCopyright (C) 1985-1999 Microsoft Corp. All rights reserved.\r\n")); f != FormatDrWatson {
		t.Errorf("the banner alone: detected as %q", f)
	}
}

// TestDateOrderLeftOpenIsSaid: a real Windows XP event, copied into a
// forum post dated 2010-04-07, reads "Date: 07/04/2010" (Event Properties
// writes the server's short date; the post is British). Each date is read
// by itself, month first unless its first number is over 12, so this one
// reads July 4, and nothing said so. The reader still reads it so (it
// does not guess from the other lines, TestExportDateOrderInContext) but
// a warning now names the date whose order the file leaves open, and
// notes the leading zero that US Windows never writes. A file whose lines
// disagree, or that writes one day-first date among dates that could be
// either, says that too; a file whose every date has one reading, none.
// (The block is the post's event with its description cut to the first
// sentence and its data lines left out; the other dates are made up.)
func TestDateOrderLeftOpenIsSaid(t *testing.T) {
	block := func(date string) string {
		return "Event Type:\tWarning\nEvent Source:\tMRxSmb\nEvent Category:\tNone\nEvent ID:\t50\nDate:\t\t" + date +
			"\nTime:\t\t10:36:30 AM\nUser:\t\tN/A\nComputer:\tSIMONXP\nDescription:\n{Delayed Write Failed} Windows was unable to save all the data for the file \\Device\\LanmanRedirector.\n\n"
	}
	for _, c := range []struct {
		name, text, warn string
		month            time.Month
	}{
		{"the post's", block("07/04/2010"), `line 1 dates its event "07/04/2010", day and month both 12 or less, and no date in the file says which comes first: read month first, as US Windows writes them; it is written with a leading zero`, time.July},
		{"a day-first date among them", block("13/04/2010") + block("07/04/2010"), `line 1 writes "13/04/2010", which only day first can read, yet 1 date that could be either (the first: line 12, "07/04/2010") is read month first`, time.July},
		{"lines that disagree", block("13/04/2010") + block("4/14/2010") + block("07/04/2010"), `the file's dates disagree on their order`, time.July},
		{"one reading each", block("4/13/2010") + block("4/4/2010"), "", time.April},
	} {
		p := filepath.Join(t.TempDir(), "MRxSmb.txt")
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		f := Load(p, &Options{TZ: time.UTC})
		if f.Err != nil || len(f.Events) == 0 {
			t.Fatalf("%s: %v, %d events", c.name, f.Err, len(f.Events))
		}
		last := f.Events[len(f.Events)-1]
		if last.Time.Month() != c.month {
			t.Errorf("%s: the last event's date %s, want month %s", c.name, last.Time, c.month)
		}
		w := f.Info.Warnings
		switch {
		case c.warn == "" && len(w) != 0:
			t.Errorf("%s: warnings %q, want none", c.name, w)
		case c.warn != "" && (len(w) != 1 || !strings.Contains(w[0], c.warn)):
			t.Errorf("%s: warnings %q, want one with %q", c.name, w, c.warn)
		}
	}
}

// TestRealEventPropertiesDataTwice reads a real Windows XP event (MRxSmb
// 50, "Delayed Write Failed") copied from Event Properties twice into a
// forum post, once in its Bytes view and once in its Words view, each
// after a "Data:" key. Both were read into the event's data: 84 bytes for
// the 44 the event holds. Only the first is read now, and a warning says
// the data was given twice.
func TestRealEventPropertiesDataTwice(t *testing.T) {
	f := Load(filepath.Join("testdata", "real", "xp-mrxsmb-50-event-properties.txt"), &Options{TZ: time.UTC})
	if f.Err != nil || len(f.Events) != 1 || f.Info.Damaged != 0 {
		t.Fatalf("%v, %d events, damaged %d", f.Err, len(f.Events), f.Info.Damaged)
	}
	e := f.Events[0]
	want := "04000400020056000000000032000480000000000c0200c0000000000000000000000000000000000c0200c0"
	if got := hex.EncodeToString(e.Data); got != want || e.Source != "MRxSmb" || e.EventID != 50 || e.Level != "warning" || e.Computer != "SIMONXP" {
		t.Errorf("data %s (%d bytes), want the Bytes view's 44; source %q id %d level %q computer %q", got, len(e.Data), e.Source, e.EventID, e.Level, e.Computer)
	}
	said := false
	for _, w := range f.Info.Warnings {
		said = said || strings.Contains(w, "line 22: the event's data is given 2 times")
	}
	if !said {
		t.Errorf("warnings %q: want the data given twice", f.Info.Warnings)
	}
}

// TestRealFilesAsUTF16 reads every real text file here again as Notepad's
// "Unicode" (UTF-16LE with its BOM) writes it, which is how an admin who
// re-saves a log or pastes an event often sends it: the same events,
// field for field (their byte offsets aside), and the same warnings.
func TestRealFilesAsUTF16(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "real", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("%v, %d files", err, len(paths))
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		u16 := []byte{0xff, 0xfe}
		for _, r := range utf16.Encode([]rune(string(raw))) {
			u16 = append(u16, byte(r), byte(r>>8))
		}
		copyPath := filepath.Join(t.TempDir(), filepath.Base(path))
		if err := os.WriteFile(copyPath, u16, 0o644); err != nil {
			t.Fatal(err)
		}
		o := &Options{TZ: time.UTC}
		a, b := Load(path, o), Load(copyPath, o)
		if (a.Err == nil) != (b.Err == nil) || len(a.Events) != len(b.Events) || strings.Join(a.Info.Warnings, "|") != strings.Join(b.Info.Warnings, "|") {
			t.Errorf("%s: %d events, err %v, warnings %q; as UTF-16: %d, %v, %q", path, len(a.Events), a.Err, a.Info.Warnings, len(b.Events), b.Err, b.Info.Warnings)
			continue
		}
		for i := range a.Events {
			x, y := a.Events[i], b.Events[i]
			x.Offset, y.Offset, x.Origin, y.Origin, x.Path, y.Path = 0, 0, "", "", "", ""
			if !reflect.DeepEqual(x, y) {
				t.Errorf("%s event %d:\n%+v\nas UTF-16:\n%+v", path, i, x, y)
			}
		}
	}
}
