package selection

import (
	"errors"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"size>30K", `to~@example\.com$`, "queue=IN and not (class>=stall or rule=blank-charset)",
		`subject="say ""hi"""`, "age>3d or time<2001-01-01", "not not name=X", "score>=12.5",
		"(((queue=OUT)))", "format=ims-spool and from~'^<>$'", "queue=IN or", `subject='`, "size>1e3",
	} {
		f.Add(s)
	}
	m := sample()
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := Parse(expr)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			if pe.Col < 1 || pe.Col > utf8.RuneCountInString(expr)+1 {
				t.Fatalf("column %d outside 1..%d", pe.Col, utf8.RuneCountInString(expr)+1)
			}
			_ = pe.Caret()
			return
		}
		canon := e.String()
		e2, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not re-parse: %v", canon, expr, err)
		}
		if e2.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, e2.String())
		}
		if e.Match(m, now) != e2.Match(m, now) {
			t.Fatalf("%q and its canonical form %q disagree", expr, canon)
		}
		if e.Explain() == "" {
			t.Fatal("empty explanation")
		}
	})
}
