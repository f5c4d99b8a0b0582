package bisect

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/model"
)

// Tester replays one group to the target and reports whether the target
// crashed. Sent is how many messages actually went to the target (a
// tester stops at the first crash: a dead server takes nothing more).
// An error means the question could not be answered (not a crash).
type Tester interface {
	Test(ctx context.Context, round int, group []*model.Message) (Outcome, error)
}

// Outcome is one round's answer.
type Outcome struct {
	Crashed bool
	Sent    int
	// Why says what showed the crash or health: "connection dropped
	// during DATA of NAME", "554 5.6.0 on DATA", "probe exit status 3".
	Why string
}

// Journal receives one record per round and the final records. Append
// must make the record durable before returning (atomicfile.JSONLWriter
// does: write then fsync).
type Journal interface {
	Append(v any) error
}

// checkOutputs refuses a journal or probe folder among the evidence.
func checkOutputs(msgs []*model.Message, t Tester, j Journal) error {
	in := &guard.Inputs{}
	paths := make([]string, len(msgs))
	for i, m := range msgs {
		paths[i] = m.Path
	}
	in.AddQueueFiles(paths...)
	if p, ok := j.(interface{ Path() string }); ok {
		if err := in.Check("the journal", p.Path()); err != nil {
			return fmt.Errorf("bisect: %w", err)
		}
	}
	if od, ok := t.(interface{ OutputDirs() []string }); ok {
		for _, d := range od.OutputDirs() {
			if err := in.Check("the probe folder", d); err != nil {
				return fmt.Errorf("bisect: %w", err)
			}
		}
	}
	return nil
}

// Result is what Find found.
type Result struct {
	Culprits []model.Culprit
	Summary  model.BisectSummary
}

// Find searches msgs (in the order given: the IMS's file-time order) for
// every message that crashes the target. It stops with an error when a
// test cannot be answered or the journal cannot be written; the rounds
// done so far are in the journal.
//
// Outputs among the evidence are refused (package guard): a Journal with
// a Path method (atomicfile.JSONLWriter) and a Tester with OutputDirs
// (ProbeTester) are checked against the messages' files and queue folders
// before the first round; the error wraps guard.ErrInsideEvidence.
func Find(ctx context.Context, msgs []*model.Message, t Tester, j Journal) (Result, error) {
	b := &search{tester: t, journal: j, all: msgs}
	res := Result{Culprits: []model.Culprit{}}
	if err := checkOutputs(msgs, t, j); err != nil {
		return res, err
	}
	all := make([]int, len(msgs))
	for i := range all {
		all[i] = i
	}
	// Descend: test the first half of what is left; a half that goes
	// through is cleared and the rest is halved again, until a half
	// crashes. Testing the whole queue first would cost one more round
	// for every queue that does crash, which is the case bisect is for;
	// a queue with no culprit costs ceil(log2 n)+1 rounds instead of 1.
	var unknown []int // not yet tested since the last culprit
	var known []int   // a set that holds a culprit
	crashed := false
	for pool := all; len(pool) > 0 && !crashed; {
		half := (len(pool) + 1) / 2
		c, err := b.test(ctx, model.PhaseHalf, pool[:half])
		if err != nil {
			return res, err
		}
		if c {
			crashed, known, unknown = true, pool[:half], pool[half:]
		} else {
			pool = pool[half:]
		}
	}
	for crashed {
		for len(known) > 1 {
			half := (len(known) + 1) / 2
			a, rest := known[:half], known[half:]
			c, err := b.test(ctx, model.PhaseHalf, a)
			if err != nil {
				return res, err
			}
			if c {
				unknown = merge(unknown, rest)
				known = a
			} else {
				known = rest
			}
		}
		m := msgs[known[0]]
		res.Culprits = append(res.Culprits, culpritOf(m, b.rounds))
		if err := b.note(model.BisectStep{Culprit: m.Path}); err != nil {
			return res, err
		}
		if err := b.append(res.Culprits[len(res.Culprits)-1]); err != nil {
			return res, err
		}
		if len(unknown) == 0 {
			break
		}
		var err error
		if crashed, err = b.test(ctx, model.PhaseRemainder, unknown); err != nil {
			return res, err
		}
		if crashed {
			known, unknown = unknown, nil
		}
	}
	idx := make(map[*model.Message]bool, len(res.Culprits))
	for _, c := range res.Culprits {
		for _, m := range msgs {
			if m.Path == c.Path {
				idx[m] = true
			}
		}
	}
	res.Summary = model.BisectSummary{Type: model.TypeBisect, Schema: model.SchemaVersion, Messages: len(msgs), Culprits: len(res.Culprits),
		Rounds: b.rounds, Sent: b.sent, Bound: Bound(len(res.Culprits), len(msgs)),
		ByHand: ManualHalving(msgs, func(m *model.Message) bool { return idx[m] })}
	if err := b.append(res.Summary); err != nil {
		return res, err
	}
	return res, nil
}

