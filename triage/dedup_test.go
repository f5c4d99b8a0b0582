package triage

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/model"
)

func record4117(num uint64, spool string, t time.Time) model.Event {
	e := imc(4117, t, "AppEvent.evt#record="+spool)
	e.Path, e.Format, e.Record, e.TimeZone = "AppEvent.evt", "evt", num, model.TimeUTC
	e.Computer = "EXCH1"
	e.Strings = []model.Text{model.Text(spool)}
	e.SpoolFile = spool
	return e
}

// Two 4117s in the same second naming two different spool files are two
// events, and both files are prime suspects; a copy of the same log read
// twice still counts each record once.
func TestTwo4117sInOneSecond(t *testing.T) {
	a, b := record4117(57, "HBWK2Q2P", crashT), record4117(58, "WXJXSG2D", crashT)
	copyA, copyB := a, b
	copyA.Path, copyB.Path = "copy/AppEvent.evt", "copy/AppEvent.evt"
	copyA.Origin, copyB.Origin = "copy/AppEvent.evt#record=57", "copy/AppEvent.evt#record=58"
	msgs := []*model.Message{msg("IN", "HBWK2Q2P", crashT.Add(-time.Minute)), msg("IN", "WXJXSG2D", crashT.Add(-time.Minute)), msg("IN", "CLEAN001", crashT.Add(-time.Hour))}
	r := Rank(msgs, []model.Event{a, b, copyA, copyB}, Options{})
	if r.Incident.Events != 2 || r.Incident.Duplicates != 2 {
		t.Errorf("events %d, duplicates %d; want 2 distinct records and 2 copies", r.Incident.Events, r.Incident.Duplicates)
	}
	for _, name := range []string{"HBWK2Q2P", "WXJXSG2D"} {
		if s := find(t, r, name); s.Verdict != model.VerdictPrime {
			t.Errorf("%s: verdict %s, want prime suspect (%v)", name, s.Verdict, s.Reasons)
		}
	}
}

// The real XP System log: every record of it is a distinct event, however
// many share source, ID and second (the old key made 6,320 records into
// 5,562 "distinct events").
func TestRealLogKeepsEveryRecord(t *testing.T) {
	f := evidence.Load(filepath.Join("..", "evidence", "testdata", "evt", "SysEvent.Evt"), nil)
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	r := Rank(nil, f.Events, Options{})
	if r.Incident.Events != len(f.Events) || r.Incident.Duplicates != 0 {
		t.Errorf("%d records gave %d distinct events and %d duplicates; want every record once", len(f.Events), r.Incident.Events, r.Incident.Duplicates)
	}
}

// An export in UTC-5 beside its binary log: the offset is inferred and
// each record is one event; given the wrong zone, the record is still one
// event and a conclusion says the clocks disagree.
func TestExportBesideItsBinaryLog(t *testing.T) {
	bin := record4117(57, "HBWK2Q2P", crashT)
	loc := time.FixedZone("server", -5*3600)
	wall := crashT.In(loc)
	export := model.Event{Type: "event", Schema: 1, Kind: "eventlog", Path: "AppEvent.csv", Format: "eventlog-csv", Origin: "AppEvent.csv:2",
		Source: "MSExchangeIMC", EventID: 4117, Level: "error", Computer: "EXCH1", TimeZone: model.TimeAssumed,
		Time:    time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC),
		Message: "An error was returned ... As a result, the message in spool file HBWK2Q2P failed to be delivered.", SpoolFile: "HBWK2Q2P"}
	files := []model.EvidenceFile{{Path: "AppEvent.evt", TimeZone: model.TimeUTC}, {Path: "AppEvent.csv", TimeZone: model.TimeAssumed}}

	events := []model.Event{bin, export}
	clock := AlignClock(files, events)
	if !clock.Inferred || clock.Offset != -5*time.Hour || clock.Pairs != 1 || !strings.Contains(clock.Note, "UTC-05:00") {
		t.Fatalf("clock = %+v; want UTC-05:00 inferred from 1 pair", clock)
	}
	if !events[1].Time.Equal(crashT) || events[1].TimeZone != "inferred UTC-05:00" || files[1].TimeZone != "inferred UTC-05:00" {
		t.Errorf("export event after alignment: %s %s (file %s)", events[1].Time, events[1].TimeZone, files[1].TimeZone)
	}
	r := Rank(nil, events, Options{})
	if r.Incident.Events != 1 || r.Incident.Duplicates != 1 {
		t.Errorf("aligned: %d events, %d duplicates; want 1 and 1", r.Incident.Events, r.Incident.Duplicates)
	}

	// The admin gave the wrong zone (UTC): the export is 5 hours off.
	export.TimeZone = "UTC"
	r = Rank(nil, []model.Event{bin, export}, Options{})
	if r.Incident.Events != 1 {
		t.Errorf("wrong zone: %d events, want the record once", r.Incident.Events)
	}
	found := false
	for _, c := range r.Conclusions {
		found = found || strings.Contains(c.Text, "disagree on the clock") && strings.Contains(c.Text, "AppEvent.csv")
	}
	if !found {
		t.Errorf("no conclusion about the clocks: %v", r.Conclusions)
	}
}

// Local and UTC sources mixed and nothing in common: a warning, and the
// times stay "assumed".
func TestClockCannotBeInferred(t *testing.T) {
	bin := record4117(57, "HBWK2Q2P", crashT)
	w := watson(crashT, "store.exe", "CmnBptMessage::cleanTNEF")
	w.TimeZone = model.TimeAssumed
	events := []model.Event{bin, w}
	clock := AlignClock(nil, events)
	if clock.Inferred || clock.Warning == "" || !strings.Contains(clock.Warning, "--evidence-tz") || events[1].TimeZone != model.TimeAssumed {
		t.Errorf("clock = %+v, zone %s; want a warning and assumed times", clock, events[1].TimeZone)
	}
}
