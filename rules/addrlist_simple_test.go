package rules

import (
	"math/rand/v2"
	"net/mail"
	"regexp"
	"strings"
	"testing"
)

func checkSimpleAddressList(t *testing.T, v string) bool {
	t.Helper()
	if !simpleAddressList(v) {
		return false
	}
	if _, err := mail.ParseAddressList(v); err != nil {
		t.Fatalf("simpleAddressList(%q) = true, but net/mail: %v", v, err)
	}
	return true
}

// TestSimpleAddressList: every list the prefilter passes, net/mail
// parses, on hand-picked lists and 50,000 random ones built of address
// pieces; and the common shapes do pass (the prefilter is of use).
func TestSimpleAddressList(t *testing.T) {
	for _, v := range []string{`a@b`, `a.b@c.d`, `<a@b>`, `"Ann Lee" <al@x.example>`, `"Lee, Ann" <al@x>, b@c`, `Ann Lee <al@x>`,
		`a@b, c@d,e@f`, `a@b ,  "Q" <x@y>`} {
		if !checkSimpleAddressList(t, v) {
			t.Errorf("simpleAddressList(%q) = false: a common shape left to net/mail", v)
		}
	}
	for _, v := range []string{``, `a@b,`, `,a@b`, `a@b,,c@d`, `a..b@c`, `.a@b`, `a@b.`, `a@`, `@b`, `a@b c@d`, `"" <a@b>`, `"a\"b" <c@d>`,
		`=?utf-8?q?x?= <a@b>`, `a@b (c)`, `g: a@b;`, "a@b\t", `<a@b`, `<a@b>>`, `"x <a@b>`, `é <a@b>`, `A. Lee <a@b>`, `a@[1.2.3.4]`} {
		checkSimpleAddressList(t, v)
	}
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "b.c", "@", "<", ">", ",", " ", "\"", "\"x y\"", ".", "=?", "?=", "(", ")", ":", ";", "\\", "\t", "é", "[", "]",
		"!#$%&'*+-/=?^_`{|}~", "x@y.z", "<a@b>"}
	passed := 0
	for range 50000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if checkSimpleAddressList(t, b.String()) {
			passed++
		}
	}
	if passed < 100 {
		t.Fatalf("only %d random lists passed the prefilter: the test proves little", passed)
	}
}

func FuzzSimpleAddressList(f *testing.F) {
	f.Add(`"Lee, Ann" <al@x>, b@c`)
	f.Add(`Ann Lee <al@x>`)
	f.Fuzz(func(t *testing.T, v string) { checkSimpleAddressList(t, v) })
}

// headerAddrRE is the regexp eachHeaderAddr replaced.
var headerAddrRE = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[A-Za-z0-9.\[\]-]+`)

func checkHeaderAddrs(t *testing.T, v string) {
	t.Helper()
	want := headerAddrRE.FindAllStringIndex(v, -1)
	var got [][]int
	eachHeaderAddr(v, func(start, end int) { got = append(got, []int{start, end}) })
	if len(got) != len(want) {
		t.Fatalf("%q: regexp %v, scan %v", v, want, got)
	}
	for i := range want {
		if want[i][0] != got[i][0] || want[i][1] != got[i][1] {
			t.Fatalf("%q: regexp %v, scan %v", v, want, got)
		}
	}
}

// TestEachHeaderAddrMatchesRegexp: the same addresses at the same places
// as headerAddrRE.FindAllString, on hand-picked and random values.
func TestEachHeaderAddrMatchesRegexp(t *testing.T) {
	for _, v := range []string{"", "a@b", "Ann <a@b.c>, b@[1.2.3.4]", "a@b@c", "a@@b", "@b", "a@", "a@b!c@d", "x a@b.c-d]e f",
		"\"Lee, Ann\" <al@x>", "a.b@c..d", "a@\xe9", "\xe9a@b", "a@b\x00c@d"} {
		checkHeaderAddrs(t, v)
	}
	r := rand.New(rand.NewPCG(9, 10))
	for range 30000 {
		checkHeaderAddrs(t, randomString(r, "ab.@[]-!< >,\"\xe9\x00", 16))
	}
}

// TestTrimAngleSpaceIsTrim: trimAngleSpace is strings.Trim(a, "<> ").
func TestTrimAngleSpaceIsTrim(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		a := randomString(r, "<> a@\xe9\x00", 10)
		if got, want := trimAngleSpace(a), strings.Trim(a, "<> "); got != want {
			t.Fatalf("trimAngleSpace(%q) = %q, want %q", a, got, want)
		}
	}
}

// randomString is up to max-1 bytes drawn from alphabet.
func randomString(r *rand.Rand, alphabet string, max int) string {
	b := make([]byte, r.IntN(max))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
