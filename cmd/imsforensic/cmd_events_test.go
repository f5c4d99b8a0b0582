package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/model"
)

// sysEvent is the real Windows XP System log of plaso's test data
// (evidence/testdata/MANIFEST.md).
var sysEvent = filepath.Join("..", "..", "evidence", "testdata", "evt", "SysEvent.Evt")

// jsonRecords splits JSON Lines into maps, by "type".
func jsonRecords(t *testing.T, out string) map[string][]map[string]any {
	t.Helper()
	recs := map[string][]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		typ, _ := m["type"].(string)
		recs[typ] = append(recs[typ], m)
	}
	return recs
}

// TestEventsJSONContract: the keys of the evidence and event records
// exist on every record, and a real XP log with one leftover fragment in
// its slack space is read whole: exit 0, damaged 1, a warning.
func TestEventsJSONContract(t *testing.T) {
	out, errOut, code := runCLI(t, "", "events", "--format", "json", sysEvent)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, errOut)
	}
	recs := jsonRecords(t, out)
	files := recs["evidence"]
	if len(files) != 1 {
		t.Fatalf("%d evidence records, want 1", len(files))
	}
	for _, k := range []string{"type", "schema", "path", "format", "events", "damaged", "time_zone", "first", "last"} {
		if _, ok := files[0][k]; !ok {
			t.Errorf("evidence record lacks %q: %v", k, files[0])
		}
	}
	f := files[0]
	if f["format"] != "evt" || f["events"] != float64(6320) || f["damaged"] != float64(1) || f["time_zone"] != "utc" {
		t.Errorf("evidence record = %v; want evt, 6320 events, 1 damaged, utc", f)
	}
	if !strings.Contains(errOut, "warning") || !strings.Contains(errOut, "slack space") {
		t.Errorf("no warning about the damaged record: %q", errOut)
	}
	events := recs["event"]
	if len(events) != 6320 {
		t.Fatalf("%d event records, want 6320", len(events))
	}
	keys := []string{"type", "schema", "path", "format", "record", "offset", "time", "time_zone", "source", "id", "event_type",
		"category", "computer", "user", "strings", "data", "spool_file", "faulting_function", "app"}
	for _, e := range events {
		for _, k := range keys {
			if _, ok := e[k]; !ok {
				t.Fatalf("event record lacks %q: %v", k, e)
			}
		}
	}
	prev := ""
	for _, e := range events {
		ts, _ := e["time"].(string)
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Fatalf("time %q: %v", ts, err)
		}
		if ts < prev {
			t.Fatalf("events not in time order: %s after %s", ts, prev)
		}
		prev = ts
	}
}

// writeExportOf writes an Event Viewer CSV export of the first n records
// of path with the ID want, as a server at UTC offset off would have
// written it (local wall clock, no zone), with computer and strings as the
// binary records hold them. It is derived at test time from the real log,
// never committed.
func writeExportOf(t *testing.T, path string, id uint32, n int, off time.Duration) (string, []model.Event) {
	t.Helper()
	evs, err := evidence.ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("server", int(off/time.Second))
	var b strings.Builder
	b.WriteString("Date,Time,Source,Type,Category,Event,User,Computer,Description\n")
	var picked []model.Event
	for _, e := range evs {
		if e.EventID != id || e.Recovered || len(picked) == n {
			continue
		}
		picked = append(picked, e)
		lt := e.Time.In(loc)
		desc := make([]string, len(e.Strings))
		for i, s := range e.Strings {
			desc[i] = strings.ReplaceAll(string(s), `"`, `""`)
		}
		fmt.Fprintf(&b, "%s,%s,%s,Warning,None,%d,N/A,%s,\"The event says: %s\"\n", lt.Format("1/2/2006"), lt.Format("3:04:05 PM"),
			e.Source, e.EventID, e.Computer, strings.Join(desc, " "))
	}
	out := filepath.Join(t.TempDir(), "SysEvent.csv")
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return out, picked
}

// TestEventsInferServerZone: an export written in UTC-5 beside its
// binary log: the offset is found, said, and applied; each exported
// record lands on the same instant as its binary copy.
func TestEventsInferServerZone(t *testing.T) {
	export, picked := writeExportOf(t, sysEvent, 7036, 5, -5*time.Hour)
	out, errOut, code := runCLI(t, "", "events", "--format", "json", "--source", "Service Control Manager", "--id", "7036", sysEvent, export)
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, errOut)
	}
	recs := jsonRecords(t, out)
	var note string
	for _, c := range recs["conclusion"] {
		note += c["text"].(string)
	}
	if !strings.Contains(note, "UTC-05:00 inferred") {
		t.Errorf("no inference note: %q", note)
	}
	if strings.Contains(errOut, "assumed") {
		t.Errorf("warned although the zone was inferred: %s", errOut)
	}
	at := map[string]int{}
	for _, e := range recs["event"] {
		if e["format"] == "eventlog-csv" {
			if e["time_zone"] != "inferred UTC-05:00" {
				t.Errorf("export event zone %v, want inferred UTC-05:00", e["time_zone"])
			}
			ts, _ := time.Parse(time.RFC3339, e["time"].(string))
			at[ts.UTC().Format(time.RFC3339)]++
		}
	}
	for _, p := range picked {
		if at[p.Time.UTC().Format(time.RFC3339)] == 0 {
			t.Errorf("record %d at %s: no export event at that instant (%v)", p.Record, p.Time, at)
		}
	}
}

// TestEventsUnknownFile: a file that is no evidence says so and lists the
// known formats; the run is partial (exit 4).
func TestEventsUnknownFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(p, []byte("just some notes\nnothing here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "", "events", p)
	if code != exitPartial {
		t.Errorf("exit %d, want %d", code, exitPartial)
	}
	if !strings.Contains(errOut, "not a known evidence format") || !strings.Contains(errOut, "dumpel") || !strings.Contains(errOut, "smtp-w3c") {
		t.Errorf("stderr does not name the known formats: %q", errOut)
	}
}

// TestEventsWarningNamesTheFileEscaped: a warning's file name is in the
// \xNN form, so a newline in a name cannot forge a second stderr line.
func TestEventsWarningNamesTheFileEscaped(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no newline in a Windows file name")
	}
	b, err := os.ReadFile(sysEvent)
	if err != nil {
		t.Fatal(err)
	}
	odd := filepath.Join(t.TempDir(), "Sys\nEvent.evt")
	if err := os.WriteFile(odd, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "", "events", "--format", "json", odd)
	if code != exitOK || !strings.Contains(errOut, `Sys\x0aEvent.evt: `) || strings.Contains(errOut, "Sys\n") {
		t.Errorf("exit %d, stderr %q; want the warning on Sys\\x0aEvent.evt", code, errOut)
	}
}
