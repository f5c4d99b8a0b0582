package rules

import (
	"math/rand"
	"net/mail"
	"testing"
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
