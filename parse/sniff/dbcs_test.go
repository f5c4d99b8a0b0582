package sniff

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func scanDBCS(charset string) func(chunks [][]byte) int64 {
	return func(chunks [][]byte) int64 {
		d := NewDBCS(charset)
		for _, c := range chunks {
			_, _ = d.Write(c)
		}
		return d.Result()
	}
}

// encodeText encodes s with a real encoder, as a mail client would.
func encodeText(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestDBCSRealText(t *testing.T) {
	tests := []struct {
		charset string
		enc     encoding.Encoding
		text    string
	}{
		{"Shift_JIS", japanese.ShiftJIS, "会議の資料を送ります。ｶﾀｶﾅ も。\r\nよろしく\r\n"},
		{"EUC-JP", japanese.EUCJP, "会議の資料を送ります。ｶﾀｶﾅ も。\r\n"},
		{"ISO-2022-JP", japanese.ISO2022JP, "会議の資料 (PDF) を送ります。\r\nよろしく\r\n"},
		{"GB2312", simplifiedchinese.GBK, "会议资料已发送，请查收。\r\n"},
		{"GB18030", simplifiedchinese.GB18030, "会议资料 € 已发送 😀\r\n"},
		{"Big5", traditionalchinese.Big5, "會議資料已發送，請查收。\r\n"},
		{"ks_c_5601-1987", korean.EUCKR, "회의 자료를 보냅니다. 똠방각하\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.charset, func(t *testing.T) {
			in := encodeText(t, tt.enc, tt.text)
			if got := checkChunkings(t, in, scanDBCS(tt.charset)); got != -1 {
				t.Errorf("clean %s text flagged at %d: % x", tt.charset, got, in)
			}
			// Cut the text after its first lead byte: flagged there.
			lead := bytes.IndexFunc(in, func(r rune) bool { return r >= 0x80 }) // invalid UTF-8 is U+FFFD
			if tt.charset == "ISO-2022-JP" {
				lead = bytes.Index(in, []byte("\x1b$B")) + 3
			}
			cut := append(bytes.Clone(in[:lead+1]), "\r\n"...)
			if got := checkChunkings(t, cut, scanDBCS(tt.charset)); got != int64(lead) {
				t.Errorf("lead byte at %d without trail: got %d (% x)", lead, got, cut)
			}
			if got := ValidDBCSString(tt.charset, in[:lead+1]); got != lead {
				t.Errorf("ValidDBCSString on a cut string = %d, want %d", got, lead)
			}
			if got := ValidDBCSString(tt.charset, in); got != -1 {
				t.Errorf("ValidDBCSString on clean text = %d", got)
			}
		})
	}
}

