package bisect_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/bisect"
)

// mix is one placement of culprits (and of the suspects a ranking names)
// on a queue.
type mix struct {
	name     string
	n        int
	culprits []int
	suspects []int // ranked, likeliest first
}

// mixes are the placements the round guarantees are checked on: every
// subset of culprits on queues of 1 to 9 messages, and on 1,000 messages
// seeded random ones for k = 0..25 plus ends, neighbours and a block,
// each with no ranking, a ranking that names the culprits, one that names
// only innocent messages (culprits no rule flags) and a half-right one.
func mixes() []mix {
	var out []mix
	for n := 1; n <= 9; n++ {
		for set := 0; set < 1<<n; set++ {
			var c []int
			for i := 0; i < n; i++ {
				if set&(1<<i) != 0 {
					c = append(c, i)
				}
			}
			out = append(out, mix{name: fmt.Sprintf("n=%d/set=%b", n, set), n: n, culprits: c},
				mix{name: fmt.Sprintf("n=%d/set=%b/ranked-last", n, set), n: n, culprits: c, suspects: []int{n - 1}})
		}
	}
	const n = 1000
	fixed := map[string][]int{"first": {0}, "last": {n - 1}, "ends": {0, n - 1}, "adjacent": {499, 500, 501},
		"block": {100, 101, 102, 103, 104, 105, 106, 107, 108, 109}}
	for name, c := range fixed {
		out = append(out, mix{name: name, n: n, culprits: c})
	}
	rng := rand.New(rand.NewSource(13))
	for i := 0; i < 120; i++ {
		k := []int{0, 1, 2, 3, 5, 10, 25}[i%7]
		perm := rng.Perm(n)
		c := append([]int(nil), perm[:k]...)
		innocent := perm[k : k+24]
		out = append(out,
			mix{name: fmt.Sprintf("random-%d/k=%d/uninformed", i, k), n: n, culprits: c},
			mix{name: fmt.Sprintf("random-%d/k=%d/informed", i, k), n: n, culprits: c, suspects: append(append([]int(nil), c...), innocent...)},
			mix{name: fmt.Sprintf("random-%d/k=%d/wrong-suspects", i, k), n: n, culprits: c, suspects: innocent},
			mix{name: fmt.Sprintf("random-%d/k=%d/half-right", i, k), n: n, culprits: c, suspects: append(append([]int(nil), innocent[:12]...), c[:k/2]...)})
	}
	return out
}

func (x mix) find(t *testing.T, tester bisect.Tester, bad map[string]bool) bisect.Result {
	t.Helper()
	ms := fakeQueue(x.n)
	rank := map[string]int{}
	for r, p := range x.suspects {
		rank[ms[p].Path] = r + 1
	}
	res, err := bisect.Find(context.Background(), ms, tester, nil, bisect.Options{Rank: rank})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for p := range bad {
		want = append(want, p)
	}
	sort.Strings(want)
	if got := paths(res.Culprits); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: found %v, want %v", x.name, got, want)
	}
	return res
}

func (x mix) bad() map[string]bool {
	ms := fakeQueue(x.n)
	bad := map[string]bool{}
	for _, p := range x.culprits {
		bad[ms[p].Path] = true
	}
	return bad
}

// TestNeverMoreRoundsThanByHand: on every mix bisect finds exactly the
// culprits and never takes more rounds than the KB's halving by hand on
// the same queue. When the target names the message it died on, it takes
// at most k+1 rounds and sends each message at most once; when it cannot
// (a probe's exit status) it asks the manual procedure's questions and
// takes exactly its rounds.
func TestNeverMoreRoundsThanByHand(t *testing.T) {
	var namedRounds, probeRounds, byHand, count int
	for _, x := range mixes() {
		bad := x.bad()
		for _, named := range []bool{true, false} {
			s := x.find(t, oracle{bad: bad, named: named}, bad).Summary
			if s.Rounds > s.ByHand.Rounds {
				t.Errorf("%s (named=%v): %d rounds, halving by hand %d", x.name, named, s.Rounds, s.ByHand.Rounds)
			}
			if named {
				if k := len(x.culprits); s.Rounds > k+1 {
					t.Errorf("%s: %d rounds for k=%d, want at most k+1", x.name, s.Rounds, k)
				}
				if s.Sent > x.n {
					t.Errorf("%s: %d messages sent for n=%d, want each at most once", x.name, s.Sent, x.n)
				}
				namedRounds += s.Rounds
				byHand += s.ByHand.Rounds
				count++
			} else {
				if s.Rounds != s.ByHand.Rounds {
					t.Errorf("%s: a probe search took %d rounds, by hand %d: it should ask the same questions", x.name, s.Rounds, s.ByHand.Rounds)
				}
				probeRounds += s.Rounds
			}
		}
	}
	t.Logf("%d mixes: %d rounds when the target names the crash, %d with a probe, %d by hand", count, namedRounds, probeRounds, byHand)
}

