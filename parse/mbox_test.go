package parse

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func TestSplitMboxAndParseAt(t *testing.T) {
	msgs := []string{
		"From a@example.org Wed Mar 14 15:31:49 2001\nFrom: a@example.org\nSubject: one\n\nbody\nFrom here on, a body line\n\n",
		"From b@example.org Wed Mar 14 15:32:49 2001\nFrom: b@example.org\nSubject: two\n\n>From an escaped line\n\n",
		"From c@example.org Wed Mar 14 15:33:49 2001\nFrom: c@example.org\nSubject: three\nContent-Type: text/plain; charset=\"\"\n\nlast",
	}
	raw := []byte(strings.Join(msgs, ""))
	got, err := SplitMbox(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("%d messages, want %d: %+v", len(got), len(msgs), got)
	}
	var off int64
	for i, mm := range got {
		if mm.Ordinal != i+1 || mm.Offset != off || mm.Length != int64(len(msgs[i])) {
			t.Errorf("message %d: %+v, want offset %d length %d", i+1, mm, off, len(msgs[i]))
		}
		m, err := ParseAt(io.NewSectionReader(bytes.NewReader(raw), mm.Offset, mm.Length), mm.Offset, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Format != model.FormatMbox || m.Size != mm.Length {
			t.Errorf("message %d: format %s size %d", i+1, m.Format, m.Size)
		}
		// Offsets are file offsets: the header fields are the file's bytes.
		for _, f := range m.Header() {
			if !bytes.HasPrefix(raw[f.Offset:], []byte(f.Name)) {
				t.Errorf("message %d: field %q at %d is %q", i+1, f.Name, f.Offset, raw[f.Offset:f.Offset+8])
			}
		}
		if m.MessageOffset <= mm.Offset || m.Scan.FinalByteOffset != mm.Offset+mm.Length-1 {
			t.Errorf("message %d: message offset %d, final byte %d", i+1, m.MessageOffset, m.Scan.FinalByteOffset)
		}
		off += mm.Length
	}
}
