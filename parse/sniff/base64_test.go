package sniff

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// decodeBase64Lines feeds body to a Base64 line by line (split at LF, CR
// kept off as the parser does) and returns the output and verdict.
func decodeBase64Lines(body []byte) ([]byte, Base64Result) {
	var b Base64
	var out []byte
	var off int64
	for _, line := range bytes.SplitAfter(body, []byte("\n")) {
		n := len(line)
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		out = b.Line(line, off, out)
		off += int64(n)
	}
	return b.Finish(out)
}

func TestBase64(t *testing.T) {
	tests := []struct {
		name, body string
		want       Base64Result
		decoded    string
	}{
		{"valid", "QUJD", Base64Result{BadChar: -1, Chars: 4}, "ABC"},
		{"valid one pad", "QUI=", Base64Result{BadChar: -1, Chars: 4}, "AB"},
		{"valid two pads", "QQ==", Base64Result{BadChar: -1, Chars: 4}, "A"},
		{"empty", "", Base64Result{BadChar: -1}, ""},
		{"lines CRLF", "QUJD\r\nREVG\r\nRw==\r\n", Base64Result{BadChar: -1, Chars: 12}, "ABCDEFG"},
		{"group across lines", "QU\r\nJD\r\n", Base64Result{BadChar: -1, Chars: 4}, "ABC"},
		{"spaces and tabs ignored", " QU JD\t\r\nRE VG \r\n", Base64Result{BadChar: -1, Chars: 8}, "ABCDEF"},
		{"bare CR inside a line ignored", "QU\rJD", Base64Result{BadChar: -1, Chars: 4}, "ABC"},
		{"bad char", "QUJD\r\nRE!VG\r\n", Base64Result{BadChar: 8, Chars: 8}, "ABCDEF"},
		{"first bad char kept", "Q*UJD-", Base64Result{BadChar: 1, Chars: 4}, "ABC"},
		{"url-safe alphabet is bad", "QU_D", Base64Result{BadChar: 2, Chars: 3, BadLength: true}, "A@"},
		{"form feed is bad", "QUJD\f", Base64Result{BadChar: 4, Chars: 4}, "ABC"},
		{"8-bit byte", "QU\xe9JD", Base64Result{BadChar: 2, Chars: 4}, "ABC"},
		{"no padding", "QUI", Base64Result{BadChar: -1, Chars: 3, BadLength: true}, "AB"},
		{"one char", "QUJDR", Base64Result{BadChar: -1, Chars: 5, BadLength: true}, "ABC"},
		{"half padding", "QQ=", Base64Result{BadChar: -1, Chars: 3, BadPadding: true, BadLength: true}, "A"},
		{"pad at group start", "QUJD=", Base64Result{BadChar: -1, Chars: 5, BadPadding: true, BadLength: true}, "ABC"},
		{"pad at second place", "Q===", Base64Result{BadChar: -1, Chars: 4, BadPadding: true}, ""},
		{"three pads", "QQ===", Base64Result{BadChar: -1, Chars: 5, BadPadding: true, BadLength: true}, "A"},
		{"data after padding", "QQ==QUJD", Base64Result{BadChar: -1, Chars: 8, BadPadding: true}, "AABC"},
		{"data after padding next line", "QUI=\r\nQUJD\r\n", Base64Result{BadChar: -1, Chars: 8, BadPadding: true}, "ABABC"},
		{"pad then space then pad", "QQ= =", Base64Result{BadChar: -1, Chars: 4}, "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, got := decodeBase64Lines([]byte(tt.body))
			if got != tt.want {
				t.Errorf("result %+v, want %+v", got, tt.want)
			}
			if string(out) != tt.decoded {
				t.Errorf("decoded %q, want %q", out, tt.decoded)
			}
		})
	}
}

