package selection

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

var now = time.Date(2001, 3, 10, 12, 0, 0, 0, time.UTC)

func sample() *model.Message {
	return &model.Message{
		Path:    `C:\TempIMS\In\HBWK2Q2P`,
		Name:    "HBWK2Q2P",
		Queue:   model.QueueINArchive,
		Format:  model.FormatIMSSpool,
		Size:    40 * 1024,
		ModTime: now.Add(-4 * 24 * time.Hour),
		Subject: "Quarterly report",
		Score:   100,
		Envelope: model.Envelope{
			From: "<alice@contoso.com>",
			To:   []string{"<bob@example.com>", "<Carol@Fabrikam.com>"},
		},
		Findings: []model.Finding{
			{Rule: "blank-charset", Class: model.ClassCrash},
			{Rule: "long-line", Class: model.ClassRisk},
		},
	}
}

func TestPrecedence(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"size>1 or size>2 and size>3", `(size > "1" or (size > "2" and size > "3"))`},
		{"not size>1 and size>2", `(not size > "1" and size > "2")`},
		{"not (size>1 and size>2)", `not (size > "1" and size > "2")`},
		{"a=1", ""},
		{"size>1 and size>2 and size>3", `((size > "1" and size > "2") and size > "3")`},
		{"NOT not queue=IN", `not not queue = "IN"`},
		{"(queue=IN or queue=OUT) and class>=stall", `((queue = "IN" or queue = "OUT") and class >= "stall")`},
		{`subject="say ""hi"" 'x'"`, `subject = "say ""hi"" 'x'"`},
		{`subject='it''s'`, `subject = "it's"`},
		{`to~@example\.com$`, `to ~ "@example\.com$"`},
		{"size>30K and(queue=IN)", `(size > "30K" and queue = "IN")`},
	} {
		e, err := Parse(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) succeeded, want error", c.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestErrorsPointAtColumn(t *testing.T) {
	for _, c := range []struct {
		in   string
		col  int
		frag string
	}{
		{"", 1, "empty"},
		{"sise>1", 1, "unknown field"},
		{"size 1", 6, "expected an operator"},
		{"size>", 6, "expected a value"},
		{"size>abc", 6, "size wants"},
		{"age>3", 5, "age wants"},
		{"queue<IN", 6, "operator < does not apply"},
		{"size~1", 5, "operator ~ does not apply"},
		{"queue=IN or", 12, "unexpected end"},
		{"(queue=IN", 1, "never closed"},
		{"queue=IN)", 9, "unmatched"},
		{"queue=IN queue=OUT", 10, "expected 'and', 'or'"},
		{`subject="abc`, 9, "never closed"},
		{`subject~"a(b"`, 9, "bad regular expression"},
		{"class>=fatal", 8, "unknown class"},
		{"time>yesterday", 6, "time wants"},
		{"élan=1", 1, "expected a field name"},
		{"size>1 and ", 12, "unexpected end"},
		{strings.Repeat("(", 500) + "size>1" + strings.Repeat(")", 500), 0, "nesting deeper"},
	} {
		_, err := Parse(c.in)
		var pe *ParseError
		if !errors.As(err, &pe) || !IsSyntax(err) {
			t.Errorf("Parse(%q) err = %v, want a ParseError", c.in, err)
			continue
		}
		if c.col != 0 && pe.Col != c.col {
			t.Errorf("Parse(%q) column %d, want %d (%v)", c.in, pe.Col, c.col, err)
		}
		if !strings.Contains(pe.Msg, c.frag) {
			t.Errorf("Parse(%q) = %q, want it to mention %q", c.in, pe.Msg, c.frag)
		}
		if !strings.Contains(pe.Caret(), "^") {
			t.Errorf("no caret")
		}
	}
}

