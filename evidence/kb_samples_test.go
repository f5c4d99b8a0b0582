package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The forms admins paste from KB articles (evidence/testdata/kb, each a
// verbatim excerpt named in MANIFEST.md), read as a new user would hand
// them over: one file each, no options.

func loadKB(t *testing.T, name string, want Format) File {
	t.Helper()
	return loadKBIn(t, name, want, time.UTC)
}

// NT 4.0 Dr. Watson writes minutes and seconds without their leading zero
// ("When: 8/29/1997 @ 16:1:58.640"): the time is read, milliseconds kept.
func TestKBDrWatsonUnpaddedTime(t *testing.T) {
	for _, c := range []struct {
		file, app, function string
		when                time.Time
	}{
		{"Q241482-Drwtsn32.log", "store.dbg", "MDB_BASE::FreeLockid", time.Date(1997, 8, 29, 16, 1, 58, 640e6, time.UTC)},
		{"Q284919-Drwtsn32.log", `exe\dfsadmin.dbg`, "FindNextLine", time.Date(2000, 12, 29, 15, 7, 41, 106e6, time.UTC)},
	} {
		f := loadKB(t, c.file, FormatDrWatson)
		if len(f.Events) != 1 {
			t.Fatalf("%s: %d events, want 1", c.file, len(f.Events))
		}
		e := f.Events[0]
		if !e.Time.Equal(c.when) || e.Application != c.app || e.FaultingFunction != c.function || e.ExceptionCode != "c0000005" {
			t.Errorf("%s: time %s app %q function %q code %q; want %s %q %q c0000005", c.file, e.Time, e.Application, e.FaultingFunction, e.ExceptionCode, c.when, c.app, c.function)
		}
		if len(f.Info.Warnings) != 0 {
			t.Errorf("%s: warnings %q", c.file, f.Info.Warnings)
		}
	}
}

// Q129266's dumpel line, copied from the page: single spaces between user
// and source, "N/A" as the user. The source stays the source.
func TestKBDumpelLine(t *testing.T) {
	f := loadKB(t, "Q129266-dumpel.txt", FormatDumpel)
	if len(f.Events) != 1 {
		t.Fatalf("%d events, want 1", len(f.Events))
	}
	e := f.Events[0]
	if e.Source != "DhcpServer" || e.Computer != "REDIPSRVP2" || e.User != "" || e.EventID != 1016 || e.Level != "error" ||
		len(e.Strings) != 1 || e.Strings[0] != "%%20013" || !e.Time.Equal(time.Date(1995, 4, 11, 4, 58, 39, 0, time.UTC)) {
		t.Errorf("dumpel line read as %+v", e)
	}
}

// Event Viewer text as KB articles print it: "Event Type:Error" without a
// tab (Q199042), and the short block "Event ID: / Source: / Type: /
// Category: / Description:" (Q190084), descriptions over several lines.
func TestKBPastedEventText(t *testing.T) {
	f := loadKB(t, "Q199042-event-properties.txt", FormatText)
	if len(f.Events) != 2 {
		t.Fatalf("Q199042: %d events, want 2", len(f.Events))
	}
	e := f.Events[0]
	if e.Source != "MSExchangeCalCon" || e.EventID != 5005 || e.Level != "error" || e.Category != "Connection" || e.Computer != "EXCHANGE-GV" ||
		!e.Time.Equal(time.Date(2000, 12, 11, 13, 10, 14, 0, time.UTC)) || len(e.Message) < 200 {
		t.Errorf("Q199042 first block: %+v", e)
	}
	if f.Events[1].EventID != 5006 {
		t.Errorf("Q199042 second block: %+v", f.Events[1])
	}

	f = loadKB(t, "Q190084-event-block.txt", FormatText)
	if len(f.Events) != 2 {
		t.Fatalf("Q190084: %d events, want 2", len(f.Events))
	}
	byID := map[uint32]int{}
	for i, e := range f.Events {
		byID[e.EventID] = i
	}
	is, imc := f.Events[byID[12006]], f.Events[byID[4117]]
	if is.Source != "MSExchangeIS" || is.Level != "error" || is.Category != "content engine" || is.SpoolFile != "NQ1NQYQK" {
		t.Errorf("Q190084 12006: %+v", is)
	}
	if imc.Source != "MSEechangeIMC" || imc.SpoolFile != "NQ1NQYQK" {
		t.Errorf("Q190084 4117 (the KB's own spelling of the source): %+v", imc)
	}
	// Neither block has a date: each is told, none is invented.
	if !is.Time.IsZero() || len(f.Info.Warnings) != 2 {
		t.Errorf("Q190084: time %s, warnings %q; want no time and 2 warnings", is.Time, f.Info.Warnings)
	}
}

// Windows 2000 and XP Dr. Watson entries. No public Drwtsn32.log of
// either was found; these are written by hand from the message strings of
// drwtsn32.exe 5.0.2195.6699 as libyal/winevt-kb documents them
// ("When: %1!s! @ %2!s!", the time's parts printed as numbers), with the
// XP path form of "App:".
func TestDrWatson2000AndXP(t *testing.T) {
	for _, c := range []struct {
		name, text string
		when       time.Time
	}{
		{"win2000", "Microsoft (R) Windows 2000 (TM) Version 5.00 DrWtsn32\r\nCopyright (C) 1985-1999 Microsoft Corp. All rights reserved.\r\n\r\n\r\n\r\nApplication exception occurred:\r\n        App: store.exe (pid=1224)\r\n        When: 3/4/2003 @ 9:5:7.42\r\n        Exception number: c0000005 (access violation)\r\n\r\n*----> System Information <----*\r\n        Computer Name: EXCH2K\r\n",
			time.Date(2003, 3, 4, 9, 5, 7, 42e6, time.UTC)},
		{"xp", "Microsoft (R) DrWtsn32\r\nCopyright (C) 1985-2001 Microsoft Corp. All rights reserved.\r\n\r\n\r\n\r\nApplication exception occurred:\r\n        App: C:\\Program Files\\Exchsrvr\\bin\\store.exe (pid=3412)\r\n        When: 11/18/2005 @ 14:03:22.093\r\n        Exception number: c0000005 (access violation)\r\n",
			time.Date(2005, 11, 18, 14, 3, 22, 93e6, time.UTC)},
	} {
		evs, err := Read(strings.NewReader(c.text), c.name, &Options{TZ: time.UTC})
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %v", c.name, evs, err)
		}
		if e := evs[0]; !e.Time.Equal(c.when) || !strings.HasSuffix(e.Application, "store.exe") {
			t.Errorf("%s: time %s app %q, want %s store.exe", c.name, e.Time, e.Application, c.when)
		}
	}
}

