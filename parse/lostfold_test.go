package parse

import (
	"bytes"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestLostFold: a field that cannot end where its line does takes the
// next line that is no field as its continuation (the KB articles print
// folded fields so: Q293288, Q217155, Q190084); a complete field does not
// (Q166026's stray line stays one).
func TestLostFold(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        bool
	}{
		{"Content-Type", "text/plain;", true},
		{"Content-Type", "text/plain; ", true},
		{"Content-Type", `multipart/alternative; boundary="----`, true},
		{"To", "a@example.org,", true},
		{"Content-Type", "TEXT/PLAIN; charset=US-ASCII", false},
		{"Content-Type", `text/plain; name="a\"b"`, false},
		{"Subject", "a (b", false},
		{"Received", "from testserver.microsoft.com ([1.1.1.1]) by VHAISHEXC1 with", true},
		{"received", "from [1.1.1.3] by unixtest.microsoft.com; (5.65) id AA06568; Wed, 17 Jun 1998 14:35:47", true},
		{"Received", "from a by b; Wed, 17 Jun 1998 16:41:18 -0500", false},
		{"Received", "from a by b; Wed, 17 Jun 1998 16:41:18 (EST)", false},
		{"X-Other", "", false},
	} {
		if got := lostFold([]byte(c.name), []byte(c.value)); got != c.want {
			t.Errorf("lostFold(%q, %q) = %v, want %v", c.name, c.value, got, c.want)
		}
	}
}

// TestLostFoldParams: Q293288's part header as the article prints it
// ("charset" unindented under "Content-Type: text/plain;") gives the part
// its charset parameter with the line's own offset, and the field after
// it is still a field.
func TestLostFoldParams(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n" +
		"Content-Type: text/plain;\r\ncharset = \"\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nx\r\n--b--\r\n"
	m, err := Parse(bytes.NewReader([]byte(raw)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Parts) < 2 {
		t.Fatalf("%d parts", len(m.Parts))
	}
	p := m.Parts[1]
	if len(p.Params) != 1 || p.Params[0].Value != "" || p.CTE != "7bit" {
		t.Errorf("part params %+v, cte %q", p.Params, p.CTE)
	}
	var seen bool
	for _, a := range m.Anomalies {
		switch a.Code {
		case model.AnomUnindentedFold:
			seen = true
			if want := int64(bytes.Index([]byte(raw), []byte("charset"))); a.Offset != want {
				t.Errorf("anomaly at %d, want %d", a.Offset, want)
			}
		case model.AnomNonHeaderLine:
			t.Errorf("read as a stray line: %+v", a)
		}
	}
	if !seen {
		t.Errorf("no %s anomaly: %+v", model.AnomUnindentedFold, m.Anomalies)
	}
}

// TestLostFoldNotTheBody: a field that cannot end where its line does
// takes the next line only when that line may be its rest: a parameter
// after "Content-Type: text/plain;", an address after "To: a@b,". Body
// text after them is the body, begun without its blank line (Q175841),
// and the field keeps its value; it took the body in, and a finding
// "end of file inside the header block" hid the KB's.
func TestLostFoldNotTheBody(t *testing.T) {
	for _, c := range []struct {
		field, line string
		continues   bool
	}{
		{"Content-Type: text/plain;", "Hello world, this is the body", false},
		{"Content-Type: text/plain;", "charset = \"\"", true},
		{"Content-Type: text/plain;", "charset*0*=us-ascii''a", true},
		{"Content-Disposition: attachment;", "filename=a.txt", true},
		{"Content-Disposition: attachment;", "See the file below.", false},
		{"To: a@example.org,", "b@example.org", true},
		{"To: a@example.org,", "\"Bob Hill\" <bhill@contoso.com>", true},
		{"To: a@example.org,", "Dear all, the minutes follow", false},
		{"Content-Type: multipart/mixed; boundary=\"----", "_=_NextPart_001\"", true},
		{"Received: from a by b with", "SMTP id X; Wed, 17 Jun 1998 16:41:18 -0500", true},
	} {
		raw := "From: a@example.org\r\nSubject: x\r\n" + c.field + "\r\n" + c.line + "\r\nMore text\r\n"
		m, err := Parse(bytes.NewReader([]byte(raw)), nil)
		if err != nil {
			t.Fatal(err)
		}
		var folded, noBlank bool
		for _, a := range m.Anomalies {
			folded = folded || a.Code == model.AnomUnindentedFold
			noBlank = noBlank || a.Code == model.AnomHeaderNoBlankLine
		}
		if folded != c.continues {
			t.Errorf("%q then %q: read as its continuation %v, want %v (%+v)", c.field, c.line, folded, c.continues, m.Anomalies)
		}
		if !c.continues && !noBlank {
			t.Errorf("%q then %q: no %s anomaly: %+v", c.field, c.line, model.AnomHeaderNoBlankLine, m.Anomalies)
		}
	}
}