func TestDBCS(t *testing.T) {
	tests := []struct {
		name, charset, in string
		want              int64
	}{
		{"sjis pair", "sjis", "\x93\xfa\x96\x7b", -1},
		{"sjis trail in ASCII range", "shift_jis", "\x83\x41", -1},
		{"sjis half-width katakana is single", "cp932", "\xb1\xb2\xb3", -1},
		{"sjis lead then CR", "Shift_JIS", "ok\x93\r\n", 2},
		{"sjis lead then space", "windows-31j", "\x93\xfa\x93 x", 2},
		{"sjis lead at end", "x-sjis", "abc\x93", 3},
		{"euc-jp SS2 katakana", "euc-jp", "\x8e\xb1", -1},
		{"euc-jp SS2 bad", "euc-jp", "\x8e\x41", 0},
		{"euc-jp SS3", "euc-jp", "\x8f\xb0\xa1", -1},
		{"euc-jp SS3 short", "euc-jp", "\x8f\xb0\r\n", 0},
		{"euc-jp stray 8-bit ignored", "euc-jp", "\x80\xa4\xa2", -1},
		{"gbk ASCII-range trail", "gbk", "\x81\x40", -1},
		{"gb2312 label lenient like GBK", "GB2312", "\x81\x40", -1},
		{"gbk four-byte form is bad", "gbk", "\x81\x30\x81\x30", 0},
		{"gb18030 four-byte", "gb18030", "\x81\x30\x81\x30", -1},
		{"gb18030 four-byte cut", "gb18030", "\x81\x30\x81", 0},
		{"gb18030 four-byte bad third", "gb18030", "\x81\x30\x20\x30", 0},
		{"big5 bad trail", "big5", "\xa4\x80", 0},
		{"cp949 UHC pair", "ks_c_5601-1987", "\x81\x41", -1},
		{"euc-kr bad trail", "euc-kr", "\xb0\x5b", 0},
		{"2022-jp ASCII only", "iso-2022-jp", "plain text\r\n", -1},
		{"2022-jp odd before escape", "iso-2022-jp", "\x1b$BF|K\x1b(B", 5},
		{"2022-jp odd before line end", "ISO-2022-JP", "\x1b$BF|K\r\n\x1b(B", 5},
		{"2022-jp odd at end", "iso-2022-jp", "\x1b$BF|K", 5},
		{"2022-jp @ set", "iso-2022-jp", "\x1b$@F|\x1b(J", -1},
		{"2022-jp JIS-Roman odd is fine", "iso-2022-jp", "\x1b(Jabc\x1b(B", -1},
		{"2022-jp 8-bit byte", "iso-2022-jp", "abc\xe9", 3},
		{"2022-jp 8-bit as trail", "iso-2022-jp", "\x1b$BF\xe9", 3},
		{"2022-jp space where trail must be", "iso-2022-jp", "\x1b$BF K\x1b(B", 3},
		{"2022-jp mode kept across lines", "iso-2022-jp", "\x1b$BF|\r\nK\\\x1b(B", -1},
		{"2022-jp-2 G2 designation", "iso-2022-jp-2", "\x1b.A\x1bNi", -1},
		{"2022-jp aborted escape", "iso-2022-jp", "\x1b\r\nab", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkChunkings(t, []byte(tt.in), scanDBCS(tt.charset)); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNewDBCSCharsets(t *testing.T) {
	for _, cs := range []string{"Shift_JIS", `"shift_jis"`, " SJIS ", "MS_Kanji", "csShiftJIS", "Windows-31J", "CP932",
		"EUC-JP", "ISO-2022-JP", "GB2312", "GBK", "CP936", "Big5", "EUC-KR", "ks_c_5601-1987", "CP949"} {
		if NewDBCS(cs) == nil {
			t.Errorf("NewDBCS(%q) = nil", cs)
		}
	}
	for _, cs := range []string{"", "us-ascii", "utf-8", "iso-8859-1", "windows-1252", "koi8-r", "utf-16", "shift_jisx"} {
		if NewDBCS(cs) != nil {
			t.Errorf("NewDBCS(%q) is not nil", cs)
		}
		if got := ValidDBCSString(cs, []byte("\x93")); got != -1 {
			t.Errorf("ValidDBCSString(%q) = %d", cs, got)
		}
	}
}

func TestDBCSReset(t *testing.T) {
	d := NewDBCS("sjis")
	_, _ = d.Write([]byte("\x93"))
	d.Reset()
	_, _ = d.Write([]byte("\x93\xfa"))
	if got := d.Result(); got != -1 {
		t.Fatalf("after Reset: %d", got)
	}
}

func FuzzDBCS(f *testing.F) {
	charsets := []string{"shift_jis", "euc-jp", "iso-2022-jp", "gbk", "gb18030", "big5", "cp949"}
	f.Add([]byte(encodeText(f, japanese.ShiftJIS, "会議の資料")), uint8(0), uint16(3))
	f.Add([]byte(encodeText(f, japanese.EUCJP, "会議の資料")), uint8(1), uint16(3))
	f.Add([]byte(encodeText(f, japanese.ISO2022JP, "会議の資料")), uint8(2), uint16(4))
	f.Add([]byte(encodeText(f, simplifiedchinese.GB18030, "会议 😀")), uint8(4), uint16(2))
	f.Add([]byte(encodeText(f, traditionalchinese.Big5, "會議")), uint8(5), uint16(1))
	f.Add([]byte(encodeText(f, korean.EUCKR, "회의")), uint8(6), uint16(1))
	f.Fuzz(func(t *testing.T, in []byte, which uint8, cut uint16) {
		charset := charsets[int(which)%len(charsets)]
		want := scanDBCS(charset)([][]byte{in})
		k := int(cut) % (len(in) + 1)
		if got := scanDBCS(charset)([][]byte{in[:k], in[k:]}); got != want {
			t.Fatalf("%s cut at %d: %d, whole %d", charset, k, got, want)
		}
		if want < -1 || want >= int64(len(in)) {
			t.Fatalf("%s: offset %d outside %d bytes", charset, want, len(in))
		}
		if want >= 0 && charset != "iso-2022-jp" && in[want] < 0x80 {
			t.Fatalf("%s: offset %d points at ASCII %q", charset, want, in[want])
		}
		if got := ValidDBCSString(charset, in); int64(got) != want {
			t.Fatalf("ValidDBCSString %d, Write %d", got, want)
		}
	})
}

func BenchmarkDBCSWrite(b *testing.B) {
	body := encodeText(b, japanese.ShiftJIS, strings.Repeat("会議の資料を送ります。Meeting notes attached.\r\n", 20000))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDBCS("shift_jis")
		for c := body; len(c) > 0; {
			n := min(4096, len(c))
			_, _ = d.Write(c[:n])
			c = c[n:]
		}
		if d.Result() != -1 {
			b.Fatal(d.Result())
		}
	}
}

// normalizeLabel is what dbcsKindOf looked labels up by before it lowered
// them on the stack.
func normalizeLabel(label string) string {
	return strings.ToLower(strings.Trim(label, " \t\r\n\"'"))
}

// TestDBCSKindOfIsNormalizeLabel holds dbcsKindOf to the lowered copy on
// every known label in random case, quoted and padded, near misses,
// labels with runes whose Unicode lowering is ASCII (U+212A KELVIN SIGN
// in "ks_c_5601") or not (U+0130), and labels past its 64-byte buffer.
func TestDBCSKindOfIsNormalizeLabel(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	var labels []string
	for l := range dbcsLabels {
		labels = append(labels, l, l+"x", l[:len(l)-1])
	}
	labels = append(labels, "UTF-8", "iso-8859-1", "", "\"\"", "\u212As_c_5601", "\u0130so-2022-jp", "shift_j\u0131s",
		strings.Repeat("a", 64), strings.Repeat("A", 65), "\xff\xfe", "euc-kr\x00")
	known := 0
	for i := 0; i < 20000; i++ {
		b := []byte(labels[r.IntN(len(labels))])
		for k := range b {
			if r.IntN(2) == 0 && b[k] >= 'a' && b[k] <= 'z' {
				b[k] -= 'a' - 'A'
			}
		}
		l := string(b)
		switch r.IntN(4) {
		case 0:
			l = " \"" + l + "\"\t"
		case 1:
			l = "'" + l + "\r\n"
		}
		got, want := dbcsKindOf(l), dbcsLabels[normalizeLabel(l)]
		if got != want {
			t.Fatalf("dbcsKindOf(%q) = %d, by the lowered copy %d", l, got, want)
		}
		if KnownDBCS(l) != (want != dbcsNone) || (NewDBCS(l) != nil) != (want != dbcsNone) {
			t.Fatalf("KnownDBCS(%q) = %v, NewDBCS %v, want %v", l, KnownDBCS(l), NewDBCS(l) != nil, want != dbcsNone)
		}
		if want != dbcsNone {
			known++
		}
	}
	if known < 5000 {
		t.Fatalf("only %d known labels drawn", known)
	}
}
