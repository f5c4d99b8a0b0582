package sniff

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

func TestCheckEncodedWords(t *testing.T) {
	type p = EncodedWordProblem
	tests := []struct {
		name, value string
		want        []p
	}{
		{"plain", "Hello world", nil},
		{"valid B", "=?utf-8?B?w6l0w6k=?=", nil},
		{"valid Q", "Re: =?ISO-8859-1?Q?caf=E9_cr=e8me?= ok", nil},
		{"two words", "=?utf-8?q?a?= =?utf-8?b?YQ==?=", nil},
		{"language suffix", "=?utf-8*en?Q?hi?=", nil},
		{"question in text", "1+1=? 2", nil},
		{"bare opener", "=?", nil},
		{"opener then space", "x =? y ?= z", nil},
		{"empty charset", "=??Q?a?=", nil},
		{"unknown charset", "=?x-unknown-gibberish?Q?a?=", []p{{0, EWUnknownCharset, `charset "x-unknown-gibberish"`}}},
		{"bad encoding letter", "a =?utf-8?X?abc?=", []p{{2, EWBadEncoding, `encoding "X", want B or Q`}}},
		{"encoding word", "=?utf-8?base64?YQ==?=", []p{{0, EWBadEncoding, `encoding "base64", want B or Q`}}},
		{"empty encoding", "=?utf-8??YQ==?=", []p{{0, EWBadEncoding, `encoding "", want B or Q`}}},
		{"B no padding", "=?utf-8?B?w6k?=", []p{{0, EWBadBase64, "3 characters, not a multiple of 4"}}},
		{"B bad char", "=?utf-8?B?w6!k?=", []p{{0, EWBadBase64, `byte '!' is not base64`}}},
		{"B data after padding", "=?utf-8?B?YQ==YQ==?=", []p{{0, EWBadBase64, "bad padding"}}},
		{"Q short escape", "=?utf-8?Q?caf=E?=", []p{{0, EWBadQ, `"=E" at index 13 is not =XX`}}},
		{"Q bad hex", "=?utf-8?Q?caf=G9?=", []p{{0, EWBadQ, `"=G9" at index 13 is not =XX`}}},
		{"missing close", "=?utf-8?Q?abc", []p{{0, EWMalformed, "=?utf-8?Q?: no closing ?="}}},
		{"space inside", "=?utf-8?Q?a b?=", []p{{0, EWMalformed, "=?utf-8?Q?: white space at index 11 before the closing ?="}}},
		{"no encoding field", "=?utf-8?Q", []p{{0, EWMalformed, "=?utf-8? has no encoding field"}}},
		{"too long", "=?utf-8?Q?" + strings.Repeat("a", 70) + "?=", []p{{0, EWTooLong, "82 characters, RFC 2047 allows 75"}}},
		{"two problems", "=?bogus-cs?B?!!?=", []p{
			{0, EWUnknownCharset, `charset "bogus-cs"`}, {0, EWBadBase64, `byte '!' is not base64`}}},
		{"second word bad", "=?utf-8?Q?ok?= =?utf-8?Z?x?=", []p{{15, EWBadEncoding, `encoding "Z", want B or Q`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckEncodedWords([]byte(tt.value))
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("problem %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestCheckEncodedWordsNoAllocation(t *testing.T) {
	value := []byte("Re: =?ISO-8859-1?Q?caf=E9_cr=e8me?= and plain text")
	KnownCharset("ISO-8859-1")
	if allocs := testing.AllocsPerRun(100, func() { CheckEncodedWords(value) }); allocs != 0 {
		t.Fatalf("a clean value costs %v allocations", allocs)
	}
}

// bWord encodes s in charset enc as an RFC 2047 B word.
func bWord(t *testing.T, label string, enc encoding.Encoding, s string) string {
	t.Helper()
	return "=?" + label + "?B?" + base64.StdEncoding.EncodeToString(encodeText(t, enc, s)) + "?="
}

func TestDecodeHeaderValue(t *testing.T) {
	tests := []struct {
		name, value, want string
		ok                bool
	}{
		{"plain", "Hello", "Hello", true},
		{"utf-8", "=?utf-8?B?w6l0w6k=?=", "été", true},
		{"latin-1 Q", "=?iso-8859-1?Q?caf=E9?=", "café", true},
		{"iso-2022-jp", bWord(t, "ISO-2022-JP", japanese.ISO2022JP, "会議の資料"), "会議の資料", true},
		{"shift_jis", bWord(t, "Shift_JIS", japanese.ShiftJIS, "会議の資料"), "会議の資料", true},
		{"koi8-r", bWord(t, "koi8-r", charmap.KOI8R, "Привет"), "Привет", true},
		{"windows-1252", "=?windows-1252?Q?=80_5?=", "€ 5", true},
		{"adjacent words joined", "=?utf-8?Q?a?= =?utf-8?Q?b?=", "ab", true},
		{"unknown charset", "=?x-unknown-gibberish?Q?a?=", "=?x-unknown-gibberish?Q?a?=", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DecodeHeaderValue([]byte(tt.value))
			if got != tt.want || ok != tt.ok {
				t.Errorf("DecodeHeaderValue(%q) = %q, %v; want %q, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzEncodedWords(f *testing.F) {
	for _, s := range []string{
		"=?utf-8?B?w6l0w6k=?=", "Re: =?ISO-8859-1?Q?caf=E9?=", "=?x-bogus?X?abc", "=?utf-8?Q?a b?=",
		"=?iso-2022-jp?B?GyRCMnFERBsoQg==?=", "1+1=? 2", "=?utf-8*en?q?=4", "=?=?=?",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		problems := CheckEncodedWords(value)
		last := -1
		for _, p := range problems {
			if p.Offset < last || p.Offset+2 > len(value) || string(value[p.Offset:p.Offset+2]) != "=?" {
				t.Fatalf("bad offset in %+v for %q", p, value)
			}
			if p.Kind == "" || p.Detail == "" {
				t.Fatalf("empty problem %+v", p)
			}
			last = p.Offset
		}
		DecodeHeaderValue(value)
	})
}

func BenchmarkCheckEncodedWords(b *testing.B) {
	value := []byte("Re: =?ISO-8859-1?Q?caf=E9_cr=e8me?= =?utf-8?B?w6l0w6k=?= and plain text")
	b.ReportAllocs()
	for b.Loop() {
		CheckEncodedWords(value)
	}
}
