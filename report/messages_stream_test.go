package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// The table keeps the riskiest rows only, riskiest first, and says how
// many it left out.
func TestMessageWriterTableKeepsRiskiest(t *testing.T) {
	var buf bytes.Buffer
	mw, err := NewMessageWriter(&buf, Table, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []float64{5, 90, 0, 40, 70, 0, 10} {
		m := &model.Message{Path: fmt.Sprintf("/q/M%d", i), Name: fmt.Sprintf("M%d", i), Score: s}
		if s >= 10 {
			m.Findings = []model.Finding{{Rule: "r", Class: model.ClassRisk}}
		}
		if err := mw.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	i1, i4, i3 := strings.Index(out, "M1 "), strings.Index(out, "M4 "), strings.Index(out, "M3 ")
	if i1 < 0 || i4 < i1 || i3 < i4 || strings.Contains(out, "M6 ") || strings.Contains(out, "M0 ") {
		t.Errorf("want M1, M4, M3 in that order and nothing else:\n%s", out)
	}
	if !strings.Contains(out, "... and 4 less risky messages not shown (1 with findings)") {
		t.Errorf("totals line missing:\n%s", out)
	}
}
