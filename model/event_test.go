package model

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The event and evidence records keep the keys of the events contract
// even when empty, write times as RFC 3339 with their offset (null when
// unknown), and read back what they wrote.
func TestEventJSONContract(t *testing.T) {
	var e Event
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"type", "schema", "path", "format", "record", "offset", "time", "time_zone", "source", "id",
		"event_type", "category", "computer", "user", "strings", "data", "spool_file", "faulting_function", "app"} {
		if _, ok := m[k]; !ok {
			t.Errorf("empty event lacks %q: %s", k, b)
		}
	}
	if m["time"] != nil || m["record"] != nil {
		t.Errorf("unknown time and record must be null: %s", b)
	}

	loc := time.FixedZone("server", -5*3600)
	e = Event{Type: "event", Schema: 1, Path: "a.csv", Record: 57, Time: time.Date(2001, 3, 14, 10, 32, 11, 0, loc), TimeZone: "UTC-5",
		Source: "MSExchangeIMC", EventID: 4117, Strings: []Text{"HBWK2Q2P"}, Data: Bytes{1, 2}}
	b, _ = json.Marshal(e)
	if err := json.Unmarshal(b, &m); err != nil || m["time"] != "2001-03-14T10:32:11-05:00" || m["record"] != float64(57) {
		t.Errorf("event JSON %s", b)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Time.Equal(e.Time) || back.Record != 57 || !reflect.DeepEqual(back.Strings, e.Strings) || back.EventID != 4117 {
		t.Errorf("round trip: %+v", back)
	}

	f := NewEvidenceFile("a.csv")
	f.Observe(e)
	b, _ = json.Marshal(f)
	var fm map[string]any
	if err := json.Unmarshal(b, &fm); err != nil || fm["events"] != float64(1) || fm["first"] != "2001-03-14T10:32:11-05:00" || fm["type"] != "evidence" {
		t.Errorf("evidence JSON %s", b)
	}
	var fb EvidenceFile
	if err := json.Unmarshal(b, &fb); err != nil || !fb.Last.Equal(e.Time) || fb.Events != 1 {
		t.Errorf("evidence round trip: %+v, %v", fb, err)
	}
}
