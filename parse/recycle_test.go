package parse

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// drainRecycled empties the pools, so that the next parse starts on
// fresh storage.
func drainRecycled() {
	for recycledParts.Get() != nil {
	}
	for entities.Get() != nil {
	}
}

// TestRecycledStorageParsesTheSame: a parse that reuses the storage of
// recycled messages (Recycle) and the entities of earlier parses gives the
// very message a parse with fresh storage gives, field for field, on every file of a generated queue with
// every poison rule planted and of parse's test data, each parsed after
// the message before it was recycled; and a recycled message keeps no
// parts.
func TestRecycledStorageParsesTheSame(t *testing.T) {
	files := queueFiles(t, 11)
	parseAll := func(recycle bool) []*model.Message {
		drainRecycled()
		var out []*model.Message
		for _, b := range files {
			if !recycle {
				drainRecycled()
			}
			m, _ := Parse(bytes.NewReader(b), nil)
			out = append(out, m)
			if recycle {
				// Recycle a second parse of the same bytes: the first is kept
				// to be compared.
				r, _ := Parse(bytes.NewReader(b), nil)
				if Recycle(r); r.Parts != nil {
					t.Fatal("Recycle left parts on the message")
				}
			}
		}
		return out
	}
	want := parseAll(false)
	got := parseAll(true)
	reused := 0
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Fatalf("file %d (%d bytes): the parse on recycled storage differs", i, len(files[i]))
		}
		if len(got[i].Parts) > 0 {
			reused++
		}
	}
	if len(files) < 120 || reused == 0 {
		t.Fatalf("%d files, %d with parts: the test proves nothing", len(files), reused)
	}
}

// TestBuildFieldSharesNamesKeepsBytes: a built field's name and value
// are the bytes read, whether the name is a shared common one, another
// spelling of it, or any other.
func TestBuildFieldSharesNamesKeepsBytes(t *testing.T) {
	for _, name := range []string{"Subject", "SUBJECT", "subject", "X-Odd\x00Name", "", "Received", "Content-Type"} {
		for _, value := range []string{"", " hello", "\xff\r\n\tmore"} {
			var fb fieldBuilder
			fb.name, fb.value = []byte(name), []byte(value)
			f := fb.build()
			// The builder's buffers are reused for the next field.
			clear(fb.name)
			fb.value = append(fb.value[:0], "overwritten"...)
			fb.both = append(fb.both[:0], "overwritten, too"...)
			if string(f.Name) != name || string(f.Value) != value {
				t.Errorf("build(%q, %q) = %q, %q", name, value, f.Name, f.Value)
			}
		}
	}
}

// TestRecycledHeadersGoToTheSameParts: a message's recycled Header slices
// are handed out in part order, so that the next message of the same
// shape puts its top-level fields in the top-level slice of the one
// before and grows none of them (the top-level header is most often the
// longest; handing it the last part's slice grew it on every message).
func TestRecycledHeadersGoToTheSameParts(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops what it is given at random")
	}
	var b bytes.Buffer
	for i := range 30 {
		b.WriteString("X-Field-" + string(rune('A'+i%26)) + ": v\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: text/plain\r\n\r\ntwo\r\n--b--\r\n")
	drainRecycled()
	first, _ := Parse(bytes.NewReader(b.Bytes()), nil)
	if len(first.Parts) != 3 {
		t.Fatalf("%d parts", len(first.Parts))
	}
	caps := make([]int, len(first.Parts))
	for i, p := range first.Parts {
		caps[i] = cap(p.Header)
	}
	Recycle(first)
	second, _ := Parse(bytes.NewReader(b.Bytes()), nil)
	for i, p := range second.Parts {
		if cap(p.Header) != caps[i] {
			t.Errorf("part %d: Header capacity %d, the recycled message's part %d had %d (capacities %v)", i, cap(p.Header), i, caps[i], caps)
		}
	}
}

