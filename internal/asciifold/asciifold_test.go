package asciifold

import (
	"math/rand"
	"strings"
	"testing"
)

// TestSameAsToLower: Lower, In and Is agree with strings.ToLower on
// ASCII names of every case, on names with Unicode letters that lower to
// ASCII (KELVIN SIGN) and on invalid UTF-8.
func TestSameAsToLower(t *testing.T) {
	known := []string{"to", "cc", "bcc", "content-type", "kind", "x-\u00e9", "Upper"}
	cases := []string{"", "To", "TO", "cC", "Bcc", "Content-Type", "CONTENT-TYPE", "content-typ", "\u212aind", "KIND",
		"X-\u00c9", "x-\u00e9", "upper", "Upper", "\xff", "to\x00", "T\u00d6"}
	r := rand.New(rand.NewSource(1))
	const alpha = "tToOcCbBkKnN-\u212a\u00c9\xff"
	for i := 0; i < 5000; i++ {
		b := make([]byte, 0, 6)
		for k := r.Intn(6); k >= 0; k-- {
			b = append(b, alpha[r.Intn(len(alpha))])
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		l := strings.ToLower(s)
		if got := Lower(s, known); got != l {
			t.Fatalf("Lower(%q) = %q, strings.ToLower %q", s, got, l)
		}
		in := false
		for _, k := range known {
			in = in || k == l
			if Is(s, k) != (k == l) {
				t.Fatalf("Is(%q, %q) = %v", s, k, !(k == l))
			}
		}
		if got := Match(s, known); (got != "") != in || in && got != l {
			t.Fatalf("Match(%q) = %q, strings.ToLower %q (in known: %v)", s, got, l, in)
		}
		if In(s, known) != in {
			t.Fatalf("In(%q) = %v, want %v", s, !in, in)
		}
	}
}

// TestLowerAllocatesNothingForKnownNames: the point of the package.
func TestLowerAllocatesNothingForKnownNames(t *testing.T) {
	known := []string{"content-type", "content-transfer-encoding"}
	if n := testing.AllocsPerRun(100, func() {
		if Lower("Content-Transfer-Encoding", known) != "content-transfer-encoding" || !In("Content-Type", known) {
			t.Fatal("wrong answer")
		}
	}); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

// TestHasPrefixIsLoweredHasPrefix checks HasPrefix against
// bytes.HasPrefix of the lowered bytes on ASCII input.
func TestHasPrefixIsLoweredHasPrefix(t *testing.T) {
	for _, b := range []string{"", "F", "from:", "FROM: x", "From:", "Fro", "fRoM:", "xfrom:", "From :", "[rom:"} {
		for _, p := range []string{"", "from:", "fr"} {
			want := strings.HasPrefix(strings.ToLower(b), p)
			if got := HasPrefix([]byte(b), p); got != want {
				t.Errorf("HasPrefix(%q, %q) = %v, want %v", b, p, got, want)
			}
		}
	}
}
