package evidence

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Fuzz invariants, shared by every reader: no panic; bounded output under
// bounded Options; every event has its envelope; JSON encoding works.

var fuzzOptions = Options{
	TZ:             time.UTC,
	MaxRecordBytes: 4 << 10,
	MaxStringBytes: 256,
	MaxDataBytes:   64,
	MaxEvents:      200,
	MaxFileBytes:   1 << 20,
	EVTX:           EVTXOptions{MaxChunkTokens: 100_000},
}

func fuzzRead(t *testing.T, f Format, data []byte) {
	if len(data) > 1<<20 {
		t.Skip()
	}
	for _, detect := range []bool{false, true} {
		var (
			evs []model.Event
			err error
		)
		if detect {
			evs, err = Read(bytes.NewReader(data), "fuzz", &fuzzOptions)
		} else {
			evs, err = ReadFormat(bytes.NewReader(data), f, "fuzz", &fuzzOptions)
		}
		_ = err
		if len(evs) > fuzzOptions.MaxEvents {
			t.Fatalf("%d events over MaxEvents", len(evs))
		}
		for _, e := range evs {
			if e.Type != "event" || e.Kind == "" || e.Origin == "" {
				t.Fatalf("bad envelope: %+v", e)
			}
			if len(e.Data) > fuzzOptions.MaxDataBytes || len(e.Message) > fuzzOptions.MaxStringBytes ||
				len(e.Source) > fuzzOptions.MaxStringBytes || len(e.MailFrom) > fuzzOptions.MaxStringBytes {
				t.Fatalf("caps not applied: %+v", e)
			}
			for _, s := range e.Strings {
				if len(s) > fuzzOptions.MaxStringBytes {
					t.Fatalf("string over cap: %d", len(s))
				}
			}
			if e.SpoolFile != "" && !spoolName.MatchString(e.SpoolFile) {
				t.Fatalf("spool file %q is not a spool name", e.SpoolFile)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func addFile(f *testing.F, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	if len(b) > 10 {
		f.Add(b[:len(b)/2])
	}
}

func FuzzEVT(f *testing.F) {
	recs := incidentRecords()
	full := linearEVT(recs...)
	f.Add(full)
	f.Add(full[:len(full)-70])
	f.Add(encodeRecord(recs[5]))
	f.Add(wrappedEVT(0x200, 0x100, recs[:3]))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatEVT, data) })
}

func FuzzCSV(f *testing.F) {
	addFile(f, "export-q293288.csv")
	f.Add([]byte("3/14/2001,10:32:11 AM,MSExchangeIMC,Error,x,4116,N/A,EXCH1,\"open quote\n"))
	addFile(f, "kb/Q253620-export.csv")
	addFile(f, "kb/Q318339-export.csv")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatCSV, data) })
}

func FuzzText(f *testing.F) {
	addFile(f, "export-q293288.txt")
	addFile(f, "event-properties.txt")
	addFile(f, "real/sbs2003-dcom-10009-event-properties.txt")
	addFile(f, "real/xp-mrxsmb-50-event-properties.txt")
	addFile(f, "kb/Q199042-event-properties.txt")
	addFile(f, "kb/Q190084-event-block.txt")
	addFile(f, "kb/Q293288-event-blocks.txt")
	addFile(f, "kb/Q183178-event-block.txt")
	addFile(f, "kb/Q169117-event-list.txt")
	addFile(f, "kb/Q181931-event-list.txt")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatText, data) })
}

func FuzzDumpel(f *testing.F) {
	addFile(f, "dumpel.txt")
	addFile(f, "kb/Q129266-dumpel.txt")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatDumpel, data) })
}

func FuzzDrWatson(f *testing.F) {
	addFile(f, "Drwtsn32.log")
	addFile(f, "kb/Q241482-Drwtsn32.log")
	addFile(f, "kb/Q198398-Drwtsn32.log")
	addFile(f, "real/backcord-nt4-drwtsn32-excerpt.log")
	// The real Windows 2000 log is over fuzzRead's 1 MiB: its first
	// block (and half of it, as addFile does) stands for it.
	if b, err := os.ReadFile(filepath.Join("testdata", "real", "openpos-drwtsn32.log")); err == nil {
		head := []byte("Application exception occurred")
		first := bytes.Index(b, head)
		if next := bytes.Index(b[first+len(head):], head); first >= 0 && next > 0 {
			end := first + len(head) + next
			f.Add(b[:end])
			f.Add(b[:end/2])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatDrWatson, data) })
}

func FuzzProtocolLog(f *testing.F) {
	addFile(f, "L0000001.log")
	addFile(f, "kb/Q228725-protocol.log")
	addFile(f, "kb/Q245787-protocol.log")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatProtocolLog, data) })
}

func FuzzTracking(f *testing.F) {
	addFile(f, "20010314.log")
	addFile(f, "kb/Q153188-tracking.log")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatTracking, data) })
}

func FuzzSMTPW3C(f *testing.F) {
	addFile(f, "smtp-w3c-exchange2000.log")
	addFile(f, "real/iis6-smtp-http-to-port25.log")
	addFile(f, "real/iis-smtp-outbound-lines-no-header.log")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatSMTPW3C, data) })
}

func FuzzSMTPNCSA(f *testing.F) {
	addFile(f, "smtp-ncsa-exchange2000.log")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, FormatSMTPNCSA, data) })
}
