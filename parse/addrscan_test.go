package parse

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/parse/sniff"
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

// TestBase64FirstBadIsFirstNonBase64Byte: the bad byte the decoder
// reports for a line (the one a base64 body's finding quotes) is the first
// byte outside the alphabet, "=" and white space.
func TestBase64FirstBadIsFirstNonBase64Byte(t *testing.T) {
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
		if len(b) > 0 && r.IntN(4) == 0 {
			b[r.IntN(len(b))] = "= \t"[r.IntN(3)]
		}
		var dec sniff.Base64
		const off = 1000
		dec.Line(b, off, nil)
		got, bad := dec.FirstBad()
		if want := slow(b); (want >= 0) != bad || bad && got != off+int64(want) {
			t.Fatalf("FirstBad after Line(%q) = %d, %v; want index %d", b, got, bad, want)
		}
	}
}

func FuzzEachAngleAddr(f *testing.F) {
	f.Add([]byte("\x00<jsmith@fabrikam.example>\x00<>\x00<IMCEAEX-x@y>"))
	f.Add([]byte("<a<b@c>"))
	f.Fuzz(func(t *testing.T, b []byte) { checkAngleAddrs(t, b) })
}

// mtsIDRE is the regexp findMTSID replaced; the tests hold the scan to it.
var mtsIDRE = regexp.MustCompile(`c=[\x20-\x3a\x3c-\x7e]{0,16};a=[\x20-\x3a\x3c-\x7e]{0,64};p=[\x20-\x3a\x3c-\x7e]{0,64};l=[\x21-\x7e]{1,128}`)

func checkMTSID(t *testing.T, b []byte) {
	t.Helper()
	want, got := mtsIDRE.FindIndex(b), findMTSID(b)
	switch {
	case want == nil && got == nil:
	case want == nil || got == nil || !bytes.Equal(b[want[0]:want[1]], got) || &b[want[0]] != &got[0]:
		t.Fatalf("%q: regexp found %v, scan %q", b, want, got)
	}
}

// TestFindMTSIDMatchesRegexp: the leftmost match and its length, on the
// KB's example, values at and past their length limits, a ";" or a byte
// outside the class inside a value, a second candidate after a failed
// one, and random strings of the pieces.
func TestFindMTSIDMatchesRegexp(t *testing.T) {
	long := func(n int) string { return string(bytes.Repeat([]byte("x"), n)) }
	for _, s := range []string{
		"", "c=US;a= ;p=Microsoft;l=RAYDEN9711051951WKA6D6YM", "\x00c=US;a= ;p=Microsoft;l=RAYDEN97\x00rest",
		"c=;a=;p=;l=x", "c=;a=;p=;l=", "c=;a=;p=;l= x", "c=" + long(16) + ";a=;p=;l=x", "c=" + long(17) + ";a=;p=;l=x",
		"c=;a=" + long(64) + ";p=" + long(64) + ";l=" + long(200), "c=;a=" + long(65) + ";p=;l=x",
		"c=U;S;a=;p=;l=x", "c=U\x7fS;a=;p=;l=x", "c=U\xe9;a=;p=;l=x", "c=c=US;a=;p=;l=x", "c=x;a=\x00c=US;a=b;p=c;l=d;e",
		"c=US;a= ;p=Microsoft;l=a;b;c", "c=US;a=;p=;l=\x80", "xc=c=c=;a=;p=;l=q",
	} {
		checkMTSID(t, []byte(s))
	}
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"c=", ";a=", ";p=", ";l=", "US", " ", ";", "=", "x", "\x00", "\x7f", "\xe9", "c", long(15), long(63), long(130)}
	for n := 0; n < 20000; n++ {
		var b []byte
		for range r.IntN(10) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		checkMTSID(t, b)
	}
}

func FuzzFindMTSID(f *testing.F) {
	f.Add([]byte("\x00c=US;a= ;p=Microsoft;l=RAYDEN9711051951WKA6D6YM\x00"))
	f.Add([]byte("c=c=US;a=;p=;l=x"))
	f.Fuzz(func(t *testing.T, b []byte) { checkMTSID(t, b) })
}

// TestIndexStringIsBytesIndex holds indexString to bytes.Index on random
// haystacks and needles over a small alphabet (many near matches).
func TestIndexStringIsBytesIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const alpha = "ab<>@"
	word := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		return b
	}
	for i := 0; i < 20000; i++ {
		hay, needle := word(r.IntN(40)), word(r.IntN(6))
		if got, want := indexString(hay, string(needle)), bytes.Index(hay, needle); got != want {
			t.Fatalf("indexString(%q, %q) = %d, bytes.Index %d", hay, needle, got, want)
		}
	}
}

// hostRE is what isHostName reads by hand.
var hostRE = regexp.MustCompile(`(?i)^\[?[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+\]?$|^\[[0-9.]+\]$`)

