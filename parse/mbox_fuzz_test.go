package parse

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzEachMbox holds the split to what every caller relies on, for any
// bytes: the messages follow each other without a gap or an overlap from
// the end of the prologue to the end of the file, each starts with a
// "From " line, a plain reader gets the same split, and the split from any
// message on is the whole file's split of the rest (mboxRest, FILE#N).
func FuzzEachMbox(f *testing.F) {
	files, _ := filepath.Glob("testdata/mbox/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("From a\nContent-Length: 3\n\nab\n\nFrom b\n\nx"))
	f.Add([]byte("\xEF\xBB\xBF\r\nFrom a\r\nContent-Length: 0\r\n\r\nFrom b\r\n"))
	f.Add([]byte("From - \nContent-Length: 9\n\nx\n\nFrom y\nFrom - Mon Jun  3 12:50:27 1996\n\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 64<<10 {
			return
		}
		got, err := SplitMbox(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return
		}
		off := got[0].Prologue
		for i, m := range got {
			if m.Ordinal != i+1 || m.Offset != off || m.Length <= 0 || (i > 0 && m.Prologue != 0) {
				t.Fatalf("message %d: %+v, want offset %d", i+1, m, off)
			}
			if !bytes.HasPrefix(raw[m.Offset:], fromLine) {
				t.Fatalf("message %d at %d: %.20q", i+1, m.Offset, raw[m.Offset:])
			}
			if note := m.LengthNote(); note != "" && !bytes.HasPrefix(raw[m.LengthOffset:], m.LengthField) {
				t.Fatalf("message %d: field %q not at %d", i+1, m.LengthField, m.LengthOffset)
			}
			off += m.Length
		}
		if off != int64(len(raw)) {
			t.Fatalf("the messages end at %d of %d", off, len(raw))
		}
		plain, err := SplitMbox(io.MultiReader(bytes.NewReader(raw)))
		if err != nil || fmt.Sprint(plain) != fmt.Sprint(got) {
			t.Fatalf("plain reader: %+v, %v", plain, err)
		}
		if len(got) > 64 {
			got = got[len(got)-64:] // the rest split is quadratic: its last 64
			for i := range got {
				got[i].Ordinal = i + 1
			}
			base := got[0].Offset
			for i := range got {
				got[i].Shift(-base)
			}
			raw = raw[base:]
		}
		checkRestSplit(t, raw, got)
	})
}
