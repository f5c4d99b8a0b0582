package sniff

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"testing"
)

// decodeQPLines feeds body to a QP line by line, as the parser does (split
// at LF, CR taken off).
func decodeQPLines(body []byte) ([]byte, QPResult) {
	var q QP
	var out []byte
	var off int64
	for _, line := range bytes.SplitAfter(body, []byte("\n")) {
		if len(line) == 0 {
			break // SplitAfter's empty tail after a final LF
		}
		n := len(line)
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		out = q.Line(line, off, out)
		off += int64(n)
	}
	return out, q.Finish()
}

func TestQP(t *testing.T) {
	tests := []struct {
		name, body, decoded string
		badEscape           int64
	}{
		{"plain", "hello\r\n", "hello\r\n", -1},
		{"escapes", "caf=E9 =3D=3d\r\n", "caf\xe9 ==\r\n", -1},
		{"lower-case hex", "=e9=c3=a9\r\n", "\xe9\xc3\xa9\r\n", -1},
		{"soft break", "long=\r\nline\r\n", "longline\r\n", -1},
		{"soft break with transport padding", "long= \t\r\nline\r\n", "longline\r\n", -1},
		{"trailing white space stripped", "text  \t\r\n", "text\r\n", -1},
		{"encoded trailing space kept", "text=20\r\n", "text \r\n", -1},
		{"empty lines", "\r\n\r\n", "\r\n\r\n", -1},
		{"escape at line end", "a=3D\r\n", "a=\r\n", -1},
		{"bad hex", "ok\r\nx=G1\r\n", "ok\r\nx=G1\r\n", 5},
		{"short escape before end", "x=4\r\n", "x=4\r\n", 1},
		{"equals then space inside", "a = b\r\n", "a = b\r\n", 2},
		{"double equals at end", "a==\r\n", "a=", 1},
		{"first bad kept", "=ZZ=YY\r\n", "=ZZ=YY\r\n", 0},
		{"8-bit passes through", "\xe9t\xe9\r\n", "\xe9t\xe9\r\n", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := decodeQPLines([]byte(tt.body))
			if string(out) != tt.decoded {
				t.Errorf("decoded %q, want %q", out, tt.decoded)
			}
			if res.BadEscape != tt.badEscape {
				t.Errorf("BadEscape %d, want %d", res.BadEscape, tt.badEscape)
			}
		})
	}
}

func TestQPReset(t *testing.T) {
	var q QP
	q.Line([]byte("=XX"), 7, nil)
	q.Reset()
	if got := q.Finish().BadEscape; got != -1 {
		t.Fatalf("BadEscape after Reset = %d", got)
	}
}

func TestQPLineAllocations(t *testing.T) {
	var q QP
	line := []byte("Gr=C3=BC=C3=9Fe aus M=C3=BCnchen, die Stra=C3=9Fe ist lang und die Zeile auch=")
	out := make([]byte, 0, 1024)
	if allocs := testing.AllocsPerRun(100, func() { out = q.Line(line, 0, out[:0]) }); allocs != 0 {
		t.Fatalf("Line allocates %v times per call with a reused buffer", allocs)
	}
}

func FuzzQP(f *testing.F) {
	for _, s := range []string{
		"caf=E9\r\n", "long=\r\nline\r\n", "x=G1\r\n", "a==\r\n", "text  \r\n", "=\r\n=\r\n",
		"Gr=C3=BC=C3=9Fe\r\n", "=e9=c3\r\n", "=",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, res := decodeQPLines(body)
		if res.BadEscape >= int64(len(body)) || res.BadEscape < -1 {
			t.Fatalf("BadEscape %d outside the body", res.BadEscape)
		}
		if res.BadEscape >= 0 && body[res.BadEscape] != '=' {
			t.Fatalf("BadEscape %d points at %q", res.BadEscape, body[res.BadEscape])
		}
		// Against the standard library, for bodies it reads the same way:
		// CRLF lines only, no control bytes (it rejects them), ending in CRLF.
		if !bytes.HasSuffix(body, []byte("\r\n")) || res.BadEscape >= 0 {
			return
		}
		for _, line := range bytes.Split(body[:len(body)-2], []byte("\r\n")) {
			for _, c := range line {
				if c < ' ' && c != '\t' || c == 0x7f || c >= 0x80 {
					return
				}
			}
		}
		want, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			return // the stdlib is stricter on some inputs; ours must not be worse
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("decoded %q, stdlib %q", out, want)
		}
	})
}

// qpBody builds about 1 MiB of typical quoted-printable text: accented
// words, soft breaks at 76 characters.
func qpBody() (body []byte, lines [][]byte) {
	text := "Gr=C3=BC=C3=9Fe aus M=C3=BCnchen: die Stra=C3=9Fe ist lang, das Caf=C3=A9 hat offen. "
	var line []byte
	for len(body) < 1<<20 {
		for i := 0; i < len(text); {
			n := 1
			if text[i] == '=' {
				n = 3 // never cut an escape
			}
			if len(line)+n > 75 {
				line = append(line, '=')
				lines = append(lines, line)
				body = append(append(body, line...), '\r', '\n')
				line = nil
			}
			line = append(line, text[i:i+n]...)
			i += n
		}
	}
	return body, lines
}

func BenchmarkQPLine(b *testing.B) {
	body, lines := qpBody()
	out := make([]byte, 0, 128)
	var q QP
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		q.Reset()
		var off int64
		for _, line := range lines {
			out = q.Line(line, off, out[:0])
			off += int64(len(line) + 2)
		}
		if res := q.Finish(); res.BadEscape >= 0 {
			b.Fatalf("benchmark body has a bad escape at %d", res.BadEscape)
		}
	}
}

// BenchmarkStdlibQPReader decodes the same body with mime/quotedprintable,
// as go-message does.
func BenchmarkStdlibQPReader(b *testing.B) {
	body, _ := qpBody()
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := quotedprintable.NewReader(bytes.NewReader(body))
		for {
			n, err := r.Read(buf)
			if n == 0 && err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}
