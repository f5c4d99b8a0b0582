package replay

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestPreviewIsThePlanRunMakes: Preview holds and plans exactly what a dry
// run to a real target holds and plans, with the same reasons, so a report
// that shows Preview shows replay's own rule.
func TestPreviewIsThePlanRunMakes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"include-named", Options{IncludeSuspects: true, Named: []string{"CRASH002"}}},
		{"include-unnamed", Options{IncludeSuspects: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, imc := newImcdata(t)
			msgs := []*model.Message{
				writeSpool(t, dir, "IN", model.QueueIN, "CLEAN001", body1+"CLEAN001", ""),
				writeSpool(t, dir, "IN", model.QueueIN, "CRASH001", body1+"CRASH001", "blank-charset"),
				writeSpool(t, dir, "IN", model.QueueIN, "CRASH002", body1+"CRASH002", "header-block-over-32k"),
			}
			target, err := NewImcdataTarget(imc, ImcdataOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			opts := tc.opts
			opts.DryRun, opts.JournalPath = true, filepath.Join(t.TempDir(), "journal.jsonl")
			var recs []model.ReplayRecord
			if _, err := Run(context.Background(), msgs, target, opts, collect(&recs)); err != nil {
				t.Fatal(err)
			}
			preview := Preview(msgs, tc.opts)
			if len(preview) != len(recs) {
				t.Fatalf("preview has %d records, the dry run %d", len(preview), len(recs))
			}
			for i, p := range preview {
				r := recs[i]
				if p.Path != msgs[i].Path || p.Action != r.Action || p.Result != r.Result || p.Action == model.ActionHold && p.Reason != r.Reason {
					t.Errorf("%s: preview %s/%s %q, run %s/%s %q", msgs[i].Name, p.Action, p.Result, p.Reason, r.Action, r.Result, r.Reason)
				}
			}
		})
	}
}