// Dr. Watson blocks as other KB articles print them, read as a real log
// is: "Application:" for "App:" (Q163071), the head's fields run together
// on two lines (Q198398, two blocks, placeholders for the time), the
// milliseconds after a colon and "(pid-208)" (Q196573), and footnote
// marks after the pid and the time (Q254384). Each was read without its
// application, code or time before.
func TestKBDrWatsonCopiedForms(t *testing.T) {
	for _, c := range []struct {
		file      string
		blocks    int
		app, code string
		when      time.Time // zero: a placeholder, no time to read
		function  string
	}{
		{"Q163071-Drwtsn32.log", 1, `exe\snaservr.DBG`, "c0000005", time.Date(1997, 1, 23, 14, 56, 5, 593e6, time.UTC), ""},
		{"Q198398-Drwtsn32.log", 2, `exe\snalink.dbg`, "c0000005", time.Time{}, "DlcGetDlcApiBuffer"},
		{"Q196573-Drwtsn32.log", 1, "outlook.dbg", "c0000037", time.Date(1998, 5, 29, 9, 21, 18, 771e6, time.UTC), ""},
		{"Q254384-Drwtsn32.log", 1, `exe\perfmon.dbg`, "c0000005", time.Date(2002, 3, 19, 7, 50, 50, 809e6, time.UTC), ""},
	} {
		f := Load(filepath.Join("testdata", "kb", c.file), &Options{TZ: time.UTC})
		if f.Err != nil || Format(f.Info.Format) != FormatDrWatson {
			t.Fatalf("%s: %v, read as %q", c.file, f.Err, f.Info.Format)
		}
		if len(f.Events) != c.blocks {
			t.Fatalf("%s: %d events, want %d", c.file, len(f.Events), c.blocks)
		}
		e := f.Events[0]
		if e.Application != c.app || e.ExceptionCode != c.code || !e.Time.Equal(c.when) || e.FaultingFunction != c.function {
			t.Errorf("%s: app %q code %q time %s function %q; want %q %q %s %q", c.file, e.Application, e.ExceptionCode, e.Time, e.FaultingFunction, c.app, c.code, c.when, c.function)
		}
		if c.blocks == 2 && f.Events[1].FaultingFunction != "CopyMessageToDlcBuffers" {
			t.Errorf("%s: second block's function %q", c.file, f.Events[1].FaultingFunction)
		}
		warned := false
		for _, w := range f.Info.Warnings {
			warned = warned || strings.Contains(w, `readable "When:" time`)
		}
		if warned != c.when.IsZero() {
			t.Errorf("%s: warnings %q", c.file, f.Info.Warnings)
		}
	}
}

