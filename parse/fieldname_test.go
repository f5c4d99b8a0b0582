package parse

import (
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/asciifold"
	"github.com/imsforensic/imsforensic/model"
)

// TestMatchFieldIsMatch: describe's and envelopeFromHeaders' name
// switches from the parser's name code give what asciifold.Match of the
// name gives, with and without a code, and the parser gives every field
// the code of its name.
func TestMatchFieldIsMatch(t *testing.T) {
	var names []string
	for _, l := range append(append([]string{}, mimeFieldNames...), append(recipientFieldNames, "subject", "x-to", "")...) {
		names = append(names, l, strings.ToUpper(l), strings.ToUpper(l[:min(1, len(l))])+l[min(1, len(l)):], l+"x", "\u212a"+l, strings.Replace(l, "c", "\u212a", 1))
	}
	for _, name := range names {
		for _, list := range [][]string{mimeFieldNames, recipientFieldNames} {
			want := asciifold.Match(name, list)
			for _, f := range []model.HeaderField{{Name: model.Text(name), Known: model.FieldNameOf(name)}, {Name: model.Text(name)}} {
				if got := matchField(&f, list); got != want {
					t.Errorf("%q (known %d) in %v: %q, want %q", name, f.Known, list, got, want)
				}
			}
		}
	}
	m, err := Parse(strings.NewReader("Content-Type: text/plain\r\nTO: a@b\r\nX-Thing: 1\r\ncontent-TYPE: x/y\r\n\r\nbody\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Header() {
		if f.Known != model.FieldNameOf(string(f.Name)) || f.Known == model.FieldUnset {
			t.Errorf("%q: known %d, want %d", f.Name, f.Known, model.FieldNameOf(string(f.Name)))
		}
	}
}
