package repair

import (
	"bytes"
	"os"
	"testing"

	"github.com/imsforensic/imsforensic/internal/kbsample"
	"github.com/imsforensic/imsforensic/model"
)

// FuzzRepair: on any input, Bytes does not panic, and a repaired copy is
// the input plus exactly the listed changes, with the envelope kept and no
// crash-class finding left.
func FuzzRepair(f *testing.F) {
	for _, c := range kbsample.All(f, "..") {
		if raw, err := os.ReadFile(c.Path); err == nil && len(raw) < 64<<10 {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 256<<10 {
			t.Skip()
		}
		res, err := Bytes(raw, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != model.RepairRepaired {
			if res.Output != nil {
				t.Fatalf("%s with a copy", res.Status)
			}
			return
		}
		got, err := Replay(raw, res.Changes)
		if err != nil || !bytes.Equal(got, res.Output) {
			t.Fatalf("the changes do not give the copy: %v", err)
		}
		st, err := check(memText(res.Output), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range st.fs {
			if f.Class == model.ClassCrash {
				t.Fatalf("crash finding %s left in the copy", f.Rule)
			}
		}
		orig, _ := check(memText(raw), Options{})
		if n := orig.m.MessageOffset; n > 0 && (st.m.MessageOffset != n || !bytes.Equal(raw[:n], res.Output[:n])) {
			t.Fatalf("envelope changed")
		}
	})
}
