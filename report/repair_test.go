package report

import (
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func TestRepairLine(t *testing.T) {
	cases := []struct {
		rec  model.RepairRecord
		want string
	}{
		{model.RepairRecord{Status: model.RepairRepaired, Changes: []model.RepairChange{
			{Rule: "blank-charset", After: "us-ascii", Note: "blank charset set to us-ascii"},
			{Rule: "blank-charset", After: "us-ascii"},
			{Rule: "tnef-corrupt", After: "Content-Type: text/plain\r\n...", Note: "corrupt TNEF part replaced"},
		}}, "repairable: blank-charset -> us-ascii; tnef-corrupt -> corrupt TNEF part replaced"},
		{model.RepairRecord{Status: model.RepairRepaired, Changes: []model.RepairChange{{Rule: "no-final-crlf", After: "\r\n", Note: "CRLF appended"}},
			Remaining: []model.RepairRemaining{{Rule: "header-8bit", Reason: "charset unknown"}}},
			"repairable: no-final-crlf -> CRLF appended (left: header-8bit: charset unknown)"},
		{model.RepairRecord{Status: model.RepairNotRepairable, Remaining: []model.RepairRemaining{{Rule: "mime-nesting-over-30", Reason: "none: flattening"}}},
			"not repairable: mime-nesting-over-30: none: flattening"},
		{model.RepairRecord{Status: model.RepairClean}, ""},
	}
	for _, c := range cases {
		if got := RepairLine(c.rec); got != c.want {
			t.Errorf("RepairLine = %q, want %q", got, c.want)
		}
	}
}
