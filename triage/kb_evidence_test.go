package triage

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/model"
)

// Q181931 prints the store's Dr. Watson 4097 as Event Viewer lists it,
// spaces for tabs and no Computer column ("2/6/98  6:33:11  DrWatson
// Information  None  4097  N/A"). Read from the KB's text, it is a crash:
// the file written 31 s before it ranks first with that distance as its
// reason (the three carry the same finding), the one written after it
// gets no time reason. Before, the
// excerpt was no known evidence format and the ranking had no crash.
func TestKBEventListCrashRanksTheFileWrittenJustBefore(t *testing.T) {
	f := evidence.Load(filepath.Join("..", "evidence", "testdata", "kb", "Q181931-event-list.txt"), &evidence.Options{TZ: time.UTC})
	if f.Err != nil || len(f.Events) != 1 {
		t.Fatalf("Q181931: %d events, %v", len(f.Events), f.Err)
	}
	crash := time.Date(1998, 2, 6, 6, 33, 11, 0, time.UTC)
	msgs := []*model.Message{
		msg("IN", "EARLIER1", crash.Add(-13*time.Minute), "no-final-crlf"),
		msg("IN", "JUSTBEF1", crash.Add(-31*time.Second), "no-final-crlf"),
		msg("IN", "AFTER001", crash.Add(7*time.Minute), "no-final-crlf"),
	}
	r := Rank(msgs, f.Events, Options{})
	top := r.Suspects[0]
	tr, ok := reasonOf(top, KindTime)
	if top.Name != "JUSTBEF1" || !ok || !strings.Contains(tr.Detail, "31s before the crash at 1998-02-06 06:33:11 UTC") {
		t.Fatalf("rank 1 %s, time reason %q: want JUSTBEF1, 31s before the 4097", top.Name, tr.Detail)
	}
	if d, ok := reasonOf(top, KindDirection); !ok || !strings.Contains(d.Detail, "DrWatson 4097") || !strings.Contains(d.Detail, "store.exe") {
		t.Errorf("direction reason %q: want the store's 4097", d.Detail)
	}
	if _, ok := reasonOf(find(t, r, "AFTER001"), KindTime); ok {
		t.Error("a file written after the crash got a time reason")
	}
}
