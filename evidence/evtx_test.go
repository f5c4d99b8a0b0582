package evidence

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

func readTestEVTX(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "evtx", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// walkBytes runs the reader over b and returns records, stats and error.
func walkBytes(t *testing.T, b []byte, o *Options) ([]*evtxRecord, evtxStats, error) {
	t.Helper()
	recs, st, p := walkProblems(t, b, o)
	return recs, st, p.err()
}

// walkProblems is walkBytes with the warnings and damaged count.
func walkProblems(t *testing.T, b []byte, o *Options) ([]*evtxRecord, evtxStats, *problems) {
	t.Helper()
	oo := o.withDefaults()
	p := &problems{name: "test.evtx"}
	var recs []*evtxRecord
	st := walkEVTX(bytes.NewReader(b), &oo, p, func(r *evtxRecord) bool {
		recs = append(recs, r)
		return true
	})
	return recs, st, p
}

// loadBytes reads b as Load does, with the file's accounting.
func loadBytes(t *testing.T, b []byte, name string) File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path, nil)
}

func evtxEventByOrigin(evs []model.Event, origin string) *model.Event {
	for i := range evs {
		if evs[i].Origin == origin {
			return &evs[i]
		}
	}
	return nil
}

// The Event fields are those a .evt record gives, through the same Read.
func TestEVTXEventFields(t *testing.T) {
	b := readTestEVTX(t, "application-3.2-no-crc32.evtx")
	if f := Detect(b[:DetectBytes]); f != FormatEVTX {
		t.Fatalf("Detect = %q, want evtx", f)
	}
	evs, err := Read(bytes.NewReader(b), "Application.evtx", nil)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(evs) != 17 {
		t.Fatalf("%d events, want 17", len(evs))
	}
	// Record 428: provider Microsoft-Windows-Winlogon with the classic
	// EventSourceName Wlclntfy, event 6000 (qualifiers 0x8000), one
	// string, 4 bytes of binary data.
	e := evtxEventByOrigin(evs, "Application.evtx#record=428")
	if e == nil {
		t.Fatal("no record 428")
	}
	want := model.Event{
		Type: "event", Schema: model.SchemaVersion, Kind: "eventlog", Origin: "Application.evtx#record=428",
		Time: time.Date(2021, 3, 31, 23, 52, 3, 284393400, time.UTC), Source: "Wlclntfy", EventID: 6000,
		Level: "information", Computer: "DESKTOP-0HIJB49", Strings: []model.Text{"WSearch"}, Data: model.Bytes{0xD9, 0x06, 0, 0},
	}
	if e.Record != 428 || e.Offset == 0 || e.Time != want.Time || e.Source != want.Source || e.EventID != want.EventID || e.Level != want.Level ||
		e.Computer != want.Computer || len(e.Strings) != 1 || e.Strings[0] != "WSearch" || !bytes.Equal(e.Data, want.Data) ||
		e.Kind != want.Kind || e.Type != want.Type || e.Schema != want.Schema {
		t.Errorf("record 428:\n got %+v\nwant %+v", *e, want)
	}
	// A string array in one Data element is one string per element.
	if e := evtxEventByOrigin(evs, "Application.evtx#record=427"); e == nil || len(e.Strings) != 2 || e.Strings[1] != "SECURITY_PRODUCT_STATE_ON" {
		t.Errorf("record 427: %+v", e)
	}
	// Events are in time order, as SortEvents leaves them.
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Fatalf("events out of order at %d", i)
		}
	}
}

