package triage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/triage"
)

// Issue #15: triage ranks the messages of an mbox one by one: the poison
// message is the suspect, named by its ordinal, not the whole file.
func TestTriageRanksMboxMessages(t *testing.T) {
	raw := "From a@example.org Wed Mar 14 15:31:49 2001\r\nFrom: a@example.org\r\nTo: x@example.com\r\nSubject: one\r\nDate: Wed, 14 Mar 2001 15:31:49 +0000\r\n\r\nbody\r\n\r\n" +
		"From b@example.org Wed Mar 14 15:32:49 2001\r\nFrom: b@example.org\r\nTo: y@example.com\r\nSubject: two\r\nDate: Wed, 14 Mar 2001 15:32:49 +0000\r\nContent-Type: text/plain; charset=\"\"\r\n\r\nbody\r\n\r\n" +
		"From c@example.org Wed Mar 14 15:33:49 2001\r\nFrom: c@example.org\r\nTo: z@example.com\r\nSubject: three\r\nDate: Wed, 14 Mar 2001 15:33:49 +0000\r\n\r\nbody\r\n"
	src := filepath.Join(t.TempDir(), "inbox.mbox")
	if err := os.WriteFile(src, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, err := inventory.Scan(context.Background(), []string{src}, inventory.Options{Slim: true})
	if err != nil || len(ms) != 3 {
		t.Fatalf("scan: %d messages, %v", len(ms), err)
	}
	r := triage.Rank(ms, nil, triage.Options{})
	if len(r.Suspects) != 3 {
		t.Fatalf("%d suspects for 3 messages", len(r.Suspects))
	}
	top := r.Suspects[0]
	if top.MboxOrdinal != 2 || top.Name != "inbox.mbox#2" || top.Path != src {
		t.Errorf("rank 1 is %s (ordinal %d, path %s), want the blank-charset message inbox.mbox#2", top.Name, top.MboxOrdinal, top.Path)
	}
}
