package rules

import (
	"fmt"
	"math/rand"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// randomText draws n bytes from an alphabet rich in what the prefilters
// look at (digits, '-', '/', month letters, case, a folding rune).
func randomText(r *rand.Rand, n int) string {
	const alpha = "0123456789-/:,.+ ()TZjanfebmrpyulgsoctvdJANFEBSEPxq\t\r\n"
	b := make([]byte, 0, n)
	for len(b) < n {
		if r.Intn(40) == 0 {
			b = append(b, "ſ"...)
			continue
		}
		b = append(b, alpha[r.Intn(len(alpha))])
	}
	return string(b)
}

// TestMayHoldDateNeverHidesAMatch: the prefilter is true for every string
// commentDateRE matches, on dates of every shape and random text.
func TestMayHoldDateNeverHidesAMatch(t *testing.T) {
	cases := []string{"14Feb98", "14-Feb-1998", "14 feb 1998", "Feb 14 1998", "SEPT 3, 10:22", "1998-02-14",
		"2/14/98", "(2/14/1998)", "ſep 14 1998", "5.5.2653.13", "8.9.3/8.9.3", "8.12.11.20060308", "Microsoft SMTPSVC"}
	r := rand.New(rand.NewSource(1))
	for i, n := 0, len(cases); i < 30000; i++ {
		// A known shape with a few bytes replaced, or random text.
		b := []byte(cases[r.Intn(n)])
		for k := r.Intn(4); k > 0; k-- {
			b[r.Intn(len(b))] = randomText(r, 1)[0]
		}
		cases = append(cases, string(b), randomText(r, 1+r.Intn(14)))
	}
	hits := 0
	for _, s := range cases {
		if commentDateRE.MatchString(s) {
			hits++
			if !mayHoldDate(s) {
				t.Fatalf("mayHoldDate(%q) = false, but commentDateRE matches", s)
			}
		}
	}
	if hits < 100 {
		t.Fatalf("only %d matching strings drawn: the test proves little", hits)
	}
}

// TestParseMailDateIsMailParseDate: the fast path gives mail.ParseDate's
// verdict.
func TestParseMailDateIsMailParseDate(t *testing.T) {
	cases := []string{"Wed, 14 Mar 2001 19:28:05 -0500", "Wed, 4 Mar 2001 19:28:05 +0100", "14 Mar 2001 19:28:05 -0500",
		"Wed, 14 Mar 2001 19:28 -0500", "Wed, 14 Mar 01 19:28:05 -0500", "Wed, 14 Mar 2001 19:28:05 EST",
		"Wed, 14 Mar 2001 19:28:05 -0500 (EST)", "Wed, 32 Mar 2001 19:28:05 -0500", "Wed, 14 Mar 2001 19:28:05 -05",
		"Wed, 14 Mar 2001\r\n 19:28:05 -0500", "Wed, 14 Mar 2001 19:28:05 -0500\r", "Xyz, 14 Mar 2001 19:28:05 -0500",
		"Wed,  14 Mar 2001 19:28:05 -0500", "Wed, 14 Mar -2001 19:28:05 -0500", "Wed, 14 Mar 2001 19:28:05 -05000", ""}
	r := rand.New(rand.NewSource(2))
	const base = "Wed, 14 Mar 2001 19:28:05 -0500"
	for i := 0; i < 4000; i++ {
		b := []byte(base)
		for k := r.Intn(3); k >= 0; k-- {
			b[r.Intn(len(b))] = "0123456789 -+:,MWTZ()\r\n"[r.Intn(23)]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		_, want := mail.ParseDate(s)
		if got := parseMailDate(s); (got == nil) != (want == nil) {
			t.Fatalf("parseMailDate(%q) = %v, mail.ParseDate: %v", s, got, want)
		}
	}
}

// TestMayHoldEmptyEncodedWordNeverHidesAMatch: every value
// emptyEncodedWordRE matches passes the prefilter.
func TestMayHoldEmptyEncodedWordNeverHidesAMatch(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	pieces := []string{"=?", "?", "??=", "?=", "utf-8", "B", "q", "Q", " ", "\t", "=", "x", "?B?", "?Q??="}
	hits := 0
	for i := 0; i < 30000; i++ {
		var b []byte
		for k := r.Intn(8); k >= 0; k-- {
			b = append(b, pieces[r.Intn(len(pieces))]...)
		}
		v := string(b)
		if emptyEncodedWordRE.MatchString(v) {
			hits++
			if !mayHoldEmptyEncodedWord(v) {
				t.Fatalf("%q matches, but the prefilter says no", v)
			}
		}
	}
	if hits < 100 {
		t.Fatalf("only %d matches: the test proves little", hits)
	}
}

// TestPlainDateIsTimeParse holds the hand reading of rfc5322Date to
// time.Parse: every value plainDate accepts, time.Parse accepts, on valid
// dates of every month's last days in leap and common years (1900, 2000,
// 2004, 2100), one- and two-digit days, any case, and random mutations of
// them (time.Parse also takes runs of spaces, one-digit hours, zones up
// to 2460: those it is left to); and it accepts at least three quarters
// of the valid ones (else the fast path is dead).
func TestPlainDateIsTimeParse(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	days := []string{"Sun", "mon", "TUE", "wEd", "Thu", "Fri", "Sat"}
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "jan", "FEB"}
	var cases []string
	for _, y := range []int{1900, 1999, 2000, 2004, 2026, 2100, 0} {
		for _, mo := range months {
			for _, d := range []string{"1", "01", "9", "28", "29", "30", "31", "32", "0", "00"} {
				cases = append(cases, fmt.Sprintf("%s, %s %s %04d 23:59:59 +0100", days[r.Intn(len(days))], d, mo, y))
			}
		}
	}
	const alpha = "0123456789 -+:,MWTZSJanFeb@[`{\r\n\x00\xff"
	for i, n := 0, len(cases); i < 20000; i++ {
		b := []byte(cases[r.Intn(n)])
		for k := r.Intn(3); k >= 0; k-- {
			switch p := r.Intn(len(b)); r.Intn(3) {
			case 0:
				b[p] = alpha[r.Intn(len(alpha))]
			case 1:
				b = append(b[:p], b[p+1:]...)
			default:
				b = append(b[:p], append([]byte{alpha[r.Intn(len(alpha))]}, b[p:]...)...)
			}
		}
		cases = append(cases, string(b))
	}
	cases = append(cases, "Wed, 14 Mar 2001 24:00:00 -0500", "Wed, 14 Mar 2001 23:60:00 -0500", "Wed, 14 Mar 2001 23:00:60 -0500",
		"Wed, 14 Mar 2001 23:00:00 -2400", "Wed, 14 Mar 2001 23:00:00 -0060", "Wed, 14 Mar 2001 23:00:00 -2500", "Wed, 14 Mar 2001 23:00:00 +9900",
		"Wed, 14 Mar 2001 23:00:00 -0061", "Wed, 14 Mar 2001 23:00:00 +0099", "Wed, 14 Mar 2001 99:00:00 +0000", "Wed, 14 Mar 2001 00:99:00 +0000", "Wed, 14 Mar 2001 23:00:00 *0100", "Wed, 14 Mar 2001 9:00:00 -0500")
	accepted, valid := 0, 0
	for _, s := range cases {
		_, err := time.Parse(rfc5322Date, s)
		if err == nil {
			valid++
		}
		if err == nil && !plainDate(s) && testing.Verbose() {
			t.Logf("left to time.Parse: %q", s)
		}
		if plainDate(s) {
			accepted++
			if err != nil {
				t.Fatalf("plainDate(%q) = true, time.Parse: %v", s, err)
			}
		}
		_, want := mail.ParseDate(s)
		if got := parseMailDate(s); (got == nil) != (want == nil) {
			t.Fatalf("parseMailDate(%q) = %v, mail.ParseDate: %v", s, got, want)
		}
	}
	if accepted < valid*3/4 || accepted < 500 {
		t.Fatalf("plainDate accepted %d of the %d values time.Parse accepts", accepted, valid)
	}
}

// TestFirstNonASCIIIsByteLoop: the eight-at-a-time search finds the byte
// the byte-by-byte loop finds, at every position of strings of 0-40 bytes
// with zero, one or two bytes at or above 0x80 (0x80, 0xff).
func TestFirstNonASCIIIsByteLoop(t *testing.T) {
	loop := func(s string) int {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return i
			}
		}
		return -1
	}
	r := rand.New(rand.NewSource(4))
	found := 0
	for n := 0; n <= 40; n++ {
		for i := 0; i < 300; i++ {
			b := make([]byte, n)
			for k := range b {
				b[k] = byte(r.Intn(0x80))
			}
			for k := r.Intn(3); k > 0 && n > 0; k-- {
				b[r.Intn(n)] = []byte{0x80, 0xff, 0xc3}[r.Intn(3)]
			}
			s := string(b)
			got, want := firstNonASCII(s), loop(s)
			if got != want {
				t.Fatalf("firstNonASCII(%q) = %d, the byte loop %d", s, got, want)
			}
			if want >= 8 {
				found++
			}
		}
	}
	if found < 1000 {
		t.Fatalf("only %d strings with an 8-bit byte past the first word", found)
	}
}