// Bound is k*ceil(log2 n)+k.
func Bound(k, n int) int {
	if n <= 1 {
		return k
	}
	return k*int(math.Ceil(math.Log2(float64(n)))) + k
}

// search is one Find's state.
type search struct {
	tester  Tester
	journal Journal
	all     []*model.Message
	rounds  int
	sent    int
}

// test runs one round on the messages at idx.
func (b *search) test(ctx context.Context, phase model.BisectPhase, idx []int) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("bisect: %w", err)
	}
	group := make([]*model.Message, len(idx))
	paths := make([]string, len(idx))
	for i, k := range idx {
		group[i] = b.all[k]
		paths[i] = b.all[k].Path
	}
	b.rounds++
	out, err := b.tester.Test(ctx, b.rounds, group)
	b.sent += out.Sent
	st := model.BisectStep{Type: model.TypeBisectStep, Schema: model.SchemaVersion, Round: b.rounds, Time: time.Now().UTC(), Phase: phase,
		Size: len(idx), Crashed: out.Crashed, Sent: out.Sent, Why: out.Why, Paths: paths}
	if err != nil {
		st.Why = "test failed: " + err.Error()
		if jerr := b.append(st); jerr != nil {
			return false, jerr
		}
		return false, fmt.Errorf("bisect: round %d: %w", b.rounds, err)
	}
	if !out.Crashed {
		st.Cleared = len(idx)
	}
	if err := b.append(st); err != nil {
		return false, err
	}
	return out.Crashed, nil
}

// note journals a decision that took no round (a culprit isolated).
func (b *search) note(st model.BisectStep) error {
	st.Type, st.Schema, st.Round, st.Time, st.Phase = model.TypeBisectStep, model.SchemaVersion, b.rounds, time.Now().UTC(), model.PhaseIsolated
	st.Paths = []string{st.Culprit}
	st.Size = 1
	st.Crashed = true
	return b.append(st)
}

func (b *search) append(v any) error {
	if b.journal == nil {
		return nil
	}
	if err := b.journal.Append(v); err != nil {
		return fmt.Errorf("bisect: journal: %w", err)
	}
	return nil
}

// merge returns the union of two index lists, in index order.
func merge(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			out = append(out, a[i])
			i++
		default:
			out = append(out, b[j])
			j++
		}
	}
	return out
}

func culpritOf(m *model.Message, round int) model.Culprit {
	c := model.Culprit{Type: model.TypeCulprit, Schema: model.SchemaVersion, Path: m.Path, Name: m.Name, Queue: m.Queue,
		Round: round, TopClass: m.TopClass(), Rules: []string{}}
	seen := map[string]bool{}
	for _, f := range m.Findings {
		if f.Class >= model.ClassStall && !seen[f.Rule] {
			seen[f.Rule] = true
			c.Rules = append(c.Rules, f.Rule)
		}
	}
	return c
}
