package triage

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/model"
)

// A real NT 4.0 Drwtsn32.log block (evidence/testdata/real, MANIFEST.md)
// whose "App:" line names no program: the block's task list says pid 66
// was EveryDiscord.ex.exe. It is no crash of the store or the IMS, so a
// file written 31 s before it gets no time reason and the conclusions say
// the evidence holds no crash. Before, the program was read as unknown,
// which triage keeps as a possible Exchange crash.
func TestRealNT4DrWatsonOfAnotherProgramIsNoCrash(t *testing.T) {
	f := evidence.Load(filepath.Join("..", "evidence", "testdata", "real", "backcord-nt4-drwtsn32-excerpt.log"), &evidence.Options{TZ: time.UTC})
	if f.Err != nil || len(f.Events) != 1 {
		t.Fatalf("%d events, %v", len(f.Events), f.Err)
	}
	crash := f.Events[0].Time
	r := Rank([]*model.Message{
		msg("IN", "JUSTBEF1", crash.Add(-31*time.Second), "no-final-crlf"),
		msg("IN", "EARLIER1", crash.Add(-13*time.Minute), "no-final-crlf"),
	}, f.Events, Options{})
	for _, s := range r.Suspects {
		if tr, ok := reasonOf(s, KindTime); ok {
			t.Errorf("%s got a time reason from another program's crash: %q", s.Name, tr.Detail)
		}
	}
	said := false
	for _, c := range r.Conclusions {
		said = said || strings.Contains(c.Text, "holds no crash event")
	}
	if !said {
		t.Errorf("conclusions %+v: want \"no crash event\"", r.Conclusions)
	}
}
