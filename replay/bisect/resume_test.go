package bisect_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/bisect"
)

// failAt answers like its oracle until round stop, which fails (the
// target unreachable, a Ctrl-C); it keeps the rounds it was asked.
type failAt struct {
	oracle
	stop  int
	asked *[]int
}

func (f failAt) Test(ctx context.Context, round int, g []*model.Message) (bisect.Outcome, error) {
	*f.asked = append(*f.asked, round)
	if round == f.stop {
		return bisect.Outcome{}, errors.New("target unreachable")
	}
	return f.oracle.Test(ctx, round, g)
}

func findJournaled(t *testing.T, ms []*model.Message, tester bisect.Tester, jpath string, opts bisect.Options) (bisect.Result, error) {
	t.Helper()
	j, err := atomicfile.OpenJSONL(jpath)
	if err != nil {
		t.Fatal(err)
	}
	res, ferr := bisect.Find(context.Background(), ms, tester, j, opts)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return res, ferr
}

// TestResumeReadsRoundsBackAndGivesTheSameResult: a search stopped at
// round 7 and resumed from its journal asks the target only from round 7
// on, and ends with the result of an uninterrupted search; resuming the
// finished journal asks nothing; a journal of another queue is refused.
func TestResumeReadsRoundsBackAndGivesTheSameResult(t *testing.T) {
	for _, named := range []bool{false, true} {
		ms := fakeQueue(300)
		bad := map[string]bool{ms[17].Path: true, ms[18].Path: true, ms[160].Path: true, ms[299].Path: true}
		o := oracle{bad: bad, named: named}
		want, err := bisect.Find(context.Background(), ms, o, nil, bisect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		stop := 3
		if !named {
			stop = 7
		}
		jpath := filepath.Join(t.TempDir(), "bisect.jsonl")
		var asked []int
		if _, err := findJournaled(t, ms, failAt{o, stop, &asked}, jpath, bisect.Options{}); err == nil {
			t.Fatal("the failing round did not stop the search")
		}
		r, err := bisect.ReadJournal(jpath)
		if err != nil || r == nil || r.Rounds != stop-1 {
			t.Fatalf("ReadJournal: %+v, %v; want %d rounds", r, err, stop-1)
		}
		asked = nil
		got, err := findJournaled(t, ms, failAt{o, -1, &asked}, jpath, bisect.Options{Resume: r})
		if err != nil {
			t.Fatal(err)
		}
		if len(asked) == 0 || asked[0] != stop {
			t.Errorf("named=%v: resumed search asked rounds %v, want from %d on", named, asked, stop)
		}
		if fmt.Sprint(paths(got.Culprits)) != fmt.Sprint(paths(want.Culprits)) || got.Summary.Rounds != want.Summary.Rounds || got.Summary.Sent != want.Summary.Sent {
			t.Errorf("named=%v: resumed %+v %v, uninterrupted %+v %v", named, got.Summary, paths(got.Culprits), want.Summary, paths(want.Culprits))
		}
		if got.Summary.Resumed != stop-1 {
			t.Errorf("named=%v: summary says %d round(s) read back, want %d", named, got.Summary.Resumed, stop-1)
		}
		checkJournal(t, jpath, want.Summary.Rounds, len(want.Culprits))

		// The finished journal: nothing is asked, nothing appended.
		before, _ := os.ReadFile(jpath)
		r, err = bisect.ReadJournal(jpath)
		if err != nil {
			t.Fatal(err)
		}
		asked = nil
		again, err := findJournaled(t, ms, failAt{o, -1, &asked}, jpath, bisect.Options{Resume: r})
		if err != nil || len(asked) != 0 || again.Summary.Rounds != want.Summary.Rounds {
			t.Errorf("named=%v: resuming a finished search asked %v (%v)", named, asked, err)
		}
		if after, _ := os.ReadFile(jpath); string(after) != string(before) {
			t.Errorf("named=%v: resuming a finished search appended to the journal", named)
		}
		// Another queue.
		if _, err := findJournaled(t, fakeQueue(299), o, jpath, bisect.Options{Resume: r}); err == nil || !strings.Contains(err.Error(), "another search") {
			t.Errorf("named=%v: a journal of another queue was accepted: %v", named, err)
		}
	}
}

// checkJournal: rounds 1..rounds each once (a failed round may appear
// before its retry), one culprit record per culprit, one summary.
func checkJournal(t *testing.T, path string, rounds, culprits int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	var nCulprits, nSummary, nStart int
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		switch {
		case strings.Contains(l, `"type":"bisect-step"`) && !strings.Contains(l, `"phase":"isolated"`) && !strings.Contains(l, `test failed: `):
			var r int
			if _, err := fmt.Sscanf(l[strings.Index(l, `"round":`)+len(`"round":`):], "%d", &r); err != nil {
				t.Fatalf("journal line %s: %v", l, err)
			}
			seen[r]++
		case strings.Contains(l, `"type":"culprit"`):
			nCulprits++
		case strings.Contains(l, `"type":"bisect"`):
			nSummary++
		case strings.Contains(l, `"type":"bisect-start"`):
			nStart++
		}
	}
	for r := 1; r <= rounds; r++ {
		if seen[r] != 1 {
			t.Errorf("journal holds round %d %d time(s), want once", r, seen[r])
		}
	}
	if len(seen) != rounds || nCulprits != culprits || nSummary != 1 || nStart != 1 {
		t.Errorf("journal: %d rounds (want %d), %d culprits (want %d), %d summaries, %d start records", len(seen), rounds, nCulprits, culprits, nSummary, nStart)
	}
}

// TestEnvelopeOnlyPoisonIsNotTestableOverSMTP: the corpus's X.400
// message (the long address is in the IMS envelope only) cannot crash an
// SMTP server; a blank-charset message (in the RFC 822 part) can.
func TestEnvelopeOnlyPoisonIsNotTestableOverSMTP(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: 20, Seed: 4, Poison: []string{"x400-address-over-1024", "blank-charset"}}); err != nil {
		t.Fatal(err)
	}
	ms, err := inventory.Scan(context.Background(), []string{dir}, inventory.Options{Slim: true})
	if err != nil {
		t.Fatal(err)
	}
	var x400, blank int
	for _, m := range ms {
		u, ok := bisect.UntestableOverSMTP(m)
		switch {
		case hasRule(m, "x400-address-over-1024"):
			x400++
			if !ok || u.Rules[0] != "x400-address-over-1024" || !strings.Contains(u.How, "imcdata:") {
				t.Errorf("%s: x400 message testable over SMTP? %+v %v", m.Name, u, ok)
			}
		case hasRule(m, "blank-charset"):
			blank++
			if ok {
				t.Errorf("%s: blank-charset message called untestable: %+v", m.Name, u)
			}
		case ok:
			t.Errorf("%s: clean message called untestable: %+v", m.Name, u)
		}
	}
	if x400 == 0 || blank == 0 {
		t.Fatalf("corpus planted %d x400 and %d blank-charset messages", x400, blank)
	}
}

func hasRule(m *model.Message, rule string) bool {
	for _, f := range m.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}
