package bisect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
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

// Namer is a Tester that can say which message the target died taking
// (an SMTP server that drops the connection or answers 554 during the
// DATA of one message). Find then tests the suspects first: the order
// costs no round when every crash is named.
type Namer interface {
	NamesCulprit() bool
}

// Outcome is one round's answer.
type Outcome struct {
	Crashed bool
	Sent    int
	// At is the 1-based place in the group of the message the target
	// died taking, when the tester knows it (the connection dropped, or
	// 554, during that message's DATA); 0 = not known (a probe's exit
	// status, a health check after the group).
	At int
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

// Options are what Find knows beyond the target's answers.
type Options struct {
	// Rank is triage's ranking by path (1 = the likeliest poison) of the
	// suspects worth testing first; messages not in it are not suspects.
	Rank map[string]int
	// Untestable are the messages the target cannot test (see
	// UntestableOverSMTP), left out of the search and reported.
	Untestable []model.Untestable
	// Resume holds an interrupted run's journal: its rounds are read
	// back instead of being tested again.
	Resume *Resume
	// Target names the target in the journal's first record.
	Target string
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
	Culprits   []model.Culprit
	Untestable []model.Untestable
	Summary    model.BisectSummary
}

// Find searches msgs (in the IMS's file-time order) for every message that
// crashes the target. It stops with an error when a test cannot be
// answered or the journal cannot be written; the rounds done so far are
// in the journal, and Find with Options.Resume goes on from them.
//
// The search is the KB's halving by hand (ManualHalving) done by a
// program, sharpened by what the target can say:
//
//   - Every message not yet decided is tested in one round (the first
//     round is the whole queue: a queue with no culprit takes one round,
//     as by hand).
//   - A crash during one message's DATA names that message: it is a
//     culprit, the messages before it went through and are cleared, and
//     the ones after it were never sent and stay undecided. With k
//     culprits that is at most k+1 rounds and every message sent once.
//   - A crash the target cannot place (a probe's exit status, a health
//     check) is searched as by hand: test the first half; when it goes
//     through, the culprit is in the other half; when it crashes, the
//     other half is tested in a round of its own later (another culprit
//     may be there). Each round answers one of the questions the manual
//     procedure asks, in the same order, so it never takes more rounds.
//
// Outputs among the evidence are refused (package guard): a Journal with
// a Path method (atomicfile.JSONLWriter) and a Tester with OutputDirs
// (ProbeTester) are checked against the messages' files and queue folders
// before the first round; the error wraps guard.ErrInsideEvidence.
func Find(ctx context.Context, msgs []*model.Message, t Tester, j Journal, opts Options) (Result, error) {
	order := orderFor(msgs, t, opts.Rank)
	b := &search{tester: t, journal: j, all: order, resume: opts.Resume, rank: opts.Rank}
	res := Result{Culprits: []model.Culprit{}, Untestable: opts.Untestable}
	if res.Untestable == nil {
		res.Untestable = []model.Untestable{}
	}
	if err := checkOutputs(msgs, t, j); err != nil {
		return res, err
	}
	if err := b.begin(opts.Target, res.Untestable); err != nil {
		return res, err
	}
	if err := b.run(ctx, &res); err != nil {
		return res, err
	}
	sort.SliceStable(res.Culprits, func(i, j int) bool { return res.Culprits[i].Round < res.Culprits[j].Round })
	res.Summary = b.summary(msgs, &res)
	if b.resume == nil || !b.resume.done {
		if err := b.append(res.Summary); err != nil {
			return res, err
		}
	}
	return res, nil
}

// begin journals the search's first record (the queue, its order and the
// target) and the untestable messages, or, when resuming, checks that the
// journal is of this same search and writes nothing it already holds.
func (b *search) begin(target string, untestable []model.Untestable) error {
	start := model.BisectStart{Type: model.TypeBisectStart, Schema: model.SchemaVersion, Messages: len(b.all), Order: orderHash(b.all), Target: target}
	if b.resume != nil {
		if err := b.resume.matches(start); err != nil {
			return err
		}
	} else if err := b.append(start); err != nil {
		return err
	}
	if b.resume != nil && b.resume.untestable {
		return nil
	}
	for _, u := range untestable {
		if err := b.append(u); err != nil {
			return err
		}
	}
	return nil
}

// set is a group of messages (indexes into search.all) still to be
// decided.
type set struct {
	idx     []int
	crashes bool // known to hold a culprit
}

// run is the search itself: it takes the sets still to decide off a stack
// until none is left. A set not known to crash is tested whole (the first
// one is the whole queue); a set known to crash is one culprit when it
// holds one message, and otherwise is halved as by hand.
func (b *search) run(ctx context.Context, res *Result) error {
	if len(b.all) > 0 {
		all := make([]int, len(b.all))
		for i := range all {
			all[i] = i
		}
		b.pending = append(b.pending, set{idx: all})
	}
	first := true
	for len(b.pending) > 0 {
		s := b.pending[len(b.pending)-1]
		b.pending = b.pending[:len(b.pending)-1]
		var err error
		switch {
		case !s.crashes:
			phase := model.PhaseRemainder
			if first {
				phase = model.PhaseWhole
			}
			first = false
			err = b.testWhole(ctx, res, phase, s.idx)
		case len(s.idx) == 1:
			err = b.culprit(res, s.idx[0])
		default:
			err = b.halve(ctx, res, s.idx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// testWhole tests every message of g in one round.
func (b *search) testWhole(ctx context.Context, res *Result, phase model.BisectPhase, g []int) error {
	out, err := b.test(ctx, phase, g)
	if err != nil {
		return err
	}
	if out.Crashed {
		return b.found(res, g, out)
	}
	return nil
}

// halve tests the first half of g, which is known to hold a culprit: when
// it goes through, the culprit is in the other half; when it crashes, the
// other half still gets a round of its own, as by hand (another culprit
// may be there).
func (b *search) halve(ctx context.Context, res *Result, g []int) error {
	half := (len(g) + 1) / 2
	a, rest := g[:half], g[half:]
	out, err := b.test(ctx, model.PhaseHalf, a)
	if err != nil {
		return err
	}
	if !out.Crashed {
		b.pending = append(b.pending, set{idx: rest, crashes: true})
		return nil
	}
	b.pending = append(b.pending, set{idx: rest})
	return b.found(res, a, out)
}

// found handles a crashed round on g: a named message is a culprit, the
// ones before it are cleared and the ones after it are still undecided;
// without a name the messages sent hold a culprit and the ones not sent
// are undecided.
func (b *search) found(res *Result, g []int, out Outcome) error {
	if out.At > 0 && out.At <= len(g) {
		if rest := g[out.At:]; len(rest) > 0 {
			b.pending = append(b.pending, set{idx: rest})
		}
		return b.culprit(res, g[out.At-1])
	}
	sent := out.Sent
	if sent <= 0 || sent > len(g) {
		sent = len(g)
	}
	if sent < len(g) {
		b.pending = append(b.pending, set{idx: g[sent:]})
	}
	b.pending = append(b.pending, set{idx: g[:sent], crashes: true})
	return nil
}

// summary is the search's last record: its counts beside the bound of
// blind group testing and the rounds the KB's halving by hand would take
// on the same queue with the same culprits.
func (b *search) summary(msgs []*model.Message, res *Result) model.BisectSummary {
	bad := make(map[*model.Message]bool, len(res.Culprits))
	for _, c := range res.Culprits {
		for _, m := range msgs {
			if m.Path == c.Path {
				bad[m] = true
			}
		}
	}
	return model.BisectSummary{Type: model.TypeBisect, Schema: model.SchemaVersion, Messages: len(msgs), Culprits: len(res.Culprits),
		Rounds: b.rounds, Sent: b.sent, Bound: Bound(len(res.Culprits), len(msgs)),
		ByHand:     ManualHalving(msgs, func(m *model.Message) bool { return bad[m] }),
		Untestable: len(res.Untestable), Resumed: b.replayed}
}

// orderFor is the order the messages are tested in: file time (msgs as
// given), except that with a tester that names the message it died on,
// triage's suspects go first, likeliest first. Every crash then costs one
// round wherever the culprit stands, so the order only decides how soon
// the first culprit is known.
func orderFor(msgs []*model.Message, t Tester, rank map[string]int) []*model.Message {
	out := append([]*model.Message(nil), msgs...)
	if n, ok := t.(Namer); !ok || !n.NamesCulprit() || len(rank) == 0 {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank[out[i].Path], rank[out[j].Path]
		switch {
		case ri > 0 && rj > 0:
			return ri < rj
		default:
			return ri > 0 && rj == 0
		}
	})
	return out
}

// orderHash identifies the searched queue and its test order.
func orderHash(msgs []*model.Message) string {
	h := sha256.New()
	for _, m := range msgs {
		h.Write([]byte(m.Path))
		h.Write([]byte{0})
		h.Write([]byte(strconv.FormatInt(m.Size, 10)))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Bound is k*ceil(log2 n)+k: the rounds of adaptive group testing without
// a named crash, for comparison.
func Bound(k, n int) int {
	if n <= 1 {
		return k
	}
	return k*int(math.Ceil(math.Log2(float64(n)))) + k
}

// search is one Find's state.
type search struct {
	tester   Tester
	journal  Journal
	all      []*model.Message
	rank     map[string]int
	resume   *Resume
	rounds   int
	sent     int
	replayed int
	// pending are the sets still to decide, the next one last.
	pending []set
}

// test runs one round on the messages at idx, or reads it back from the
// journal being resumed.
func (b *search) test(ctx context.Context, phase model.BisectPhase, idx []int) (Outcome, error) {
	if err := ctx.Err(); err != nil {
		return Outcome{}, fmt.Errorf("bisect: %w", err)
	}
	group := make([]*model.Message, len(idx))
	paths := make([]string, len(idx))
	for i, k := range idx {
		group[i] = b.all[k]
		paths[i] = b.all[k].Path
	}
	b.rounds++
	if b.resume != nil && b.rounds <= len(b.resume.rounds) {
		st := b.resume.rounds[b.rounds-1]
		if !slices.Equal(st.Paths, paths) || st.Phase != phase {
			return Outcome{}, fmt.Errorf("bisect: resume: round %d of the journal tested %d message(s) (%s), this search asks about %d (%s): the queue or the flags changed since",
				b.rounds, len(st.Paths), st.Phase, len(paths), phase)
		}
		b.sent += st.Sent
		b.replayed++
		return Outcome{Crashed: st.Crashed, Sent: st.Sent, At: st.At, Why: st.Why}, nil
	}
	out, err := b.tester.Test(ctx, b.rounds, group)
	b.sent += out.Sent
	st := model.BisectStep{Type: model.TypeBisectStep, Schema: model.SchemaVersion, Round: b.rounds, Time: time.Now().UTC(), Phase: phase,
		Size: len(idx), Crashed: out.Crashed, Sent: out.Sent, At: out.At, Why: out.Why, Paths: paths}
	if err != nil {
		st.Why = failedPrefix + err.Error()
		st.Crashed, st.At = false, 0
		if jerr := b.append(st); jerr != nil {
			return Outcome{}, jerr
		}
		return Outcome{}, fmt.Errorf("bisect: round %d: %w", b.rounds, err)
	}
	if !out.Crashed {
		st.Cleared = len(idx)
	} else if out.At > 0 && out.At <= len(idx) {
		st.Cleared = out.At - 1
	}
	if err := b.append(st); err != nil {
		return Outcome{}, err
	}
	return out, nil
}

// failedPrefix starts the Why of a round that could not be answered; a
// resumed run tests that round again.
const failedPrefix = "test failed: "

// culprit records the message at i as a culprit, and journals it unless
// the journal being resumed has it already.
func (b *search) culprit(res *Result, i int) error {
	m := b.all[i]
	c := culpritOf(m, b.rounds)
	c.Rank = b.rank[m.Path]
	res.Culprits = append(res.Culprits, c)
	if b.resume != nil && b.resume.culprits[m.Path] {
		return nil
	}
	st := model.BisectStep{Type: model.TypeBisectStep, Schema: model.SchemaVersion, Round: b.rounds, Time: time.Now().UTC(),
		Phase: model.PhaseIsolated, Size: 1, Crashed: true, Culprit: m.Path, Paths: []string{m.Path}}
	if err := b.append(st); err != nil {
		return err
	}
	return b.append(c)
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
