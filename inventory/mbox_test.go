package inventory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// Issue #15: an mbox file gives one record per message, each with its
// ordinal and the file offset of its "From " line, and each message's
// findings quote the file's bytes at their offsets.
func TestScanMboxOneRecordPerMessage(t *testing.T) {
	msgs := []string{
		"From a@example.org Wed Mar 14 15:31:49 2001\nFrom: a@example.org\nTo: x@example.com\nSubject: one\n\nbody\n\n",
		"From b@example.org Wed Mar 14 15:32:49 2001\nFrom: b@example.org\nTo: y@example.com\nSubject: two\nContent-Type: text/plain; charset=\"\"\n\nbody\n\n",
		"From c@example.org Wed Mar 14 15:33:49 2001\nFrom: c@example.org\nTo: z@example.com\nSubject: three\n\nlast\n",
	}
	var raw []byte
	for _, m := range msgs {
		raw = append(raw, m...)
	}
	path := filepath.Join(t.TempDir(), "inbox.mbox")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, slim := range []bool{false, true} {
		ms, err := Scan(context.Background(), []string{path}, Options{Slim: slim})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != len(msgs) {
			t.Fatalf("%d records for an mbox of %d messages", len(ms), len(msgs))
		}
		var off int64
		for i, m := range ms {
			sum := sha256.Sum256([]byte(msgs[i]))
			if m.MboxOrdinal != i+1 || m.FileOffset != off || m.Size != int64(len(msgs[i])) || m.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("record %d: ordinal %d offset %d size %d", i+1, m.MboxOrdinal, m.FileOffset, m.Size)
			}
			if m.Path != path || m.Name != filepath.Base(path)+"#"+string(rune('1'+i)) || m.Format != model.FormatMbox {
				t.Errorf("record %d: path %q name %q format %s", i+1, m.Path, m.Name, m.Format)
			}
			for _, f := range m.Findings {
				if !bytes.HasPrefix(raw[f.Offset:], []byte(f.Evidence)) {
					t.Errorf("record %d: %s evidence %q is not the file's bytes at %d", i+1, f.Rule, f.Evidence, f.Offset)
				}
			}
			off += int64(len(msgs[i]))
		}
		if ms[1].TopClass() != model.ClassCrash || ms[0].TopClass() == model.ClassCrash {
			t.Errorf("blank-charset should mark message 2 only: %v %v", ms[0].TopClass(), ms[1].TopClass())
		}
	}
}

// The scan record carries the ordinal and file offset.
func TestMboxScanRecord(t *testing.T) {
	m := &model.Message{Path: "inbox.mbox", Name: "inbox.mbox#2", MboxOrdinal: 2, FileOffset: 120}
	b, err := json.Marshal(model.NewMessageRecord(m))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"mbox_ordinal":2,"file_offset":120`)) {
		t.Errorf("record %s", b)
	}
}

// ParseFile("FILE#N") parses message N of an mbox alone (show and the
// HTML report parse a suspect again this way).
func TestParseFileMboxMessage(t *testing.T) {
	raw := "From a@example.org Wed Mar 14 15:31:49 2001\nFrom: a@example.org\nSubject: one\n\nbody\n\n" +
		"From b@example.org Wed Mar 14 15:32:49 2001\nFrom: b@example.org\nSubject: two\n\nbody two\n"
	path := filepath.Join(t.TempDir(), "inbox.mbox")
	if err := os.WriteFile(path, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ParseFile(path+"#2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.MboxOrdinal != 2 || m.Path != path || m.Name != "inbox.mbox#2" || string(m.Subject) != "two" || len(m.Parts) == 0 {
		t.Errorf("got ordinal %d path %q name %q subject %q", m.MboxOrdinal, m.Path, m.Name, m.Subject)
	}
	if _, err := ParseFile(path+"#3", nil); err == nil {
		t.Error("message 3 of a 2-message mbox parsed")
	}
}
