package evidence_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/triage"
)

// An Exchange 4117 saved as .evtx still names its spool file, and triage
// ranks from it exactly as from the .evt. No public .evtx sample holds an
// MSExchangeIMC event, so the corpus's AppEvent.evt is re-saved as .evtx by
// the test writer (evtxwriter_test.go: the layout a current Event Viewer
// writes for a classic source) and both go through the same Read and Rank.
func TestEVTXExchange4117NamesItsSpoolFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sc, ok := corpus.ScenarioByName("recipients-over-limit-4117")
	if !ok {
		t.Fatal("corpus has no recipients-over-limit-4117 scenario")
	}
	truth, err := corpus.Generate(ctx, dir, corpus.Config{Messages: 40, Seed: 7, Evidence: true, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	evt, err := evidence.ReadFile(filepath.Join(dir, "evidence", "AppEvent.evt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "AppEvent.evtx")
	if err := os.WriteFile(saved, evidence.EVTXFromEvents(evt), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := evidence.DetectFile(saved); err != nil || f != evidence.FormatEVTX {
		t.Fatalf("DetectFile = %q, %v", f, err)
	}
	evtx, errs := evidence.ReadPaths(ctx, []string{saved}, nil)
	if len(errs) != 0 {
		t.Fatalf("ReadPaths: %v", errs)
	}

	culprit := filepath.Base(truth.Culprits[0])
	named := func(evs []model.Event) *model.Event {
		for i := range evs {
			if evs[i].Source == "MSExchangeIMC" && evs[i].EventID == 4117 {
				return &evs[i]
			}
		}
		return nil
	}
	a, b := named(evt), named(evtx)
	if a == nil || b == nil {
		t.Fatalf("4117: .evt %v, .evtx %v", a, b)
	}
	if b.SpoolFile != culprit || a.SpoolFile != b.SpoolFile || *a.HRESULT != *b.HRESULT || *a.Location != *b.Location {
		t.Errorf(".evtx 4117 names %q (HRESULT %v), .evt %q; the culprit is %s", b.SpoolFile, b.HRESULT, a.SpoolFile, culprit)
	}
	// Field by field, the same events (the origin names the other file).
	if len(evt) != len(evtx) {
		t.Fatalf("%d .evt events, %d .evtx events", len(evt), len(evtx))
	}
	for i := range evt {
		x, y := evt[i], evtx[i]
		if !x.Time.Equal(y.Time) || x.Source != y.Source || x.EventID != y.EventID || x.Level != y.Level ||
			x.Category != y.Category || x.Computer != y.Computer || !bytes.Equal(x.Data, y.Data) ||
			len(x.Strings) != len(y.Strings) || x.SpoolFile != y.SpoolFile {
			t.Errorf("event %d:\n .evt  %+v\n .evtx %+v", i, x, y)
			continue
		}
		for k := range x.Strings {
			if x.Strings[k] != y.Strings[k] {
				t.Errorf("event %d string %d: %q vs %q", i, k, x.Strings[k], y.Strings[k])
			}
		}
	}

	msgs, err := inventory.Scan(ctx, []string{filepath.Join(dir, "IN"), filepath.Join(dir, "OUT")}, inventory.Options{Slim: true, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	fromEVT := triage.Rank(msgs, evt, triage.Options{})
	fromEVTX := triage.Rank(msgs, evtx, triage.Options{})
	top := fromEVTX.Suspects[0]
	if top.Name != culprit || top.Verdict != "prime-suspect" {
		t.Fatalf("rank 1 from .evtx is %s (%s), want the culprit %s", top.Name, top.Verdict, culprit)
	}
	event := false
	for _, r := range top.Reasons {
		if r.Kind == "event" && bytes.Contains([]byte(r.Detail), []byte("4117")) {
			event = true
		}
	}
	t.Logf("rank 1 from .evtx: %s %s %+v", top.Name, top.Verdict, top.Reasons)
	if !event {
		t.Errorf("rank 1 has no reason naming the 4117 event: %+v", top.Reasons)
	}
	if len(fromEVT.Suspects) != len(fromEVTX.Suspects) {
		t.Fatalf("%d suspects from .evt, %d from .evtx", len(fromEVT.Suspects), len(fromEVTX.Suspects))
	}
	for i := range fromEVT.Suspects {
		x, y := fromEVT.Suspects[i], fromEVTX.Suspects[i]
		if x.Path != y.Path || x.Score != y.Score || x.Verdict != y.Verdict || len(x.Reasons) != len(y.Reasons) {
			t.Errorf("rank %d: .evt %s %.2f %s, .evtx %s %.2f %s", i+1, x.Name, x.Score, x.Verdict, y.Name, y.Score, y.Verdict)
		}
	}
}
