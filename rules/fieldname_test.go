package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/asciifold"
	"github.com/imsforensic/imsforensic/model"
)

// TestUniqueFieldIndexIsMatch: duplicate-unique-header's index from the
// parser's name code is the index of asciifold.Match (strings.ToLower) of
// the name, for every spelling of the unique fields, near misses and
// names with letters above ASCII that lower or fold to ASCII ones; with
// and without a code.
func TestUniqueFieldIndexIsMatch(t *testing.T) {
	var names []string
	for _, l := range append(slices.Clone(uniqueFields), "to", "received", "x-mailer", "resent-date", "") {
		names = append(names, l, strings.ToUpper(l), titleCase(l), l+"s", "\u212a"+l,
			strings.Replace(l, "s", "\u017f", 1), strings.Replace(l, "i", "\u0130", 1))
	}
	for _, name := range names {
		want := slices.Index(uniqueFields, asciifold.Match(name, uniqueFields))
		for _, f := range []model.HeaderField{{Name: model.Text(name), Known: model.FieldNameOf(name)}, {Name: model.Text(name)}} {
			if got := uniqueFieldIndex(&f); got != want {
				t.Errorf("%q (known %d): index %d, want %d", name, f.Known, got, want)
			}
		}
	}
}

// titleCase upper-cases l's first letter and each one after a hyphen.
func titleCase(l string) string {
	b := []byte(l)
	for i := range b {
		if (i == 0 || b[i-1] == '-') && 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}