// TestNextCommentIsScanAddressList: the comments nextComment walks are
// scanAddressList's, on random values of quotes, backslashes, brackets,
// parentheses (nested, unclosed) and separators.
func TestNextCommentIsScanAddressList(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	const alpha = `()()<>[]"\;:, a1`
	seen := 0
	for n := 0; n < 30000; n++ {
		b := make([]byte, r.Intn(24))
		for i := range b {
			b[i] = alpha[r.Intn(len(alpha))]
		}
		v := string(b)
		var got [][2]int
		for start, end := nextComment(v, 0); start >= 0; start, end = nextComment(v, end) {
			got = append(got, [2]int{start, end})
		}
		want := scanAddressList(v).comments
		if fmt.Sprint(got) != fmt.Sprint(want) && len(got)+len(want) > 0 {
			t.Fatalf("nextComment(%q): %v, scanAddressList %v", v, got, want)
		}
		seen += len(want)
	}
	if seen < 10000 {
		t.Fatalf("only %d comments in the random values", seen)
	}
}

// TestPrintableASCIIIsByteLoop: the eight-at-a-time test answers as a
// byte loop on strings of 0-40 bytes with zero, one or two bytes outside
// 0x20-0x7E (every such byte value), and invalidCTByte with it as
// without it.
func TestPrintableASCIIIsByteLoop(t *testing.T) {
	loop := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7E {
				return false
			}
		}
		return true
	}
	r := rand.New(rand.NewSource(6))
	var bad []byte
	for c := 0; c < 0x100; c++ {
		if c < 0x20 || c > 0x7E {
			bad = append(bad, byte(c))
		}
	}
	for n := 0; n <= 40; n++ {
		for i := 0; i < 400; i++ {
			b := make([]byte, n)
			for k := range b {
				b[k] = byte(0x20 + r.Intn(0x5F))
			}
			for k := r.Intn(3); k > 0 && n > 0; k-- {
				b[r.Intn(n)] = bad[r.Intn(len(bad))]
			}
			if r.Intn(4) == 0 && n > 2 {
				copy(b[r.Intn(n-2):], "\"\x1b$B\"")
			}
			s := string(b)
			if got, want := printableASCII(s), loop(s); got != want {
				t.Fatalf("printableASCII(%q) = %v, the byte loop %v", s, got, want)
			}
		}
	}
	for _, c := range bad {
		for n := 1; n <= 17; n++ {
			b := []byte(strings.Repeat("a", n))
			b[n-1] = c
			if printableASCII(string(b)) {
				t.Fatalf("printableASCII(%q) = true", b)
			}
		}
	}
}

