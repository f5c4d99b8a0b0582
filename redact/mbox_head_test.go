package redact

import (
	"bytes"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// An mbox after a UTF-8 byte-order mark is redacted message by message,
// as scan splits it (parse.MboxHead): every message's addresses are
// masked, the mark is left as it is.
func TestRedactMboxAfterBOM(t *testing.T) {
	raw := []byte("\xEF\xBB\xBFFrom -\nFrom: Alee <alee@example.org>\nSubject: one\n\nbody\n\n" +
		"From -\nFrom: Bob <bob@example.org>\nSubject: two\n\nbody\n")
	r, _ := New(Options{Key: []byte("k")})
	res, err := r.Bytes(raw, "")
	if err != nil || res.Status != model.RedactRedacted || len(res.Output) != len(raw) {
		t.Fatalf("%v %s %+v", err, res.Status, res.Changed)
	}
	if !bytes.HasPrefix(res.Output, []byte("\xEF\xBB\xBFFrom -\n")) {
		t.Errorf("the mark and the From line: %.20q", res.Output)
	}
	for _, w := range []string{"alee", "bob@", "example"} {
		if bytes.Contains(res.Output, []byte(w)) {
			t.Errorf("the copy keeps %q: %q", w, res.Output)
		}
	}
}