func TestBase64MatchesStdlib(t *testing.T) {
	for n := 0; n < 200; n++ {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(i*131 + n)
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		var body strings.Builder
		for len(enc) > 76 {
			body.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		body.WriteString(enc + "\r\n")
		out, res := decodeBase64Lines([]byte(body.String()))
		if !bytes.Equal(out, raw) {
			t.Fatalf("n=%d: decoded %x, want %x", n, out, raw)
		}
		if res != (Base64Result{BadChar: -1, Chars: int64(len(base64.StdEncoding.EncodeToString(raw)))}) {
			t.Fatalf("n=%d: result %+v", n, res)
		}
	}
}

// TestBase64LineSplits cuts one line into two lines at every position: a
// group that spans lines must decode and validate the same.
func TestBase64LineSplits(t *testing.T) {
	for _, body := range []string{"QUJDREVGRw==", "QUJ!DREV=Gw", "QQ==QUJD", "QUJ", "Q U=J D"} {
		wantOut, want := decodeBase64Lines([]byte(body))
		for i := 0; i <= len(body); i++ {
			var b Base64
			out := b.Line([]byte(body[:i]), 0, nil)
			out = b.Line([]byte(body[i:]), int64(i), out)
			out, got := b.Finish(out)
			if got != want || !bytes.Equal(out, wantOut) {
				t.Errorf("%q split at %d: %+v %q, want %+v %q", body, i, got, out, want, wantOut)
			}
		}
	}
}

func TestBase64Reset(t *testing.T) {
	var b Base64
	b.Line([]byte("Q!="), 0, nil)
	b.Reset()
	out, res := b.Finish(b.Line([]byte("QUJD"), 100, nil))
	if string(out) != "ABC" || res != (Base64Result{BadChar: -1, Chars: 4}) {
		t.Fatalf("after Reset: %q %+v", out, res)
	}
}

func TestBase64LineAllocations(t *testing.T) {
	var b Base64
	line := []byte(strings.Repeat("QUJD", 19))
	out := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		out = b.Line(line, 0, out[:0])
	})
	if allocs != 0 {
		t.Fatalf("Line allocates %v times per call with a reused buffer", allocs)
	}
}

func FuzzBase64(f *testing.F) {
	for _, s := range []string{
		"QUJD\r\nREVG\r\nRw==\r\n", "SGVsbG8sIHdvcmxkIQ==", "QQ==QUJD", "QUJ", "Q===", "QU!JD",
		"TWFu\r\nIGlz\r\nIGRp\r\nc3Rp\r\nbmd1\r\naXNo\r\nZWQ=\r\n", "  QQ = =  \r\n", "\xff\x00QQ",
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, body []byte, cut uint8) {
		out, res := decodeBase64Lines(body)
		countMatchesLine(t, body, int(cut))

		// One line cut into two lines anywhere decodes the same.
		line := bytes.ReplaceAll(bytes.ReplaceAll(body, []byte("\r"), nil), []byte("\n"), nil)
		k := int(cut) % (len(line) + 1)
		var whole, split Base64
		outWhole, resWhole := whole.Finish(whole.Line(line, 0, nil))
		outSplit, resSplit := split.Finish(split.Line(line[k:], int64(k), split.Line(line[:k], 0, nil)))
		if resWhole != resSplit || !bytes.Equal(outWhole, outSplit) {
			t.Fatalf("cut at %d: %+v %x, whole line %+v %x", k, resSplit, outSplit, resWhole, outWhole)
		}
		if res.BadChar >= int64(len(body)) || res.BadChar < -1 {
			t.Fatalf("BadChar %d outside the body", res.BadChar)
		}
		if res.BadChar >= 0 && base64Table[body[res.BadChar]] != base64Bad {
			t.Fatalf("BadChar %d points at %q, which is not bad", res.BadChar, body[res.BadChar])
		}

		// Against the standard library on the same characters.
		stripped := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, body)
		if bytes.ContainsRune(stripped, 0xFFFD) {
			return // bytes.Map rewrote invalid UTF-8; the comparison would be unfair
		}
		want, err := base64.StdEncoding.DecodeString(string(stripped))
		valid := res.BadChar < 0 && !res.BadPadding && !res.BadLength
		if (err == nil) != valid {
			t.Fatalf("stdlib err %v, ours %+v", err, res)
		}
		if err == nil && !bytes.Equal(out, want) {
			t.Fatalf("decoded %x, stdlib %x", out, want)
		}
	})
}

