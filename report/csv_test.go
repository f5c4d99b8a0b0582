package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"-":                          "-",
		"plain subject":              "plain subject",
		"a=b":                        "a=b",
		"=1+2":                       "'=1+2",
		`=HYPERLINK("http://x","a")`: `'=HYPERLINK("http://x","a")`,
		"=cmd|' /C calc'!A0":         "'=cmd|' /C calc'!A0",
		"+1+cmd|' /C calc'!A0":       "'+1+cmd|' /C calc'!A0",
		"-2+3":                       "'-2+3",
		"- urgent":                   "'- urgent",
		"@SUM(1,2)":                  "'@SUM(1,2)",
		"\t=1":                       "'\t=1",
		"\r=1":                       "'\r=1",
		"-12":                        "-12",
		"+3.5":                       "+3.5",
		"-1e3":                       "-1e3",
		"'=1":                        "'=1",
	} {
		if got := spreadsheetSafe(in); got != want {
			t.Errorf("spreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every CSV this package writes goes through csvWriter: a hostile
// sender's Subject, address, file name or finding evidence never reaches a
// spreadsheet as a formula, and the caller's values are left as they were.
func TestCSVCellsAreNeverFormulas(t *testing.T) {
	hostile := `=HYPERLINK("http://evil.example/","click")`
	m := &model.Message{
		Path: "/q/" + "@evil", Name: "@evil", Size: 10, Score: 50,
		Subject:        model.Text(hostile),
		SubjectDecoded: model.Text("+cmd|' /C calc'!A0"),
		Envelope:       model.Envelope{From: "=1+2@x", To: []string{"-1+1@y"}},
		Findings:       []model.Finding{{Rule: "r", Class: model.ClassRisk, Evidence: model.Text("=evil()"), Detail: "@detail"}},
	}
	var buf bytes.Buffer
	mw, err := NewMessageWriter(&buf, CSV, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.Write(m); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteFindingsCSV(&buf, []*model.Message{m}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTriage(&buf, CSV, []model.Suspect{{Rank: 1, Path: m.Path, Name: "=x.eml", Score: 50}}, nil, 0); err != nil {
		t.Fatal(err)
	}
	var cells int
	asText := false
	for _, doc := range strings.SplitAfter(buf.String(), "\n") {
		if doc == "" {
			continue
		}
		rec, err := csv.NewReader(strings.NewReader(doc)).Read()
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		for _, c := range rec {
			cells++
			asText = asText || c == "'"+hostile
			if c != spreadsheetSafe(c) {
				t.Errorf("cell %q would be a formula in a spreadsheet", c)
			}
		}
	}
	if !asText {
		t.Errorf("the hostile subject is not written as text:\n%s", buf.String())
	}
	if string(m.Subject) != hostile || m.Envelope.From != "=1+2@x" {
		t.Errorf("the message itself was changed: %q %q", m.Subject, m.Envelope.From)
	}
	if cells < 20 {
		t.Errorf("only %d cells read back", cells)
	}
}

// A cell cut to its width is never cut inside a \xNN escape.
func TestCellCutKeepsEscapesWhole(t *testing.T) {
	name := "evil\x1b]0;owned\x07\r\u202efdp.eml" // escaped: evil\x1b]0;owned\x07\x0d\xe2\x80\xaefdp.eml
	for width := 5; width < 40; width++ {
		got := cell(name, width)
		body := strings.TrimSuffix(got, "…")
		if i := strings.LastIndex(body, `\`); i >= 0 && len(body)-i < 4 {
			t.Errorf("cell(%d) = %q cuts an escape", width, got)
		}
		if !strings.HasPrefix(model.EscapeVisible(name), body) {
			t.Errorf("cell(%d) = %q is not a prefix of the escaped name", width, got)
		}
	}
	if got := cell(`C:\Exchsrvr\Imcdata\IN\KPFYCMQB`, 12); got != `C:\Exchsrvr…` {
		t.Errorf("a path's own backslash: %q", got)
	}
}