func TestEVTXQualifiersLevelsAndValueTypes(t *testing.T) {
	recs, _, _ := walkBytes(t, readTestEVTX(t, "system-dirty.evtx"), nil)
	byID := map[uint64]*evtxRecord{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	// EventLog 6005: EventID 6005 with Qualifiers 32768 (the message ID
	// 0x80001775), 24 bytes of Binary data (a SYSTEMTIME).
	if r := byID[2]; r == nil || r.EventID != 6005 || r.Qualifiers != 0x8000 || r.Provider != "EventLog" || len(r.Data) != 24 {
		t.Errorf("record 2: %+v", r)
	}
	// Kernel-General 12: a FILETIME value rendered as Event Viewer does.
	if r := byID[3]; r == nil || len(r.Strings) != 7 || r.Strings[6].Text != "2017-07-12T17:16:05.4992599Z" || r.Strings[6].Type != vtFileTime {
		t.Errorf("record 3: %+v", r)
	}
	// UserData: attribute and leaf values in document order, typed.
	if r := byID[510]; r == nil || len(r.Strings) != 4 || r.Strings[0].Text != "false" ||
		r.Strings[1].Text != "{112DE495-AC4C-46F8-B663-6A4266C53313}" || r.Strings[3].Text != "2.21.0" {
		t.Errorf("record 510: %+v", r)
	}
	sec, _, _ := walkBytes(t, readTestEVTX(t, "security-new-user.evtx"), nil)
	if len(sec) == 0 || sec[0].Strings[1].Text != "S-1-5-21-3463664321-2923530833-3546627382-1000" || sec[0].Strings[8].Text != "0x3e7" {
		t.Errorf("security record 1: %+v", sec[0])
	}
	if got := evtxLevel(sec[0].Level, sec[0].Keywords); got != "audit-success" {
		t.Errorf("security level %d keywords %#x: %q, want audit-success", sec[0].Level, sec[0].Keywords, got)
	}
}

// A dirty file whose header lags behind its chunks is read to its last
// valid chunk.
func TestEVTXDirtyHeaderBehindItsChunks(t *testing.T) {
	b := readTestEVTX(t, "system-dirty.evtx")
	recs, st, err := walkBytes(t, b, nil)
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	if !st.Dirty || st.HeaderChunks != 3 || st.Chunks != 15 || len(recs) != 1881 || st.Damaged != 0 {
		t.Errorf("stats %+v, %d records; want dirty, header 3 chunks, 15 read, 1881 records", st, len(recs))
	}
	next := binary.LittleEndian.Uint64(b[24:])
	if recs[len(recs)-1].ID < next {
		t.Errorf("last record %d is not past the header's next record %d", recs[len(recs)-1].ID, next)
	}
}

// A record whose size lies (here the first of its chunk, which also
// defines the templates the others use) is damage; the sound records after
// it in the chunk are still read, not lost with it.
func TestEVTXResyncAfterTornRecord(t *testing.T) {
	b := readTestEVTX(t, "security-new-user.evtx")
	all, _, _ := walkBytes(t, b, nil)
	const rec = evtxFileHeaderSize + evtxChunkHeaderSize // the chunk's first record
	if len(all) != 4 || !bytes.Equal(b[rec:rec+4], evtxRecordSignature) {
		t.Fatalf("sample changed: %d records", len(all))
	}
	for _, lie := range []uint32{0xFFFFFFF0, 0, 7, 512} {
		bad := bytes.Clone(b)
		binary.LittleEndian.PutUint32(bad[rec+4:], lie)
		got, st, _ := walkBytes(t, bad, nil)
		if len(got) != 3 || st.Damaged != 1 {
			t.Errorf("size %#x: %d records, stats %+v; want the 3 after it, 1 damaged chunk", lie, len(got), st)
			continue
		}
		for i, r := range got {
			if r.ID != all[i+1].ID || r.Provider != all[i+1].Provider || len(r.Strings) != len(all[i+1].Strings) {
				t.Errorf("size %#x: record %d = %+v, want %+v", lie, i, r, all[i+1])
			}
		}
	}
	// Its signature gone instead: the same.
	bad := bytes.Clone(b)
	copy(bad[rec:], "xx")
	if got, _, _ := walkBytes(t, bad, nil); len(got) != 3 {
		t.Errorf("no signature: %d records, want 3", len(got))
	}
}

// A damaged chunk is counted damaged and the others are read. Damage in a
// log copied while in use is told (warnings, Damaged), not an error.
func TestEVTXDamagedChunks(t *testing.T) {
	b := readTestEVTX(t, "bad-chunk-magic.evtx")
	f := loadBytes(t, b, "x.evtx")
	// 348: the 267 records before the torn ones, the 31 sound records
	// (47675-47705) after chunk 7's torn one, found by resyncing, and the 50
	// records 45641-45690 left in chunk 7's slack space from its earlier
	// use, recovered (evtxexport -m recovered lists the same 50).
	if f.Err != nil || len(f.Events) != 348 || f.Info.Events != 348 || f.Info.Damaged != 5 || f.Info.Format != "evtx" ||
		f.Info.TimeZone != model.TimeUTC || len(f.Info.Warnings) == 0 {
		t.Fatalf("%d events, info %+v, err %v; want 348 events, 5 damaged (2 unreadable chunks, 3 torn records), warnings", len(f.Events), f.Info, f.Err)
	}
	var recovered []uint64
	for _, e := range f.Events {
		if e.Recovered {
			recovered = append(recovered, e.Record)
		}
	}
	slices.Sort(recovered)
	if want := recordSpan(45641, 45690); !slices.Equal(recovered, want) {
		t.Errorf("recovered records %v, want %v", recovered, want)
	}
	if !slices.ContainsFunc(f.Info.Warnings, func(w string) bool {
		return strings.Contains(w, "chunk 7 ") && strings.Contains(w, "slack space from chunk offset 40408") && strings.Contains(w, "50 records recovered")
	}) {
		t.Errorf("no warning names chunk 7's 50 recovered records: %q", f.Info.Warnings)
	}
	// Chunks 6 and 10 have lost their headers, and with them the templates
	// their surviving records need: found, counted, not read.
	if !slices.ContainsFunc(f.Info.Warnings, func(w string) bool {
		return strings.Contains(w, "chunk 10") && strings.Contains(w, "67 more found that do not parse")
	}) {
		t.Errorf("no warning names chunk 10's 67 unreadable records: %q", f.Info.Warnings)
	}
	_, st, _ := walkBytes(t, b, nil)
	if st.Damaged != 5 || st.Chunks != 6 || st.Recovered != 50 {
		t.Errorf("stats %+v; want 6 chunks in use, 5 damaged (6 and 10 without signature, 0, 7, 9 with torn records), 50 recovered", st)
	}

	// Break chunk 1's header CRC in a clean file: the chunk is damaged,
	// its records are still read (as evtxexport reads them; the oracle
	// test compares them on such a file), none of them damaged.
	clean := readTestEVTX(t, "system-dirty.evtx")
	all, _, _ := walkBytes(t, clean, nil)
	bad := bytes.Clone(clean)
	bad[evtxFileHeaderSize+evtxChunkSize+8]++ // first record number, under the header CRC
	recs, st, p := walkProblems(t, bad, nil)
	if p.damaged != 0 || st.Damaged != 1 || len(recs) != len(all) || !slices.ContainsFunc(p.warnings, func(w string) bool {
		return strings.Contains(w, "chunk 1 ") && strings.Contains(w, "header CRC32 mismatch")
	}) {
		t.Errorf("header CRC broken: %d records (want %d), stats %+v, damaged %d, warnings %q", len(recs), len(all), st, p.damaged, p.warnings)
	}
	// And with its free space offset out of the chunk as well: the records
	// are walked to the chunk's end, the same ones read.
	binary.LittleEndian.PutUint32(bad[evtxFileHeaderSize+evtxChunkSize+48:], 1<<20)
	if recs, st, _ = walkProblems(t, bad, nil); st.Damaged != 1 || len(recs) != len(all) {
		t.Errorf("free space offset broken: %d records (want %d), stats %+v", len(recs), len(all), st)
	}

	// Break a byte inside a record's BinXML: the records CRC fails, the
	// chunk is damaged, and its other records are still read.
	bad = bytes.Clone(clean)
	r := all[1]
	bad[r.Offset+evtxRecordHeader+4] = 0x77 // the template instance token
	recs, st, p = walkProblems(t, bad, nil)
	if p.damaged != 1 || st.Damaged != 1 || len(recs) != len(all)-1 {
		t.Errorf("record broken: %d records (want %d), stats %+v, damaged %d, warnings %q", len(recs), len(all)-1, st, p.damaged, p.warnings)
	}
}

// A file cut inside a chunk gives every record before the cut.
func TestEVTXTruncated(t *testing.T) {
	clean := readTestEVTX(t, "system-dirty.evtx")
	all, _, _ := walkBytes(t, clean, nil)
	cut := int64(evtxFileHeaderSize + 4*evtxChunkSize + 20000)
	want := 0
	for _, r := range all {
		if r.Offset+int64(binary.LittleEndian.Uint32(clean[r.Offset+4:])) <= cut {
			want++
		}
	}
	f := loadBytes(t, clean[:cut], "cut.evtx")
	if !errors.Is(f.Err, ErrTruncated) || len(f.Events) != want || f.Info.Damaged != 1 || f.Info.Error == "" {
		t.Errorf("%d events (want %d), info %+v, err %v", len(f.Events), want, f.Info, f.Err)
	}
	// Cut inside the file header: no events, an error.
	if evs, err := Read(bytes.NewReader(clean[:1000]), "cut.evtx", nil); len(evs) != 0 || !errors.Is(err, ErrTruncated) {
		t.Errorf("header cut: %d events, err %v", len(evs), err)
	}
}

// A file header CRC that fails is reported; the chunks are read anyway.
func TestEVTXFileHeaderCRC(t *testing.T) {
	b := bytes.Clone(readTestEVTX(t, "security-new-user.evtx"))
	b[24]++ // next record identifier
	recs, st, p := walkProblems(t, b, nil)
	// (Its slack space holds record-like fragments, told in a second
	// warning.)
	if st.HeaderOK || p.err() != nil || len(p.warnings) == 0 || !strings.HasPrefix(p.warnings[0], "file header CRC32 mismatch") || len(recs) != 4 {
		t.Errorf("stats %+v, %d records, err %v, warnings %q", st, len(recs), p.err(), p.warnings)
	}
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	if _, st, err := walkBytes(t, b, nil); !st.HeaderOK || err != nil {
		t.Errorf("fixed CRC: stats %+v, err %v", st, err)
	}
}

func TestEVTXLimits(t *testing.T) {
	b := readTestEVTX(t, "system-dirty.evtx")
	// MaxEvents stops the read with a limit error and the events so far.
	evs, err := Read(bytes.NewReader(b), "x.evtx", &Options{MaxEvents: 10})
	if len(evs) != 10 || !errors.Is(err, ErrLimitExceeded) {
		t.Errorf("MaxEvents: %d events, err %v", len(evs), err)
	}
	// A work budget too small for one chunk: every chunk is damaged by the
	// limit, and the error says which limit.
	_, st, err := walkBytes(t, b, &Options{EVTX: EVTXOptions{MaxChunkTokens: 500}})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "EVTX.MaxChunkTokens" || st.Damaged == 0 {
		t.Errorf("MaxChunkTokens: stats %+v, err %v", st, err)
	}
	// Depth 2 cannot hold Event/System/Provider.
	recs, _, err := walkBytes(t, b, &Options{EVTX: EVTXOptions{MaxDepth: 2}})
	if !errors.As(err, &le) || le.Limit != "EVTX.MaxDepth" || len(recs) != 0 {
		t.Errorf("MaxDepth: %d records, err %v", len(recs), err)
	}
	// String and data caps apply to evtx events as to .evt ones.
	evs, _ = Read(bytes.NewReader(b), "x.evtx", &Options{MaxStringBytes: 5, MaxDataBytes: 3})
	for _, e := range evs {
		for _, s := range e.Strings {
			if len(s) > 5 {
				t.Fatalf("string %q over MaxStringBytes", s)
			}
		}
		if len(e.Data) > 3 || len(e.Computer) > 5 || len(e.Source) > 5 {
			t.Fatalf("caps not applied: %+v", e)
		}
	}
}

// A forwarded-events log of Exchange's management cmdlets (Set-Mailbox
// adding a forwarding address) whose record BinXML has no dependency
// identifiers: neither evtxexport nor python-evtx reads it. The expected
// values are omerbenamram/evtx's published reading of its first record
// (tests/snapshots/test_record_samples__event_json_with_multiple_data_elements.snap
// at 6123f12bb9b95103a340d0601ddf54d5ca86518d).
func TestEVTXForwardedExchangeEvent(t *testing.T) {
	recs, st, err := walkBytes(t, readTestEVTX(t, "exchange-management-forwarded.evtx"), nil)
	if err != nil || len(recs) != 1 || st.Damaged != 0 {
		t.Fatalf("%d records, stats %+v, err %v", len(recs), st, err)
	}
	r := recs[0]
	created := time.Date(2021, 11, 19, 16, 52, 33, 833733500, time.UTC)
	if r.Provider != "MSExchange CmdletLogs" || r.EventID != 1 || r.Qualifiers != 16384 || r.Level != 4 || r.Task != 1 ||
		!r.Created.Equal(created) || r.Computer != "WEC.ave.local" || r.Keywords != 0x80000000000000 {
		t.Errorf("record: %+v", r)
	}
	want := []string{"Set-Mailbox",
		`-Identity "Administrateur" -DeliverToMailboxAndForward "False" -ForwardingSmtpAddress "smtp:test2@example.com"`,
		"ave.local/Users/Administrateur", "S-1-5-21-186559946-3925841745-111227986-500", "S-1-5-21-186559946-3925841745-111227986-500",
		"Remote-ManagementShell-Unknown", "5668 w3wp#MSExchangePowerShellAppPool", "", "5", "00:00:26.0389557",
		"Afficher la forêt entière : 'False', Portée par défaut : « ave.local », Configuration du contrôleur de domaine : « DC.ave.local », Catalogue global préféré : « DC.ave.local », Contrôleurs de domaine préférés : « { DC.ave.local } »",
		"", "", "", "", "", "", "False", "", "0 objects execution has been proxied to remote server.", "", "", "0",
		"ActivityId: a3591746-a27b-447a-b8be-ff54ae3a46f1", "ServicePlan:;IsAdmin:True;", "", "fr-FR"}
	if got := texts(r.Strings); len(got) != len(want) {
		t.Fatalf("%d strings, want %d: %q", len(got), len(want), got)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("string %d: %q, want %q", i+1, got[i], want[i])
			}
		}
	}
}