func TestNoCulpritIsClearedInOneRound(t *testing.T) {
	for _, named := range []bool{true, false} {
		res, err := bisect.Find(context.Background(), fakeQueue(50), oracle{bad: map[string]bool{}, named: named}, nil, bisect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// As by hand: put everything back once; it goes through.
		if len(res.Culprits) != 0 || res.Summary.Rounds != 1 || res.Summary.Sent != 50 || res.Summary.ByHand.Rounds != 1 {
			t.Errorf("want no culprit in one round of 50 messages, got %+v", res.Summary)
		}
	}
}

// recorder keeps how many messages each round sent.
type recorder struct {
	oracle
	sent *[]int
}

func (r recorder) Test(ctx context.Context, round int, g []*model.Message) (bisect.Outcome, error) {
	out, err := r.oracle.Test(ctx, round, g)
	*r.sent = append(*r.sent, out.Sent)
	return out, err
}

// TestSuspectsFirstFindsTheFirstCulpritAtOnce: with a target that names
// the crash and a ranking that is right, the first round stops on rank 1
// after one message, where file order sends everything before it first;
// the rounds are the same.
func TestSuspectsFirstFindsTheFirstCulpritAtOnce(t *testing.T) {
	ms := fakeQueue(1000)
	bad := map[string]bool{ms[700].Path: true, ms[900].Path: true}
	for _, rank := range []map[string]int{{ms[900].Path: 1, ms[700].Path: 2, ms[3].Path: 3}, nil} {
		var sent []int
		res, err := bisect.Find(context.Background(), ms, recorder{oracle{bad: bad, named: true}, &sent}, nil, bisect.Options{Rank: rank})
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary.Rounds != 3 || len(res.Culprits) != 2 || res.Summary.Sent != 1000 {
			t.Fatalf("rank %v: %+v", rank, res.Summary)
		}
		if rank != nil && sent[0] != 1 {
			t.Errorf("informed: the first round sent %d message(s) up to the crash, want 1 (rank 1 first)", sent[0])
		}
		if rank == nil && sent[0] != 701 {
			t.Errorf("file order: the first round sent %d message(s), want 701", sent[0])
		}
		for _, c := range res.Culprits {
			if want := rank[c.Path]; c.Rank != want {
				t.Errorf("culprit %s has rank %d, want %d", c.Path, c.Rank, want)
			}
		}
	}
}

// TestBisectTable makes the table of docs/bisect.md: rounds and messages
// sent for k culprits among 1,000 messages, mean of 20 seeded placements,
// with a target that names the crash (informed: the culprits are triage's
// suspects, with 5 innocent ones; uninformed: no rule flags them) and
// with a probe, against halving by hand. IMSF_BISECT_TABLE=1 prints it.
func TestBisectTable(t *testing.T) {
	const n, runs = 1000, 20
	rng := rand.New(rand.NewSource(1000))
	var b strings.Builder
	b.WriteString("| k | target names the crash, informed: rounds / sent / sent until the 1st culprit | same, uninformed | probe (exit status only): rounds / sent | halving by hand: rounds / sent |\n|---|---|---|---|---|\n")
	for _, k := range []int{1, 2, 3, 10, 25} {
		var sum [10]int
		for r := 0; r < runs; r++ {
			perm := rng.Perm(n)
			c := perm[:k]
			informed := mix{n: n, culprits: c, suspects: append(append([]int(nil), c...), perm[k:k+5]...)}
			uninformed := mix{n: n, culprits: c}
			bad := uninformed.bad()
			for i, x := range []mix{informed, uninformed} {
				var sent []int
				s := x.find(t, recorder{oracle{bad: bad, named: true}, &sent}, bad).Summary
				sum[3*i] += s.Rounds
				sum[3*i+1] += s.Sent
				sum[3*i+2] += sent[0]
			}
			s := uninformed.find(t, oracle{bad: bad}, bad).Summary
			sum[6] += s.Rounds
			sum[7] += s.Sent
			sum[8] += s.ByHand.Rounds
			sum[9] += s.ByHand.Sent
		}
		avg := func(v int) string { return fmt.Sprintf("%.1f", float64(v)/runs) }
		fmt.Fprintf(&b, "| %d | %s / %s / %s | %s / %s / %s | %s / %s | %s / %s |\n", k,
			avg(sum[0]), avg(sum[1]), avg(sum[2]), avg(sum[3]), avg(sum[4]), avg(sum[5]), avg(sum[6]), avg(sum[7]), avg(sum[8]), avg(sum[9]))
	}
	if os.Getenv("IMSF_BISECT_TABLE") != "" {
		fmt.Print(b.String())
	}
	t.Log("\n" + b.String())
}