func TestMatch(t *testing.T) {
	m := sample()
	for _, c := range []struct {
		expr string
		want bool
	}{
		{"queue=in/archive", true},
		{`queue="IN\Archive"`, true},
		{"queue=IN", false},
		{"queue~^in", true},
		{"name=hbwk2q2p", true},
		{"name!=HBWK2Q2P", false},
		{`path~TempIMS/In/`, true},
		{`path="c:/tempims/in/hbwk2q2p"`, true},
		{"size>30K", true},
		{"size>40K", false},
		{"size>=40K", true},
		{"size<1M", true},
		{"size=40960", true},
		{"age>3d", true},
		{"age>5d", false},
		{"age<1d12h", false},
		{"time<2001-03-07", true},
		{"time>2001-03-06T11:59", true},
		{"time>=2001-03-06T12:00:00Z", true},
		{"time>2001-03-06T12:00:00Z", false},
		{"from=alice@contoso.com", true},
		{"from=<ALICE@contoso.com>", true},
		{`to~@example\.com$`, true},
		{`to=carol@fabrikam.com`, true},
		{`to!=carol@fabrikam.com`, false},
		{`to!=dave@fabrikam.com`, true},
		{`to~^dave`, false},
		{"subject~Quarter", true},
		{"subject~quarter", false},
		{`subject="Quarterly report"`, true},
		{"rule=blank-charset", true},
		{"rule=BLANK-CHARSET", true},
		{"rule=tnef-truncated", false},
		{"rule!=tnef-truncated", true},
		{"class>=stall", true},
		{"class=crash", true},
		{"class<crash", false},
		{"class>none", true},
		{"score>=100", true},
		{"score>100", false},
		{"format=IMS-SPOOL", true},
		{"format=rfc822", false},
		{"queue=OUT or size>30K and not rule=long-line", false},
		{"(queue=OUT or size>30K) and not rule=nope", true},
		{"not queue=OUT and not queue=IN", true},
	} {
		e, err := Parse(c.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.expr, err)
			continue
		}
		if got := e.Match(m, now); got != c.want {
			t.Errorf("%q matched %v, want %v\n%s", c.expr, got, c.want, e.Explain())
		}
	}
}

func TestMatchWithoutModTimeOrRecipients(t *testing.T) {
	m := &model.Message{Name: "X"}
	for expr, want := range map[string]bool{
		"age>1s": false, "age<1000d": false, "time>2000-01-01": false,
		"to~.": false, "to!=a@b": true, "class=none": true, "class>=info": false,
	} {
		e, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Match(m, now); got != want {
			t.Errorf("%q = %v, want %v", expr, got, want)
		}
	}
	var nilExpr *Expr
	if nilExpr.Match(m, now) {
		t.Error("nil expr matched")
	}
}

func TestSizeUnitsAre1024Based(t *testing.T) {
	for in, want := range map[string]float64{"30K": 30720, "2M": 2 << 20, "1G": 1 << 30, "10kb": 10240, "512": 512, "1.5K": 1536} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]float64{"3d": 3 * 86400, "12h": 43200, "30m": 1800, "1d12h": 129600, "2w": 14 * 86400} {
		got, err := parseAge(in)
		if err != nil || got != want {
			t.Errorf("parseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestExplain(t *testing.T) {
	e, err := Parse(`size>30K and not (queue=IN or to~@example\.com$)`)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Explain()
	want := `reads as: (size > "30K" and not (queue = "IN" or to ~ "@example\.com$"))
AND (both are needed)
  size > "30K"    # size in bytes > 30720
  NOT
    OR (either is enough)
      queue = "IN"    # origin queue (IN, OUT, IN/Archive, OUT/Archive, Pickup), case-insensitive equals "in" (ignoring case)
      to ~ "@example\.com$"    # any envelope recipient matches the RE2 pattern "@example\\.com$" (case-sensitive)
`
	if got != want {
		t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
	}
}

func TestNames(t *testing.T) {
	e, _ := Parse(`name=HBWK2Q2P or (path="C:\x\VMS95LCZ" and not name=NOPE0000)`)
	got := strings.Join(e.Names(), ",")
	if got != `HBWK2Q2P,C:\x\VMS95LCZ` {
		t.Errorf("Names = %s", got)
	}
}

func TestFilesFrom(t *testing.T) {
	in := "\ufeff# suspects to replay\r\nIN\\HBWK2Q2P\r\n\r\n  OUT/VMS95LCZ  \n#x\nlast-without-newline"
	got, err := FilesFrom(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`IN\HBWK2Q2P`, "OUT/VMS95LCZ", "last-without-newline"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("FilesFrom = %q, want %q", got, want)
	}
	long := strings.Repeat("a", 100000)
	got, err = FilesFrom(strings.NewReader(long + "\n"))
	if err != nil || len(got) != 1 || got[0] != long {
		t.Errorf("long line: %v", err)
	}
}