// TestDrWatsonSweep reads every file of testdata/kb, or of the folder
// IMSF_DRWATSON_SWEEP names (docs/robustness.md: the 189 Dr. Watson
// excerpts of the KB archive), and logs how many fault blocks it read and
// how many of them have an application, an exception code, a time and a
// faulting function. A file read as Dr. Watson must give at least one
// block and never an error; in testdata/kb every block has its
// application and code.
func TestDrWatsonSweep(t *testing.T) {
	dir := os.Getenv("IMSF_DRWATSON_SWEEP")
	committed := dir == ""
	if committed {
		dir = filepath.Join("testdata", "kb")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files, read, blocks, app, code, when, fn int
	for _, e := range ents {
		files++
		f := Load(filepath.Join(dir, e.Name()), &Options{TZ: time.UTC})
		if Format(f.Info.Format) != FormatDrWatson {
			continue
		}
		read++
		if f.Err != nil || len(f.Events) == 0 {
			t.Errorf("%s: %d blocks, error %v", e.Name(), len(f.Events), f.Err)
		}
		for _, ev := range f.Events {
			blocks++
			app += b2i(ev.Application != "")
			code += b2i(ev.ExceptionCode != "")
			when += b2i(!ev.Time.IsZero())
			fn += b2i(ev.FaultingFunction != "")
		}
	}
	if committed && (read < 6 || app != blocks || code != blocks) {
		t.Errorf("testdata/kb: %d Dr. Watson files, %d blocks, %d with an application, %d a code", read, blocks, app, code)
	}
	t.Logf("%d files, %d read as Dr. Watson: %d blocks, %d with an application, %d a code, %d a time, %d a faulting function", files, read, blocks, app, code, when, fn)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The Event ID line as KB articles write it: a source after the number
// (Q183178, Q176130) or a note in parentheses (Q224987). The number was
// lost before (event 0), and with it the IMS event a triage matches.
func TestKBEventIDLineVariants(t *testing.T) {
	for _, c := range []struct {
		file    string
		ids     []uint32
		sources []string
	}{
		{"Q183178-event-block.txt", []uint32{4071}, []string{"MSExchangeIMC"}},
		{"Q176130-event-block.txt", []uint32{2050}, []string{"MSExchangeMTA"}},
		{"Q224987-event-blocks.txt", []uint32{2025, 270, 290}, []string{"", "", ""}},
	} {
		f := loadKB(t, c.file, FormatText)
		if len(f.Events) != len(c.ids) {
			t.Fatalf("%s: %d events, want %d", c.file, len(f.Events), len(c.ids))
		}
		for i, e := range f.Events {
			if e.EventID != c.ids[i] || e.Source != c.sources[i] {
				t.Errorf("%s event %d: id %d source %q, want %d %q", c.file, i, e.EventID, e.Source, c.ids[i], c.sources[i])
			}
		}
	}
	if e := loadKB(t, "Q183178-event-block.txt", FormatText).Events[0]; e.Level != "error" || e.Category != "Initialization/Termination" {
		t.Errorf("Q183178: level %q category %q", e.Level, e.Category)
	}
}

// KB articles write a block's description right after its fields, with
// no "Description:" key (Q140975, Q293288's 4116 and 3039), and mistype
// a key without its colon ("Event ID 12007"). The description is read
// (its HRESULT, its spool file), and the 12007 block that names
// VMS95LCZ is its own event: before, it was lost inside the 3039 block
// and triage named HBWK2Q2P alone of the two files Q293288 names.
func TestKBEventBlocksWithoutDescriptionKey(t *testing.T) {
	f := loadKB(t, "Q293288-event-blocks.txt", FormatText)
	want := []struct {
		id            uint32
		source, spool string
	}{{4116, "MSExchangeIMC", ""}, {3039, "MSExchangeIMC", ""}, {12007, "MSExchangeIS", "VMS95LCZ"}, {4182, "MSExchangeIMC", "HBWK2Q2P"}, {4102, "MSExchangeIMC", ""}}
	if len(f.Events) != len(want) {
		t.Fatalf("%d events, want %d", len(f.Events), len(want))
	}
	for i, w := range want {
		e := f.Events[i]
		if e.EventID != w.id || e.Source != w.source || e.SpoolFile != w.spool || len(e.Message) < 40 {
			t.Errorf("event %d: %d %q spool %q message %q; want %d %q spool %q", i, e.EventID, e.Source, e.SpoolFile, e.Message, w.id, w.source, w.spool)
		}
	}
	if h := f.Events[1].HRESULT; h == nil || *h != 0x80040115 {
		t.Errorf("3039's HRESULT %v, want 0x80040115 from its description", h)
	}
	e := loadKB(t, "Q140975-event-block.txt", FormatText).Events[0]
	if e.EventID != 4037 || e.Source != "MSExchangeIMC" || e.Level != "error" || e.Category != "Internal Processing" ||
		!strings.HasPrefix(string(e.Message), "An exception has occurred which was handled internally") {
		t.Errorf("Q140975: %+v", e)
	}
}
