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

// countingWriter counts the Write calls that reach the output.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// JSON records are buffered (one write for many records, not one each),
// Flush delivers every record written so far, and Close the rest.
func TestMessageWriterJSONBuffersAndFlushes(t *testing.T) {
	var out countingWriter
	mw, err := NewMessageWriter(&out, JSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := mw.Write(&model.Message{Path: fmt.Sprintf("/q/M%d", i), Name: fmt.Sprintf("M%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if out.writes != 0 {
		t.Fatalf("%d writes before Flush, want the records buffered", out.writes)
	}
	if err := mw.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 100 || out.writes != 1 {
		t.Fatalf("after Flush: %d lines in %d writes, want 100 in 1", n, out.writes)
	}
	if err := mw.Write(&model.Message{Path: "/q/last", Name: "last"}); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 101 || !strings.Contains(out.String(), `"/q/last"`) {
		t.Fatalf("after Close: %d lines, want 101 ending with /q/last", n)
	}
}
