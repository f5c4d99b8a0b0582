package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/testpeer"
)

// mboxCase is a built mbox file and the split it must get: each message
// as its text, with what the split says of it.
type mboxCase struct {
	name     string
	prologue string
	msgs     []string
	want     []MboxMessage // Ordinal, Offset and Length are filled from msgs
}

func (c mboxCase) raw() []byte { return []byte(c.prologue + strings.Join(c.msgs, "")) }

const notAtSeparator = "it ends neither at a From line, nor one line end before one, nor at the end of the file"

func TestEachMboxVariants(t *testing.T) {
	from := func(who string) string { return "From " + who + "@example.org Tue Mar  4 10:00:00 2003\n" }
	cl := func(body string) string { return fmt.Sprintf("Content-Length: %d\n", len(body)) }
	body1 := "one\n\nFrom the chair: agreed.\n\nFrom now on, Tuesdays.\n"
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	cases := []mboxCase{
		{name: "mboxcl2: the length spans From lines after empty lines",
			msgs: []string{from("a") + "Subject: a\n" + cl(body1) + "\n" + body1 + "\n", from("b") + "Subject: b\n\nlast\n"},
			want: []MboxMessage{{ByLength: true, Spanned: 2}, {}}},
		{name: "mboxcl2: the length ends at the end of the file",
			msgs: []string{from("a") + "Subject: a\n\nfirst\n\n", from("b") + "Subject: b\n" + cl(body1) + "\n" + body1},
			want: []MboxMessage{{}, {ByLength: true, Spanned: 2}}},
		{name: "the length leaves out the body's last line end (Netscape)",
			msgs: []string{from("a") + "Content-Length: 13\n\nx\n\nFrom y\nabc\n", from("b") + "\nb\n"},
			want: []MboxMessage{{ByLength: true, Spanned: 1}, {}}},
		{name: "the length ends right at the next From line, no empty line",
			msgs: []string{from("a") + "Content-Length: 5\n\nabc\n\n", "From b\nSubject: b\n\nb\n"},
			want: []MboxMessage{{ByLength: true}, {}}},
		{name: "CRLF file, CRLF counted",
			msgs: []string{crlf(from("a") + "Subject: a\n" + fmt.Sprintf("Content-Length: %d\n", len(crlf(body1))) + "\n" + body1 + "\n"), crlf(from("b") + "\nb\n")},
			want: []MboxMessage{{ByLength: true, Spanned: 2}, {}}},
		{name: "CRLF file, LF counted: off by the CRs, split at From lines",
			msgs: []string{crlf(from("a") + "Subject: a\n" + cl(body1) + "\none\n\n"), crlf("From the chair\n\n"), crlf("From now on\n"), crlf(from("b") + "\nb\n")},
			want: []MboxMessage{{LengthIgnored: notAtSeparator}, {}, {}, {}}},
		{name: "a length that lies short",
			msgs: []string{from("a") + "Content-Length: 2\n\nabcdef\n\n", from("b") + "\nb\n"},
			want: []MboxMessage{{LengthIgnored: notAtSeparator}, {}}},
		{name: "a length past the end: a truncated last message",
			msgs: []string{from("a") + "\na\n\n", from("b") + "Content-Length: 900\n\ncut of"},
			want: []MboxMessage{{}, {LengthIgnored: "it runs 894 bytes past the end of the file: a truncated message, or a wrong length"}}},
		{name: "two lengths that differ",
			msgs: []string{from("a") + "Content-Length: 2\ncontent-length: 3\n\nab\n", from("b") + "\nb\n"},
			want: []MboxMessage{{LengthIgnored: "2 Content-Length fields that differ"}, {}}},
		{name: "a length that is not a number",
			msgs: []string{from("a") + "Content-Length: 2x\n\nab\n\n", from("b") + "\nb\n"},
			want: []MboxMessage{{LengthIgnored: "not a number"}, {}}},
		{name: "a UTF-8 byte-order mark before the first From line", prologue: "\xEF\xBB\xBF",
			msgs: []string{"From -\nSubject: a\n\na\n\n", "From -\nSubject: b\n\nb\n"},
			want: []MboxMessage{{Prologue: 3}, {}}},
		{name: "empty lines and a BOM before the first From line", prologue: "\xEF\xBB\xBF\r\n\n",
			msgs: []string{"From a\r\n\r\na\r\n\r\n", "From b\r\n\r\nb\r\n"},
			want: []MboxMessage{{Prologue: 6}, {}}},
		{name: "CRLF From lines and empty lines",
			msgs: []string{crlf(from("a") + "Subject: a\n\nbody\nFrom here on, text\n\n"), crlf(from("b") + "Subject: b\n\n>From quoted\n\n"), crlf("From MAILER-DAEMON\n\nc")},
			want: []MboxMessage{{}, {}, {}}},
		{name: "Mozilla From - lines right after a body line",
			msgs: []string{"From - \nSubject: a\n\na\n", "From - Mon Jun  3 12:50:27 1996\nSubject: b\n\nb\n", "From -\r\nSubject: c\r\n\r\nc\r\n"},
			want: []MboxMessage{{}, {}, {}}},
		{name: "Eudora From ???@??? lines right after a body line",
			msgs: []string{"From ???@??? Mon Jan 01 00:00:00 2001\r\nSubject: a\r\n\r\na\r\n", "From ???@??? Tue Jan 02 10:11:12 2001\r\nSubject: b\r\n\r\nb\r\n"},
			want: []MboxMessage{{}, {}}},
		{name: "a dated From line right after a body line, and one in a header",
			msgs: []string{"From a Wed Feb  9 22:02 MET 2000\n\na\n", "From b Thu Mar 30 19:09:01 2000 +0200\nSubject: cut\n", "From c Fri Jul  8 12:08:34 2011\n\nc\n"},
			want: []MboxMessage{{}, {}, {}}},
		{name: "undated From lines in a body without an empty line before stay",
			msgs: []string{"From a\nSubject: a\n\ntext\nFrom b\nFrom - x\nFrom c Mon Jun 3 1996\n\n", "From d\n\nd"},
			want: []MboxMessage{{}, {}}},
		{name: "mboxrd quoting is left as it is",
			msgs: []string{"From a\n\n>From x\n>>From y\n\n", "From b\n\nb\n"},
			want: []MboxMessage{{}, {}}},
		{name: "a header without its empty line, to the end",
			msgs: []string{"From a\nSubject: a\nContent-Length: 3\n"},
			want: []MboxMessage{{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := c.raw()
			got, err := SplitMbox(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			off := int64(len(c.prologue))
			if len(got) != len(c.msgs) {
				t.Fatalf("%d messages, want %d: %+v", len(got), len(c.msgs), got)
			}
			for i, w := range c.want {
				w.Ordinal, w.Offset, w.Length = i+1, off, int64(len(c.msgs[i]))
				g := got[i]
				if g.Ordinal != w.Ordinal || g.Offset != w.Offset || g.Length != w.Length || g.ByLength != w.ByLength ||
					g.Spanned != w.Spanned || g.LengthIgnored != w.LengthIgnored || g.Prologue != w.Prologue {
					t.Errorf("message %d:\n got %+v\nwant %+v", i+1, g, w)
				}
				note := g.LengthNote()
				if told := g.ByLength && g.Spanned > 0 || g.LengthIgnored != ""; told != (note != "") || told && !strings.HasPrefix(note, string(g.LengthField)) {
					t.Errorf("message %d: note %q", i+1, note)
				}
				if note != "" && !bytes.HasPrefix(raw[g.LengthOffset:], g.LengthField) {
					t.Errorf("message %d: Content-Length field %q is not the bytes at %d", i+1, g.LengthField, g.LengthOffset)
				}
				if !MboxHead(raw[g.Offset-g.Prologue:]) {
					t.Errorf("message %d: MboxHead false", i+1)
				}
				off += w.Length
			}
			checkRestSplit(t, raw, got)
			// A reader that is not a SizedReaderAt gets the same split.
			plain, err := SplitMbox(io.MultiReader(bytes.NewReader(raw)))
			if err != nil || fmt.Sprint(plain) != fmt.Sprint(got) {
				t.Errorf("plain reader: %+v, %v", plain, err)
			}
		})
	}
}

// checkRestSplit proves what mboxRest and FILE#N rely on: the split of the
// file from any message's "From " line on is the whole file's split of the
// rest.
func checkRestSplit(t *testing.T, raw []byte, whole []MboxMessage) {
	t.Helper()
	for k := 1; k < len(whole); k++ {
		base := whole[k].Offset
		rest, err := SplitMbox(io.NewSectionReader(bytes.NewReader(raw), base, int64(len(raw))-base))
		if err != nil {
			t.Fatal(err)
		}
		if len(rest) != len(whole)-k {
			t.Fatalf("from message %d on: %d messages, want %d", k+1, len(rest), len(whole)-k)
		}
		for i, r := range rest {
			w := whole[k+i]
			r.Ordinal += k
			r.Shift(base)
			if fmt.Sprint(r) != fmt.Sprint(w) {
				t.Fatalf("from message %d on, message %d:\n got %+v\nwant %+v", k+1, w.Ordinal, r, w)
			}
		}
	}
}

// TestMboxSplitAgainstPython compares the split of the real mbox files in
// testdata/mbox (MANIFEST) with Python's mailbox.mbox, message by
// message: the same starts, and ends that differ only by the empty line
// before the next "From " line (Python leaves it out of a message, we
// keep it: it is the file's byte and the last message keeps its own).
// Where we knowingly differ, the difference is named: Python starts a
// message at every "From " line (an undated one right after a body line,
// or one inside a body a Content-Length spans) and at none after a
// byte-order mark.
func TestMboxSplitAgainstPython(t *testing.T) {
	testpeer.UnixOnly(t, "python3")
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 not found (%v): run scripts/test.sh, which installs the test dependencies", err)
	}
	files, _ := filepath.Glob("testdata/mbox/*.mbox")
	more, _ := filepath.Glob("testdata/mbox/*.src")
	win, _ := filepath.Glob("testdata/mbox/*.win")
	files = append(append(files, more...), win...)
	if len(files) < 7 {
		t.Fatalf("only %d mbox samples: %v", len(files), files)
	}
	out, err := exec.Command(py, append([]string{"testdata/mbox/python_toc.py"}, files...)...).Output()
	if err != nil {
		t.Fatalf("python_toc.py: %v", err)
	}
	var toc map[string][][2]int64
	if err := json.Unmarshal(out, &toc); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := SplitMbox(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		checkRestSplit(t, raw, ours)
		theirs := toc[f]
		starts := map[int64]bool{}
		for _, p := range theirs {
			starts[p[0]] = true
		}
		var spanned, undated, bom, same, ends int
		inSpan := func(off int64) bool {
			for _, m := range ours {
				if m.ByLength && m.Offset < off && off < m.Offset+m.Length {
					return true
				}
			}
			return false
		}
		ourStarts := map[int64]MboxMessage{}
		for _, m := range ours {
			ourStarts[m.Offset] = m
			if !starts[m.Offset] {
				if m.Ordinal == 1 && m.Prologue >= 3 && bytes.HasPrefix(raw, utf8BOM) && m.Offset == m.Prologue {
					bom++
					continue
				}
				t.Errorf("%s: we start message %d at %d, Python does not", f, m.Ordinal, m.Offset)
			}
		}
		for i, p := range theirs {
			m, ok := ourStarts[p[0]]
			if !ok {
				switch {
				case inSpan(p[0]):
					spanned++
				case p[0] > 0 && raw[p[0]-1] == '\n' && !(p[0] > 1 && raw[p[0]-2] == '\n') && !fromMarker.Match(lineAt(raw, p[0])):
					undated++
				default:
					t.Errorf("%s: Python starts a message at %d (%q), we do not", f, p[0], lineAt(raw, p[0]))
				}
				continue
			}
			// Same start: the end is the same, or ours holds the empty
			// line Python leaves out.
			end, stop := m.Offset+m.Length, p[1]
			nextSame := i+1 == len(theirs) && m.Ordinal == len(ours) || i+1 < len(theirs) && m.Ordinal < len(ours) && theirs[i+1][0] == ours[m.Ordinal].Offset
			switch {
			case !nextSame:
			case end == stop:
				same++
			case end == stop+1 && raw[stop] == '\n':
				ends++
			default:
				t.Errorf("%s: message %d at %d ends at %d, Python's at %d", f, m.Ordinal, m.Offset, end, stop)
			}
		}
		t.Logf("%s: Python %d messages, ours %d; %d the same bytes, %d the same but for the empty line after; known differences: %d From lines in a Content-Length span, %d undated From lines right after a body line, %d first message after a BOM",
			filepath.Base(f), len(theirs), len(ours), same, ends, spanned, undated, bom)
	}
}

func lineAt(raw []byte, off int64) []byte {
	end := bytes.IndexByte(raw[off:], '\n')
	if end < 0 {
		return raw[off:]
	}
	return raw[off : off+int64(end)+1]
}

// TestEachMboxBoundedMemory splits a 64 MiB mbox whose first message's
// body (spanned by its Content-Length, full of "From " lines after empty
// lines) is 32 MiB: the split holds no message, so its allocations stay
// near its 64 KiB read buffer whatever the size. IMSFORENSIC_MBOX_MIB
// makes it bigger (1024 for a 1 GiB body).
func TestEachMboxBoundedMemory(t *testing.T) {
	mib := int64(64)
	if v := os.Getenv("IMSFORENSIC_MBOX_MIB"); v != "" {
		fmt.Sscan(v, &mib)
	}
	line := []byte("\nFrom a body line that is not a separator, then an empty line\n")
	half := mib << 19
	body := half - half%int64(len(line))
	head := fmt.Sprintf("From a@example.org Tue Mar  4 10:00:00 2003\nSubject: big\nContent-Length: %d\n\n", body)
	second := "\nFrom b@example.org Tue Mar  4 10:00:00 2003\nSubject: b\n\n"
	tail := int64(len(head)) + body + int64(len(second))
	r := &bigMbox{head: []byte(head), line: line, body: body, tail: []byte(second), size: tail + half}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var got []MboxMessage
	var seen countWriter
	err := EachMbox(TeeMbox(io.NewSectionReader(r, 0, r.size), &seen), func(m MboxMessage) bool {
		got = append(got, m)
		return true
	})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if int64(seen) != r.size {
		t.Errorf("TeeMbox saw %d bytes of %d", seen, r.size)
	}
	if len(got) != 2 || !got[0].ByLength || got[0].Spanned != int(body)/len(line) || got[1].Offset != int64(len(head))+body+1 {
		t.Fatalf("split: %+v", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("splitting %d MiB allocated %d bytes", mib, alloc)
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// bigMbox is a big mbox file made up as it is read: head, then
// body bytes of line repeated, then tail, then the second message's body
// of 'x' lines to size.
type bigMbox struct {
	head, line, tail []byte
	body, size       int64
}

func (p *bigMbox) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) && off < p.size {
		h, bodyEnd := int64(len(p.head)), int64(len(p.head))+p.body
		switch {
		case off < h:
			b[n] = p.head[off]
		case off < bodyEnd:
			b[n] = p.line[(off-h)%int64(len(p.line))]
		case off < bodyEnd+int64(len(p.tail)):
			b[n] = p.tail[off-bodyEnd]
		case (off-bodyEnd)%64 == 63:
			b[n] = '\n'
		default:
			b[n] = 'x'
		}
		n++
		off++
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// BenchmarkEachMbox splits 65,536 small messages that each have a
// Content-Length (checked with a positioned read at its end).
func BenchmarkEachMbox(b *testing.B) {
	var raw bytes.Buffer
	for i := range 1 << 16 {
		body := fmt.Sprintf("body line %d\n\nsecond paragraph\n", i)
		fmt.Fprintf(&raw, "From a%d@example.org Tue Mar  4 10:00:00 2003\nSubject: m%d\nContent-Length: %d\n\n%s\n", i, i, len(body), body)
	}
	b.SetBytes(int64(raw.Len()))
	for range b.N {
		n := 0
		if err := EachMbox(bytes.NewReader(raw.Bytes()), func(MboxMessage) bool { n++; return true }); err != nil || n != 1<<16 {
			b.Fatal(n, err)
		}
	}
}