// A template instance names the definition it points at (the first 4
// bytes of its GUID) in every live record of every real file here, so the
// check recovered records must pass never turns away a sound record.
// In application-3.2-no-crc32.evtx the chunk was reused when the log
// wrapped: 20 older records (302-425) survive whole past its free space
// offset, but their templates were overwritten by the live records'. Read
// without the check they give events built from other templates; with it
// none is recovered.
func TestEVTXTemplateIDCheck(t *testing.T) {
	o := (&Options{}).withDefaults()
	for _, path := range evtxTestFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if tail := (len(b) - evtxFileHeaderSize) % evtxChunkSize; tail != 0 {
			b = append(b, make([]byte, evtxChunkSize-tail)...) // a cut file
		}
		recs, _, _ := walkBytes(t, b, nil)
		checked := 0
		for _, r := range recs {
			if r.Recovered {
				continue
			}
			start := evtxFileHeaderSize + (r.Offset-evtxFileHeaderSize)/evtxChunkSize*evtxChunkSize
			chunk := b[start : start+evtxChunkSize]
			pos := int(r.Offset - start)
			bp := newBXParser(chunk, &o)
			bp.checkTemplateID = true
			again, err := parseEVTXRecord(bp, chunk, pos, int(binary.LittleEndian.Uint32(chunk[pos+4:])))
			if err != nil || again.ID != r.ID || again.EventID != r.EventID || len(again.Strings) != len(r.Strings) {
				t.Errorf("%s: record %d: with the template check: %v (event %d, %d strings; want %d, %d)",
					filepath.Base(path), r.ID, err, again.EventID, len(again.Strings), r.EventID, len(r.Strings))
			}
			checked++
		}
		t.Logf("%s: %d live records pass the template check", filepath.Base(path), checked)
	}

	b := readTestEVTX(t, "application-3.2-no-crc32.evtx")
	chunk := b[evtxFileHeaderSize : evtxFileHeaderSize+evtxChunkSize]
	free := int(binary.LittleEndian.Uint32(chunk[48:]))
	var st evtxStats
	read, unread, limit := recoverEVTXRecords(newBXParser(chunk, &o), chunk, free, evtxFileHeaderSize, &st, func(*evtxRecord) bool { return true })
	if read != 0 || unread != 34 || st.Recovered != 0 || limit != nil {
		t.Errorf("slack of the reused chunk: %d recovered, %d unreadable; want 0 and 34 (20 on overwritten templates, 14 torn by the live records)", read, unread)
	}
	unchecked := 0
	bp := newBXParser(chunk, &o)
	for pos := nextEVTXRecord(chunk, free, len(chunk)); pos >= 0; pos = nextEVTXRecord(chunk, pos+1, len(chunk)) {
		if _, err := parseEVTXRecord(bp, chunk, pos, int(binary.LittleEndian.Uint32(chunk[pos+4:]))); err == nil {
			unchecked++
		}
	}
	if unchecked != 20 {
		t.Errorf("without the template check %d slack records parse, want the 20 that name overwritten templates", unchecked)
	}
	t.Logf("without the check %d of the 20 slack records would parse, on other records' templates", unchecked)
}