// TestBodyScannerReuseIsNew: a body scanner handed to newBodyScanner for
// reuse after it scanned a body (decode buffer, analysers, uuencode and
// quoting state all set) comes back as a new one would be, and is the
// same scanner; the parse of a queue on reused scanners is
// TestRecycledStorageParsesTheSame's.
func TestBodyScannerReuseIsNew(t *testing.T) {
	for _, mt := range []string{"text/html", "text/plain", "application/ms-tnef", "text/rtf"} {
		used := &model.Part{MediaType: mt, CTE: "base64", Params: []model.Param{{Name: "charset", Value: "shift_jis"}}}
		bs := newBodyScanner(used, -1, nil)
		bs.excerpt = func(*segment, int) {}
		for _, line := range []string{"PGEgaHJlZj0iIGh0dHA6Ly94Ij4=", "YmVnaW4gNjQ0IHgK", "!!"} {
			bs.line(&segment{data: []byte(line), first: true, last: true, eol: eolCRLF})
		}
		bs.finish()
		fresh := &model.Part{MediaType: "text/plain", CTE: "7bit"}
		got := newBodyScanner(fresh, 100, bs)
		want := newBodyScanner(fresh, 100, nil)
		if got != bs {
			t.Fatal("the scanner was not reused")
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: reused scanner %+v, a new one %+v", mt, *got, *want)
		}
	}
}

// TestBodyExcerptsGoToTheirMessage: a body scanner quotes its evidence
// through the parser's excerpt function, made once per pooled parser;
// parses one after the other (the parser reused) each keep the quote of
// their own bad base64 byte, and the earlier message is not written to.
func TestBodyExcerptsGoToTheirMessage(t *testing.T) {
	msg := func(pad string) []byte {
		return []byte("Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			pad + "QUJD!REVG\r\n")
	}
	var ms []*model.Message
	for _, pad := range []string{"", "QUJDREVG\r\n", "QUJDREVG\r\nQUJDREVG\r\n"} {
		m, _ := Parse(bytes.NewReader(msg(pad)), nil)
		ms = append(ms, m)
	}
	for i, m := range ms {
		at := m.Parts[0].Body.Base64BadChar
		if at < 0 || string(m.Excerpts[at]) == "" || m.Excerpts[at][0] != '!' {
			t.Fatalf("message %d: bad byte at %d, excerpts %v", i, at, m.Excerpts)
		}
		for j, o := range ms {
			if j != i {
				if _, ok := m.Excerpts[o.Parts[0].Body.Base64BadChar]; ok {
					t.Fatalf("message %d holds message %d excerpt: %v", i, j, m.Excerpts)
				}
			}
		}
	}
}

// TestRecycledShellsAreReused: the recycled value a parse empties (its
// parts and headers handed to the parser) serves the next Recycle, with
// its list of headers, so a recycle-and-parse round allocates neither.
func TestRecycledShellsAreReused(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops what it is given at random")
	}
	raw := []byte("Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b--\r\n")
	drainRecycled()
	for recycledShells.Get() != nil {
	}
	m, _ := Parse(bytes.NewReader(raw), nil)
	Recycle(m)
	first, _ := recycledParts.Get().(*recycled)
	if first == nil || len(first.headers) != 2 {
		t.Fatalf("recycled %+v", first)
	}
	recycledParts.Put(first)
	m, _ = Parse(bytes.NewReader(raw), nil) // takes first, empties it
	if shell, _ := recycledShells.Get().(*recycled); shell != first || shell.parts != nil || len(shell.headers) != 0 || cap(shell.headers) < 2 {
		t.Fatalf("shell %p %+v, want the emptied %p", shell, shell, first)
	} else {
		recycledShells.Put(shell)
	}
	Recycle(m)
	if again, _ := recycledParts.Get().(*recycled); again != first {
		t.Fatalf("Recycle made %p, not the shell %p", again, first)
	}
}
