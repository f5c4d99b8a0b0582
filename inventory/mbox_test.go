package inventory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// An mbox of more messages than a worker parses (mboxEager) is never held
// whole: the worker hands over the first ones and where the rest starts,
// and ScanEach's consumer parses the rest in turn. The records are those
// of a scan that parses the whole file at once, in the same order, between
// the files around it.
func TestScanMboxRestParsedInTurn(t *testing.T) {
	dir := t.TempDir()
	var raw []byte
	for i := range 9 {
		raw = fmt.Appendf(raw, "From a@example.org Wed Mar 14 15:31:49 2001\nFrom: a@example.org\nSubject: m%d\n\nbody %d\n\n", i, i)
	}
	raw = append(raw, "From b@example.org Wed Mar 14 15:31:49 2001\nContent-Type: text/plain; charset=\"\"\n\nlast"...)
	for name, b := range map[string][]byte{"a.eml": []byte("From: x@example.org\n\nx\n"), "b.mbox": raw, "c.eml": []byte("Subject: c\n\nc\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	records := func(eager int) []string {
		t.Helper()
		defer func(old int) { mboxEager = old }(mboxEager)
		mboxEager = eager
		var out []string
		err := ScanEach(context.Background(), []string{dir}, Options{Workers: 2, Slim: true}, func(m *model.Message) error {
			out = append(out, fmt.Sprintf("%s %d %d %s %v %q", m.Name, m.FileOffset, m.Size, m.SHA256, m.TopClass(), m.Error))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	whole, streamed := records(1000), records(2)
	if len(whole) != 12 || strings.Join(whole, "\n") != strings.Join(streamed, "\n") {
		t.Fatalf("parsed at once:\n%s\nthe rest in turn:\n%s", strings.Join(whole, "\n"), strings.Join(streamed, "\n"))
	}
	if !strings.Contains(whole[10], "b.mbox#10") || !strings.Contains(whole[10], "crash") {
		t.Errorf("last mbox message: %s", whole[10])
	}

	f, err := os.Open(filepath.Join(dir, "b.mbox"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, rest, err := parseMbox(f, "b.mbox", int64(len(raw)), nil, 2)
	if err != nil || len(ms) != 2 || rest == nil || rest.ordinal != 3 || rest.off != ms[1].FileOffset+ms[1].Size {
		t.Errorf("parseMbox with 2 eager: %d messages, rest %+v, err %v", len(ms), rest, err)
	}
}
