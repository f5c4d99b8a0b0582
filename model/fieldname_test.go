package model

import (
	"math/rand"
	"strings"
	"testing"
)

// fieldNameSamples are names of every well-known field in several cases,
// near misses, and names with bytes above ASCII, Unicode letters that
// fold or lower to ASCII ones among them (U+212A KELVIN SIGN folds to "k",
// U+017F LONG S to "s", U+0130 lowers to "i" and a dot).
func fieldNameSamples(t *testing.T) []string {
	rng := rand.New(rand.NewSource(16))
	var out []string
	for n := FieldOther + 1; n < fieldNameCount; n++ {
		l := n.Lower()
		out = append(out, l, strings.ToUpper(l), strings.ToUpper(l[:1])+l[1:], l+"x", l[:len(l)-1], "x"+l)
		for range 8 {
			b := []byte(l)
			for i := range b {
				if rng.Intn(2) == 0 {
					b[i] = strings.ToUpper(string(b[i]))[0]
				}
			}
			out = append(out, string(b))
		}
		out = append(out, strings.Replace(l, "s", "\u017f", 1), strings.Replace(l, "i", "\u0130", 1), "\u00e9"+l)
	}
	out = append(out, "\u212Aeywords", "X-Mailer", "", "DKIM-Signature", "subject\u212A", "Content-Type\u00a0",
		strings.Repeat("a", 40), strings.Repeat("\u212A", 12), "Message-Id", "MIME-version")
	for range 2000 {
		b := make([]byte, 1+rng.Intn(30))
		for i := range b {
			b[i] = byte(33 + rng.Intn(94))
		}
		out = append(out, string(b))
	}
	if len(out) < 2000 {
		t.Fatal("too few samples")
	}
	return out
}

// TestFieldNameIsFold: a field's name compared through the code
// FieldNameOf gives (as the parser sets Known) answers exactly as
// strings.EqualFold (NameFold) and strings.ToLower (NameLower, HasLower)
// on the name itself do, and so does a field without a code.
func TestFieldNameIsFold(t *testing.T) {
	sets := []FieldNames{NewFieldNames("to", "cc", "bcc"), NewFieldNames("x-mac-creator", "x-mac-type"),
		NewFieldNames("from", "sender", "reply-to", "to", "cc", "bcc", "return-path", "resent-from", "resent-sender",
			"resent-to", "resent-cc", "resent-bcc", "disposition-notification-to")}
	for _, name := range fieldNameSamples(t) {
		for _, f := range []HeaderField{{Name: Text(name), Known: FieldNameOf(name)}, {Name: Text(name)}} {
			if FieldNameOf([]byte(name)) != FieldNameOf(name) {
				t.Fatalf("%q: FieldNameOf of bytes and string differ", name)
			}
			for n := FieldOther + 1; n < fieldNameCount; n++ {
				if got, want := f.NameFold(n), strings.EqualFold(name, n.Lower()); got != want {
					t.Errorf("%q (known %d) NameFold(%s) = %v, strings.EqualFold %v", name, f.Known, n.Lower(), got, want)
				}
				if got, want := f.NameLower(n), strings.ToLower(name) == n.Lower(); got != want {
					t.Errorf("%q (known %d) NameLower(%s) = %v, strings.ToLower %v", name, f.Known, n.Lower(), got, want)
				}
			}
			for _, s := range sets {
				want := false
				for _, l := range s.Names() {
					want = want || strings.ToLower(name) == l
				}
				if got := s.HasLower(&f); got != want {
					t.Errorf("%q (known %d) HasLower(%v) = %v, want %v", name, f.Known, s.Names(), got, want)
				}
			}
		}
	}
}

// TestFieldNamesTable: every well-known name's code is its index, its
// lower-case form round-trips, no name is longer than maxFieldName, and a
// set refuses a name outside the table.
func TestFieldNamesTable(t *testing.T) {
	for n := FieldOther + 1; n < fieldNameCount; n++ {
		l := n.Lower()
		if l == "" || len(l) > maxFieldName || LookupFieldName(l) != n || FieldNameOf(strings.ToUpper(l)) != n {
			t.Errorf("code %d: name %q, lookup %d", n, l, LookupFieldName(l))
		}
	}
	if fieldNameCount > 32 {
		t.Errorf("%d codes do not fit FieldNames' 32 bits", fieldNameCount)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewFieldNames took a name outside the table")
		}
	}()
	NewFieldNames("to", "x-not-known")
}