// A chunk that still holds, as slack space, the records another chunk
// holds live (a chunk reused in place keeps what it held past its free
// space offset): each is found and recovered, and each recovered copy is
// dropped in favour of the live record.
func TestEVTXRecoveredCopyOfALiveRecordDropped(t *testing.T) {
	clean := readTestEVTX(t, "system-dirty.evtx")
	live := loadBytes(t, clean, "x.evtx")
	// The first chunk again, appended with its free space offset at the
	// start of its records: every record in it is slack space.
	first := clean[evtxFileHeaderSize : evtxFileHeaderSize+evtxChunkSize]
	again := bytes.Clone(first)
	binary.LittleEndian.PutUint32(again[48:], evtxChunkHeaderSize)
	binary.LittleEndian.PutUint32(again[52:], crc32.ChecksumIEEE(nil))
	binary.LittleEndian.PutUint32(again[124:], crc32.Update(crc32.ChecksumIEEE(again[:120]), crc32.IEEETable, again[128:evtxChunkHeaderSize]))
	b := append(bytes.Clone(clean[:evtxFileHeaderSize+(len(clean)-evtxFileHeaderSize)/evtxChunkSize*evtxChunkSize]), again...)
	inFirst := 0
	for _, e := range live.Events {
		if e.Offset < evtxFileHeaderSize+evtxChunkSize {
			inFirst++
		}
	}
	recs, st, _ := walkBytes(t, b, nil)
	if st.Recovered != inFirst || st.Damaged != 0 || len(recs) != len(live.Events)+inFirst {
		t.Fatalf("stats %+v, %d records: want the %d records of the first chunk recovered from the copy", st, len(recs), inFirst)
	}
	f := loadBytes(t, b, "x.evtx")
	if len(f.Events) != len(live.Events) || slices.ContainsFunc(f.Events, func(e model.Event) bool { return e.Recovered }) {
		t.Errorf("%d events (want %d), recovered among them: the copies should be dropped for the live records", len(f.Events), len(live.Events))
	}
}

// The slack scan spends the chunk's one token budget: a chunk whose
// live records used it up recovers nothing more and says so.
func TestEVTXSlackScanSharesTheChunkBudget(t *testing.T) {
	b := readTestEVTX(t, "bad-chunk-magic.evtx")
	start := evtxFileHeaderSize + 7*evtxChunkSize // chunk 7: 50 records in its slack
	chunk := b[start : start+evtxChunkSize]
	free := int(binary.LittleEndian.Uint32(chunk[48:]))
	o := (&Options{}).withDefaults()
	var st evtxStats
	bp := newBXParser(chunk, &o)
	if read, _, limit := recoverEVTXRecords(bp, chunk, free, int64(start), &st, func(*evtxRecord) bool { return true }); read != 50 || limit != nil {
		t.Fatalf("a fresh budget: %d recovered, limit %v; want 50", read, limit)
	}
	bp = newBXParser(chunk, &o)
	bp.budget = 0 // what the live walk left
	read, _, limit := recoverEVTXRecords(bp, chunk, free, int64(start), &st, func(*evtxRecord) bool { return true })
	if read != 0 || !errors.Is(limit, ErrLimitExceeded) {
		t.Errorf("a spent budget: %d recovered, limit %v; want none and the limit", read, limit)
	}
}