// TestIsHostNameIsRegexp holds isHostName to hostRE on the named edges and
// on random printable ASCII words built of label pieces, dots, hyphens,
// brackets and other bytes, labels of 63, 64 and 65 letters included.
func TestIsHostNameIsRegexp(t *testing.T) {
	l63, l64, l65 := strings.Repeat("a", 63), strings.Repeat("b", 64), strings.Repeat("c", 65)
	for _, w := range []string{"", "a", "a.b", "A.B", "a.", ".a", "a..b", "-a.b", "a-.b", "a.-b", "a.b-", "a-b.c-d", "[a.b]", "[a.b", "a.b]", "[[a.b]", "a.b]]",
		"[]", "[", "]", "[.]", "[1]", "[1.2.3.4]", "[1..2]", "1.2.3.4", "[1.2.3.4", "[a]", "a_b.c", "a.b:25",
		l63 + ".x", l64 + ".x", l65 + ".x", "x." + l64, "x." + l65, "[" + l64 + "." + l64 + "]"} {
		if got, want := isHostName([]byte(w)), hostRE.MatchString(w); got != want {
			t.Errorf("isHostName(%q) = %v, hostRE %v", w, got, want)
		}
	}
	r := rand.New(rand.NewPCG(6, 6))
	pieces := []string{"a", "Z", "0", "9", "mail", "example", "-", ".", "..", "[", "]", "_", ":", "@", "~", l63, l64, "x-y", "1.2"}
	matched := 0
	for i := 0; i < 50000; i++ {
		var b []byte
		for k := r.IntN(6); k >= 0; k-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		got, want := isHostName(b), hostRE.Match(b)
		if got != want {
			t.Fatalf("isHostName(%q) = %v, hostRE %v", b, got, want)
		}
		if want {
			matched++
		}
	}
	if matched < 1000 {
		t.Fatalf("only %d of the random words are host names: the test does not reach the matcher's paths", matched)
	}
	for c := 0; c < 0x100; c++ {
		if c >= 0x21 && c < 0x7f {
			w := []byte{'a', byte(c), '.', 'b'}
			if got, want := isHostName(w), hostRE.Match(w); got != want {
				t.Errorf("isHostName(%q) = %v, hostRE %v", w, got, want)
			}
		}
	}
}

// heloByFields is what envelopeFromBlock did before heloIn: the runs of
// printable ASCII, trimmed and split by strings.Fields, matched as strings.
func heloByFields(b []byte) string {
	var runs [][]byte
	start := -1
	for i, c := range b {
		if c >= 0x20 && c < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= 3 {
			runs = append(runs, b[start:i])
		}
		start = -1
	}
	if start >= 0 && len(b)-start >= 3 {
		runs = append(runs, b[start:])
	}
	for _, run := range runs {
		for _, w := range strings.Fields(strings.TrimSpace(string(run))) {
			if hostRE.MatchString(w) {
				return w
			}
		}
	}
	return ""
}

// TestHeloInIsFields holds heloIn to the runs-and-fields search on random
// envelope bytes: host names, spaces, brackets and binary bytes.
func TestHeloInIsFields(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	pieces := []string{"mail.example.org", "a.b", "[10.0.0.1]", "x", " ", "  ", ".", "-", "\x00", "\x01\x02", "\xff", "\t", "SMTP", "ab", "c-d.e", "[1.2]", "host..x", "a-.b"}
	for i := 0; i < 20000; i++ {
		var b []byte
		for k := r.IntN(8); k >= 0; k-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		if got, want := heloIn(b), heloByFields(b); got != want {
			t.Fatalf("heloIn(%q) = %q, by fields %q", b, got, want)
		}
	}
}

// TestQuotedValueIsUnquote holds quotedValue's shortcut to the byte-by-byte
// read on random quoted strings (quotes, backslashes, separators).
func TestQuotedValueIsUnquote(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const alpha = `ab"\; =`
	for n := 0; n < 20000; n++ {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		v := string(b)
		for i := 0; i <= len(v); i++ {
			gv, gi := quotedValue(v, i)
			wv, wi := unquote(v, i)
			if gv != wv || gi != wi {
				t.Fatalf("quotedValue(%q, %d) = %q, %d; unquote %q, %d", v, i, gv, gi, wv, wi)
			}
		}
	}
}

// TestEnvelopePrefixIsSplit holds envelopePrefix's line walk to the
// split into lines it replaced, on random bytes of field lines, binary
// bytes and line ends (empty lines and a missing last one included).
func TestEnvelopePrefixIsSplit(t *testing.T) {
	bySplit := func(b []byte) bool {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if _, _, _, ok := splitFieldLine(line); ok {
				return false
			}
		}
		return true
	}
	pieces := []string{"\n", "\n", "\r\n", "ImCr", "\x00\x01", "To: a", "x", ":", " :", "Subject:", "\xff"}
	r := rand.New(rand.NewPCG(9, 9))
	fields := 0
	for i := 0; i < 20000; i++ {
		var b []byte
		for k := r.IntN(6); k >= 0; k-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		got, want := envelopePrefix(b), bySplit(b)
		if got != want {
			t.Fatalf("envelopePrefix(%q) = %v, by the split %v", b, got, want)
		}
		if !want {
			fields++
		}
	}
	if fields < 2000 || envelopePrefix(nil) != bySplit(nil) {
		t.Fatalf("%d of the random blocks hold a field line", fields)
	}
}