// TestByteTablesArePredicates holds the byte tables to the predicates
// they were built from, for every byte value: tokenByte to RFC 2045's
// token bytes, atextByte to RFC 5322's atext.
func TestByteTablesArePredicates(t *testing.T) {
	tok, atext := 0, 0
	for c := 0; c < 256; c++ {
		b := byte(c)
		wantTok := b > ' ' && b < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(b))
		if tokenByte[b] != wantTok || isToken(string([]byte{b})) != wantTok {
			t.Errorf("byte %#x: token %v, want %v", b, tokenByte[b], wantTok)
		}
		wantAtext := b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", rune(b)))
		if isAtext(b) != wantAtext {
			t.Errorf("byte %#x: atext %v, want %v", b, isAtext(b), wantAtext)
		}
		if wantTok {
			tok++
		}
		if wantAtext {
			atext++
		}
	}
	if tok != 94-len(`()<>@,;:\"/[]?=`) || atext != 26*2+10+19 {
		t.Fatalf("%d token bytes, %d atext bytes", tok, atext)
	}
}

// TestCommentAndMacParamFindings pins what two rules report, finding by
// finding, where they now find their comments with nextComment and their
// parameter names with asciifold: a To comment with only ';', one with
// ',' after a quoted string holding "(", and Macintosh parameters in
// upper and mixed case beside a good one.
func TestCommentAndMacParamFindings(t *testing.T) {
	raw := "From: a@example.org\r\nTo: \"x (y\" <b@example.org> (team; IN)\r\nCc: c@example.org (one, two)\r\n" +
		"Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream; X-MAC-TYPE=\"AB\"; x-Mac-Creator=ABCD; X-Mac-Creator=\"TOOLONG\"\r\n\r\nbody\r\n"
	m := parseBytes(t, []byte(raw), "IN")
	var got []string
	for _, f := range Check(m, nil) {
		if f.Rule == "address-comment-separator" || f.Rule == "mac-attributes-invalid" {
			got = append(got, f.Rule+": "+f.Detail)
		}
	}
	want := []string{
		`address-comment-separator: To comment "(team; IN)" holds a list separator: the store mis-computes the end of the field`,
		`address-comment-separator: Cc comment "(one, two)" holds a list separator: the store mis-computes the end of the field`,
		`mac-attributes-invalid: X-MAC-TYPE="AB" is not 4 characters or 8 hex digits (IS 12006 + 4117)`,
		`mac-attributes-invalid: X-Mac-Creator="TOOLONG" is not 4 characters or 8 hex digits (IS 12006 + 4117)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
