package parse

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"testing"
)

// angleAddrRE is the regexp eachAngleAddr replaced; the tests hold the
// hand scan to it.
var angleAddrRE = regexp.MustCompile(`<([\x21-\x3b\x3d\x3f-\x7e]*)>`)

func regexpAngleAddrs(b []byte) [][2]int {
	var out [][2]int
	for _, m := range angleAddrRE.FindAllSubmatchIndex(b, -1) {
		out = append(out, [2]int{m[2], m[3]})
	}
	return out
}

func scanAngleAddrs(b []byte) [][2]int {
	var out [][2]int
	eachAngleAddr(b, func(start, end int) { out = append(out, [2]int{start, end}) })
	return out
}

func checkAngleAddrs(t *testing.T, b []byte) {
	t.Helper()
	want, got := regexpAngleAddrs(b), scanAngleAddrs(b)
	if len(want) != len(got) {
		t.Fatalf("%q: regexp found %v, scan %v", b, want, got)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("%q: regexp found %v, scan %v", b, want, got)
		}
	}
}

func TestEachAngleAddrMatchesRegexp(t *testing.T) {
	for _, s := range []string{
		"", "<>", "<<>>", "<a@b>", "x<a@b><c@d>y", "<a b@c>", "<a@b", "<a<b@c>", "<a>b>",
		"\x00\x01<jsmith@fabrikam.example>\x00\x00<>\x06\x1c\x00<IMCEAEX-_O=ORG@x>",
		"<ASCII 3>", "<\x7f@b>", "<é@b>", "<<<a@b>>>",
	} {
		checkAngleAddrs(t, []byte(s))
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("<>@ a.\x00\x7f\xe9b")
	for n := 0; n < 20000; n++ {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkAngleAddrs(t, b)
	}
}

func TestFirstNonBase64(t *testing.T) {
	slow := func(line []byte) int {
		for i, c := range line {
			switch {
			case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case c == '+', c == '/', c == '=', c == ' ', c == '\t', c == '\r', c == '\n':
			default:
				return i
			}
		}
		return -1
	}
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 20000; n++ {
		b := bytes.Repeat([]byte("QUJD"), r.IntN(20))
		if len(b) > 0 && r.IntN(2) == 0 {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		if got, want := firstNonBase64(b), slow(b); got != want {
			t.Fatalf("firstNonBase64(%q) = %d, want %d", b, got, want)
		}
	}
}

func FuzzEachAngleAddr(f *testing.F) {
	f.Add([]byte("\x00<jsmith@fabrikam.example>\x00<>\x00<IMCEAEX-x@y>"))
	f.Add([]byte("<a<b@c>"))
	f.Fuzz(func(t *testing.T, b []byte) { checkAngleAddrs(t, b) })
}
