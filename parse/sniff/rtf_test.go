package sniff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func scanRTF(chunks [][]byte) model.RTFScan {
	var r RTF
	for _, c := range chunks {
		_, _ = r.Write(c)
	}
	return r.Result()
}

// A body as Outlook's RTF writer produces it, trimmed.
const sampleRTF = `{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}` + "\r\n" +
	`{\*\generator Msftedit 5.41.15.1507;}\viewkind4\uc1\pard\f0\fs20 Hello \{world\} C:\\temp\\\par` + "\r\n" +
	`\'e9t\'e9\par` + "\r\n}\r\n"

func TestRTF(t *testing.T) {
	ok := func(balance int64) model.RTFScan { return model.RTFScan{StartsWithRTF: true, Balance: balance} }
	tests := []struct {
		name, in string
		want     model.RTFScan
	}{
		{"sample", sampleRTF, ok(0)},
		{"minimal", `{\rtf1}`, ok(0)},
		{"signature only", `{\rtf`, ok(1)},
		{"unclosed", `{\rtf1 {\b bold}`, ok(1)},
		{"escaped braces", `{\rtf1 \{ \} \\}`, ok(0)},
		{"escaped backslash then brace", `{\rtf1 \\}`, ok(0)},
		{"bin skips braces", `{\rtf1 \bin3 }}}}`, ok(0)},
		{"bin without space", `{\rtf1\bin3{{{}`, ok(0)},
		{"bin data with backslash", `{\rtf1 {\bin2 \{}}`, ok(0)},
		{"bin0", `{\rtf1 \bin0 }`, ok(0)},
		{"bin no param", `{\rtf1 \bin }`, ok(0)},
		{"binary is another word", `{\rtf1 \binary3 }}`, model.RTFScan{StartsWithRTF: true, Balance: -1, Underflow: true}},
		{"bi is another word", `{\rtf1 \bi3 }}`, model.RTFScan{StartsWithRTF: true, Balance: -1, Underflow: true}},
		{"negative bin skips nothing", `{\rtf1 \bin-3 }}`, model.RTFScan{StartsWithRTF: true, Balance: -1, Underflow: true}},
		{"bin longer than body", `{\rtf1 \bin100 }}`, ok(1)},
		{"leading space", ` {\rtf1}`, model.RTFScan{}},
		{"leading CRLF", "\r\n{\\rtf1}", model.RTFScan{}},
		{"upper case", `{\RTF1}`, model.RTFScan{}},
		{"too short", `{\rt`, model.RTFScan{Balance: 1}},
		{"empty", ``, model.RTFScan{}},
		{"underflow", `{\rtf1}}{`, model.RTFScan{StartsWithRTF: true, Balance: 0, Underflow: true}},
		{"close first", `}{\rtf1`, model.RTFScan{Balance: 0, Underflow: true}},
		{"hex escape of a brace byte", `{\rtf1 \'7b}`, ok(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkChunkings(t, []byte(tt.in), scanRTF); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRTFReset(t *testing.T) {
	var r RTF
	_, _ = r.Write([]byte("}}} \\bin99 "))
	r.Reset()
	_, _ = r.Write([]byte(`{\rtf1}`))
	if got := r.Result(); got != (model.RTFScan{StartsWithRTF: true}) {
		t.Fatalf("after Reset: %+v", got)
	}
}

func FuzzRTF(f *testing.F) {
	for _, s := range []string{sampleRTF, `{\rtf1 \bin3 }}}}`, `}{\rtf`, `{\rtf1 \{\\\}}`, `\bin-99999999999999999999 {`} {
		f.Add([]byte(s), uint16(5))
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		want := scanRTF([][]byte{in})
		k := int(cut) % (len(in) + 1)
		if got := scanRTF([][]byte{in[:k], in[k:]}); got != want {
			t.Fatalf("cut at %d: %+v, whole %+v", k, got, want)
		}
		if want.StartsWithRTF != bytes.HasPrefix(in, []byte(`{\rtf`)) {
			t.Fatalf("StartsWithRTF %v for %q", want.StartsWithRTF, in)
		}
		opens, closes := int64(bytes.Count(in, []byte("{"))), int64(bytes.Count(in, []byte("}")))
		if want.Balance > opens || -want.Balance > closes {
			t.Fatalf("balance %d with %d { and %d }", want.Balance, opens, closes)
		}
		if want.Balance < 0 && !want.Underflow {
			t.Fatalf("negative balance without underflow: %+v", want)
		}
	})
}

func BenchmarkRTFWrite(b *testing.B) {
	body := []byte(strings.Repeat(`{\pard\f0\fs20 Some text with \'e9 accents and \{braces\}\par}`+"\r\n", 16000))
	body = append([]byte(`{\rtf1`), body...)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var r RTF
		for c := body; len(c) > 0; {
			n := min(4096, len(c))
			_, _ = r.Write(c[:n])
			c = c[n:]
		}
		if r.Result().Balance != 1 {
			b.Fatal(r.Result())
		}
	}
}
