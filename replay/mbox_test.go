package replay

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/inventory"
)

// Issue #15: each message of an mbox is replayed as a message of its own:
// its own bytes (not the rest of the file), its own journal entry, and a
// second run skips each one.
func TestReplayMboxMessages(t *testing.T) {
	msgs := []string{
		"From a@example.org Wed Mar 14 15:31:49 2001\r\nFrom: a@example.org\r\nTo: x@example.com\r\nSubject: one\r\n\r\nbody one\r\n\r\n",
		"From b@example.org Wed Mar 14 15:32:49 2001\r\nFrom: b@example.org\r\nTo: y@example.com\r\nSubject: two\r\n\r\nbody two\r\n\r\n",
		"From c@example.org Wed Mar 14 15:33:49 2001\r\nFrom: c@example.org\r\nTo: z@example.com\r\nSubject: three\r\n\r\nbody three\r\n",
	}
	src := filepath.Join(t.TempDir(), "inbox.mbox")
	if err := os.WriteFile(src, []byte(strings.Join(msgs, "")), 0o444); err != nil {
		t.Fatal(err)
	}
	ms, err := inventory.Scan(context.Background(), []string{src}, inventory.Options{Slim: true})
	if err != nil || len(ms) != 3 {
		t.Fatalf("scan: %d messages, %v", len(ms), err)
	}
	dir := t.TempDir()
	tg, err := NewReplayDirTarget(dir)
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "j")
	sum, err := Run(context.Background(), ms, tg, Options{JournalPath: journal}, nil)
	if err != nil || sum.Written != 3 {
		t.Fatalf("first run: %v %+v", err, sum)
	}
	for i, m := range msgs {
		got, err := os.ReadFile(filepath.Join(dir, "inbox.mbox#"+string(rune('1'+i))+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		part := m[strings.Index(m, "\r\n")+2:] // the RFC 822 part: after the "From " line
		if !bytes.HasSuffix(got, []byte(part)) || bytes.Count(got, []byte("Subject:")) != 1 {
			t.Errorf("message %d written as %q, want it to end with its own RFC 822 part only", i+1, got)
		}
	}
	sum, err = Run(context.Background(), ms, tg, Options{JournalPath: journal}, nil)
	if err != nil || sum.Written != 0 || sum.Skipped != 3 {
		t.Fatalf("second run: %v %+v", err, sum)
	}
}
