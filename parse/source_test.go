package parse

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/model"
)

// queueFiles are the files (under 4 MiB) of a generated queue of 120
// messages with every poison rule planted, and parse's test data.
func queueFiles(t *testing.T, seed int64) [][]byte {
	t.Helper()
	dir := t.TempDir()
	if _, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: 120, Seed: seed, Poison: corpus.PoisonAll()}); err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	for _, root := range []string{dir, "testdata"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err == nil && len(b) < 4<<20 {
				files = append(files, b)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// sourceInputs are the files of a generated queue with every poison rule
// planted, parse's test data, and inputs that reach every path of source:
// lines longer than the buffer (a CR at its end included), an IMS
// envelope longer than the window, a transcript with no message read to
// its end.
func sourceInputs(t *testing.T) [][]byte {
	t.Helper()
	files := queueFiles(t, 5)
	hdr := "From: a@b.example\r\nSubject: long\r\nContent-Type: text/plain\r\n\r\n"
	long := strings.Repeat("x", 64<<10-1)
	files = append(files,
		[]byte(hdr+long+"\r\n"+long+"\rx\r\n"+strings.Repeat("y", 200<<10)+"\r\nend\r\n"),
		[]byte(hdr+strings.Repeat("z", 64<<10-len(hdr)-1)+"\r\n.\r\n"),
		// A base64 body whose lines stop base64Run every way.
		[]byte("From: a@b.example\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
			strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n", 20)+"QUJD!\r\nQUJD\nQUJD\r\n\r\n\r\n.\r\nQU\x00JD\r\nQU\rJD\r\n--not\r\n"+
			strings.Repeat("Q", 1200)+"\r\nQUJD\nQUJD\r\nQUJD"),
		[]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
			strings.Repeat("QUJD\n", 40)+"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n--b--\r\n"),
		// A quoted-printable line longer than the buffer: its segments
		// decode as soft-broken pieces, so where it is cut shows.
		[]byte("From: a@b.example\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+strings.Repeat("=E9t=\xe9", 30<<10)+"\r\n"),
		[]byte(strings.Repeat("Subject: "+strings.Repeat("s", 30<<10)+"\r\n", 5)+"\r\nbody"),
		bytes.Repeat([]byte("\x00\xff junk "), 40<<10),
		// A transcript that never reaches DATA: no message, read to the end.
		[]byte("EHLO mail.example.org\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n"+strings.Repeat("NOOP\r\n", 30<<10)),
	)
	ims, err := os.ReadFile("testdata/ims-q190709-layout")
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(ims, []byte("<bob@corp.example>")); i > 0 {
		many := bytes.Repeat([]byte("<r@corp.example>\x00\x00"), 10000)
		files = append(files, append(append(append([]byte(nil), ims[:i]...), many...), ims[i:]...))
	}
	return files
}

// TestCallersReaderParsesTheSame: a message read from a caller's
// *bufio.Reader of the parser's buffer size (read in place, hashed from
// pend) is the message read through the parser's own buffer and hashing
// tee, field for field and error for error, whatever the reads under the
// reader return (one byte at a time, half, data with EOF, a failing
// read), and whether the caller peeked first (scan peeks the head).
func TestCallersReaderParsesTheSame(t *testing.T) {
	readers := map[string]func([]byte) io.Reader{
		"whole":    func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half":     func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"data+EOF": func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
		"failing": func(b []byte) io.Reader {
			return io.MultiReader(bytes.NewReader(b[:len(b)*2/3]), iotest.ErrReader(errors.New("disk gone")))
		},
	}
	large, long, junk := 0, 0, 0
	for i, b := range sourceInputs(t) {
		for name, r := range readers {
			want, werr := Parse(r(b), nil)
			for _, peek := range []int{0, 5, 4096} {
				br := bufio.NewReaderSize(r(b), 64<<10)
				if peek > 0 {
					br.Peek(peek)
				}
				got, gerr := Parse(br, nil)
				if !reflect.DeepEqual(got, want) || errString(gerr) != errString(werr) {
					t.Fatalf("input %d (%d bytes), %s reads, peek %d: from the caller's reader %+v, %v; want %+v, %v", i, len(b), name, peek, brief(got), gerr, brief(want), werr)
				}
			}
		}
		// A reader with its bytes in memory (WholeReader), whole or
		// failing after two thirds, is read as the same bytes and error.
		for _, cut := range []int{len(b), len(b) * 2 / 3} {
			var end error
			if cut < len(b) {
				end = errors.New("disk gone")
			}
			want, werr := Parse(io.MultiReader(bytes.NewReader(b[:cut]), iotest.ErrReader(orEOF(end))), nil)
			got, gerr := Parse(&wholeBytes{b: b[:cut], err: end}, nil)
			if !reflect.DeepEqual(got, want) || errString(gerr) != errString(werr) {
				t.Fatalf("input %d (%d bytes) in memory, cut at %d: %+v, %v; want %+v, %v", i, len(b), cut, brief(got), gerr, brief(want), werr)
			}
		}
		m, _ := Parse(bytes.NewReader(b), nil)
		if m.Envelope.RawLength > 64<<10 {
			large++
		}
		if m.Scan.LongestLine > 64<<10 {
			long++
		}
		if m.MessageOffset < 0 && len(b) > 64<<10 {
			junk++
		}
	}
	if large == 0 || long == 0 || junk == 0 {
		t.Fatalf("inputs reach too little: %d large envelopes, %d long lines, %d long junk", large, long, junk)
	}
	// The direct path is taken only where it reads the same bytes.
	if s := newSource(bufio.NewReaderSize(nil, 64<<10), nil, &Options{LineBuffer: 64 << 10}); !s.direct {
		t.Error("a caller's reader of the buffer size is not read in place")
	}
	if s := newSource(&wholeBytes{}, sha256.New(), &Options{MaxBytes: 100}); s.mem {
		t.Error("a reader in memory is read in place under a MaxBytes limit")
	}
	for _, o := range []Options{{LineBuffer: 128 << 10}, {LineBuffer: 64 << 10, MaxBytes: 100}} {
		if s := newSource(bufio.NewReaderSize(nil, 64<<10), nil, &o); s.direct {
			t.Errorf("%+v: a caller's 64 KiB reader is read in place", o)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// brief is what a failure shows of a message.
func brief(m *model.Message) string {
	if m == nil {
		return "<nil>"
	}
	return fmt.Sprintf("sha256 %s, %d bytes, %d parts, %d anomalies, error %q", m.SHA256, m.Size, len(m.Parts), len(m.Anomalies), m.Error)
}

func orEOF(err error) error {
	if err == nil {
		return io.EOF
	}
	return err
}

// wholeBytes is a WholeReader: b, then err (nil: io.EOF).
type wholeBytes struct {
	b   []byte
	err error
}

func (r *wholeBytes) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, orEOF(r.err)
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *wholeBytes) WholeBytes() ([]byte, error) {
	b := r.b
	r.b = nil
	return b, r.err
}

// TestASCIIOnly holds asciiOnly to a byte loop at every length and
// position of a high byte.
func TestASCIIOnly(t *testing.T) {
	for n := 0; n < 40; n++ {
		b := bytes.Repeat([]byte{'a'}, n)
		if !asciiOnly(b) {
			t.Fatalf("%d ASCII bytes: not ASCII", n)
		}
		for i := range b {
			b[i] = 0x80 | byte(i)
			if asciiOnly(b) {
				t.Fatalf("%d bytes with 0x%x at %d: ASCII", n, b[i], i)
			}
			b[i] = 'a'
		}
	}
}

// TestParseBytesIsParse: ParseBytes gives what Parse of a bytes.Reader
// gives, read in place where no MaxBytes limit is set and through the
// buffer under one.
func TestParseBytesIsParse(t *testing.T) {
	for i, b := range sourceInputs(t) {
		for _, o := range []*Options{nil, {MaxBytes: int64(len(b) / 2)}} {
			want, werr := Parse(bytes.NewReader(b), o)
			got, gerr := ParseBytes(b, o)
			if !reflect.DeepEqual(got, want) || errString(gerr) != errString(werr) {
				t.Fatalf("input %d (%d bytes), options %+v: ParseBytes %+v, %v; want %+v, %v", i, len(b), o, brief(got), gerr, brief(want), werr)
			}
		}
	}
	if s := newSource(&memInput{}, sha256.New(), &Options{}); !s.mem {
		t.Error("ParseBytes's input is not read in place")
	}
}
