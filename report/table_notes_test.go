package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestReplayTableCountsTheHiddenRows: the table keeps the rows that need
// attention and counts the others in one line, "1 row" or "N rows".
func TestReplayTableCountsTheHiddenRows(t *testing.T) {
	for _, tc := range []struct {
		written int
		want    string
	}{{1, "(1 row written"}, {2, "(2 rows written"}} {
		var b bytes.Buffer
		add, flush := ReplayOutput(&b, Table, false)
		add(model.ReplayRecord{Path: "IN/HELD0001", Action: model.ActionHold, Result: model.ResultHeld, Reason: "crash-class finding"})
		for range tc.written {
			add(model.ReplayRecord{Path: "IN/SENT0001", Action: model.ActionSend, Result: model.ResultOK})
		}
		if err := flush(); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "HELD0001") || strings.Contains(out, "SENT0001") || !strings.Contains(out, tc.want) {
			t.Errorf("%d written: want the held row, not the written one, and %q:\n%s", tc.written, tc.want, out)
		}
	}
}

// TestRepairTableNotRepairableHasNoEmptyList: a file with no change reads
// "0" in CHANGES, a repaired one the count and the rules.
func TestRepairTableNotRepairableHasNoEmptyList(t *testing.T) {
	var b bytes.Buffer
	recs := []model.RepairRecord{
		{Path: "IN/A", Status: model.RepairNotRepairable, Remaining: []model.RepairRemaining{{Rule: "envelope-markers-broken", Reason: "none"}}},
		{Path: "IN/B", Status: model.RepairRepaired, Changes: []model.RepairChange{{Rule: "blank-charset"}}, Out: "fixed/IN/B"},
	}
	if err := WriteRepairs(&b, Table, recs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "()") || !strings.Contains(out, "1 (blank-charset)") {
		t.Errorf("want no empty rule list and the repaired file's change:\n%s", out)
	}
}
