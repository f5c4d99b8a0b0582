package repair

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
)

// An mbox after a UTF-8 byte-order mark is split as scan splits it
// (parse.MboxHead, parse.EachMbox): each message repaired on its own, the
// mark kept as it is and in no message.
func TestRepairMboxAfterBOM(t *testing.T) {
	kb := filepath.Join("..", "rules", "testdata", "kb")
	raw := append([]byte("\xEF\xBB\xBF"), mboxOf(t, filepath.Join(kb, "blank-charset", "near-us-ascii.eml"), filepath.Join(kb, "blank-charset", "fire-blank.eml"))...)
	res, err := Bytes(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != model.RepairRepaired || !bytes.HasPrefix(res.Output, []byte("\xEF\xBB\xBFFrom alee@example.org ")) {
		t.Fatalf("status %s, copy %.40q", res.Status, res.Output)
	}
	if got, err := Replay(raw, res.Changes); err != nil || !bytes.Equal(got, res.Output) {
		t.Fatalf("the changes do not give the copy: %v", err)
	}
	segs, err := parse.SplitMbox(bytes.NewReader(res.Output))
	if err != nil || len(segs) != 2 || segs[0].Prologue != 3 {
		t.Fatalf("the copy: %+v, %v", segs, err)
	}
	for _, c := range res.Changes {
		if c.Offset < segs[1].Offset {
			t.Errorf("a change in message 1 or the mark: %+v", c)
		}
	}
}