// base64Body builds about 1 MiB of MIME base64: 76-character lines.
func base64Body() (body []byte, lines [][]byte) {
	raw := make([]byte, 3<<18)
	for i := range raw {
		raw[i] = byte(i*7 + i>>8)
	}
	enc := []byte(base64.StdEncoding.EncodeToString(raw))
	for len(enc) > 0 {
		n := min(76, len(enc))
		lines = append(lines, enc[:n])
		body = append(body, enc[:n]...)
		body = append(body, '\r', '\n')
		enc = enc[n:]
	}
	return body, lines
}

func BenchmarkBase64Line(b *testing.B) {
	body, lines := base64Body()
	out := make([]byte, 0, 128)
	var dec Base64
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		dec.Reset()
		var off int64
		for _, line := range lines {
			out = dec.Line(line, off, out[:0])
			off += int64(len(line) + 2)
		}
		dec.Finish(out)
	}
}

// BenchmarkStdlibBase64Lines decodes the same lines with
// encoding/base64, for comparison (it validates less: no offsets).
func BenchmarkStdlibBase64Lines(b *testing.B) {
	body, lines := base64Body()
	out := make([]byte, 128)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		for _, line := range lines {
			if _, err := base64.StdEncoding.Decode(out, line); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkStdlibBase64Reader is what go-message does: a base64.NewDecoder
// over the whole body.
func BenchmarkStdlibBase64Reader(b *testing.B) {
	body, _ := base64Body()
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		d := base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body))
		for {
			n, err := d.Read(buf)
			if n == 0 && err != nil {
				break
			}
		}
	}
}

// countMatchesLine feeds body's lines to one decoder by Line and to another
// by Count, switching from Line to Count after the first cut lines: every
// Count must return what its Line appended, and the two decoders must end
// in the same state, with the same Finish.
func countMatchesLine(t *testing.T, body []byte, cut int) {
	t.Helper()
	var byLine, byCount Base64
	var off int64
	var out []byte
	for i, line := range bytes.SplitAfter(body, []byte("\n")) {
		n := len(line)
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		out = byLine.Line(line, off, out[:0])
		if i < cut {
			byCount.Line(line, off, nil)
		} else if got := byCount.Count(line, off); got != len(out) {
			t.Fatalf("line %d %q: Count %d, Line appended %d", i, line, got, len(out))
		}
		if byLine != byCount {
			t.Fatalf("line %d %q: state after Count %+v, after Line %+v", i, line, byCount, byLine)
		}
		off += int64(n)
	}
	outLine, resLine := byLine.Finish(nil)
	outCount, resCount := byCount.Finish(nil)
	if resLine != resCount || !bytes.Equal(outLine, outCount) {
		t.Fatalf("Finish after Count %+v %x, after Line %+v %x", resCount, outCount, resLine, outLine)
	}
}

// TestBase64CountIsLine holds Count to Line on the bodies above and on
// generated ones of every length, valid and not.
func TestBase64CountIsLine(t *testing.T) {
	bodies := []string{"QUJDREVGRw==", "QUJ!DREV=Gw", "QQ==QUJD", "QUJ", "Q U=J D", "Q===", "\xff\x00QQ",
		"QUJD\r\nREVG\r\nRw==\r\n", "  QQ = =  \r\nQUJDREVG\r\n", "QUJDREVGQUJDREVG=QUJDREVG\r\nQQ\r\nQQ==\r\n"}
	for n := 0; n < 300; n++ {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(i*131 + n)
		}
		enc := []byte(base64.StdEncoding.EncodeToString(raw))
		if n%3 == 1 && len(enc) > 0 {
			enc[(n*7)%len(enc)] = "!=- \x00"[n%5]
		}
		var body strings.Builder
		for len(enc) > 76 {
			body.Write(enc[:76])
			body.WriteString("\r\n")
			enc = enc[76:]
		}
		body.Write(enc)
		bodies = append(bodies, body.String())
	}
	for _, b := range bodies {
		for cut := 0; cut < 3; cut++ {
			countMatchesLine(t, []byte(b), cut)
		}
	}
}
