package repair

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// Options configure a repair. The zero value repairs with the default rules
// and parse limits, for a file outside any queue folder.
type Options struct {
	// Rules is the rules configuration used to find triggers and to check
	// the copy again (nil: defaults). Use the scan's configuration, so the
	// copy is judged as the original was.
	Rules *rules.Config
	// Parse are the parse limits (nil: defaults).
	Parse *parse.Options
	// Queue is the input's queue (model.QueueIN, ...): rules that fire in
	// one direction only read it.
	Queue string
	// Context, when set, stops a repair between fixes and, for one read
	// from a file, between windows of the versions it writes (an
	// interrupt): the repair returns the context's error after removing
	// its temporary files, well within the command's grace before it
	// exits.
	Context context.Context
}

// stopped is the context's error, if it is done.
func (o *Options) stopped() error {
	if o.Context == nil {
		return nil
	}
	return o.Context.Err()
}

// Result is the outcome of Bytes.
type Result struct {
	// Status is one of model.RepairRepaired, RepairNotRepairable or
	// RepairClean.
	Status string
	// Output is the repaired copy; nil unless Status is RepairRepaired.
	Output []byte
	// Changes are the edits that made Output, in the order they apply.
	Changes []model.RepairChange
	// Remaining are the crash- and stall-class findings left (in Output
	// when repaired, else in the input), each with why it was not repaired.
	Remaining []model.RepairRemaining
}

// maxSteps bounds the fix-and-check loop: every step fixes one rule (or
// gives up on it), and a fix may at most uncover one other trigger.
const maxSteps = 64

// Bytes repairs one message file's bytes. raw is not modified. An mbox
// file of several messages (RFC 4155) is repaired message by message:
// the copy is written only when no message in it keeps a crash finding.
func Bytes(raw []byte, opts Options) (*Result, error) {
	o, err := repairText(memText(raw), opts, nil)
	if err != nil {
		return nil, err
	}
	if o.out != nil {
		o.Output = o.out.b
	}
	return &o.Result, nil
}

// outcome is a Result whose copy is a text: in memory for an input read
// whole, else a spilled file.
type outcome struct {
	Result
	out *text
}

// repairText is Bytes of a text: versions of a file-backed text are
// spilled through sp, so memory stays a window whatever the size.
func repairText(t *text, opts Options, sp *spill) (*outcome, error) {
	if parse.MboxHead(t.Span(0, min(t.Len(), 64))) { // as scan tells an mbox
		if o, ok, err := repairMbox(t, opts, sp); ok || err != nil {
			return o, err
		}
	}
	return repairOne(t, opts, sp)
}

// repairMbox repairs each message of an mbox (split as inventory does: one
// Message per message) and puts the file together again; ok is false for
// a file of fewer than two messages. Offsets are the file's: a change's
// offset counts the messages before it as already repaired (changes apply
// in order), a remaining finding's is in the copy (or, with no copy, in
// the original). The messages are read one by one, and the copy is
// written only from the first repaired message on: up to there it is the
// original.
func repairMbox(t *text, opts Options, sp *spill) (*outcome, bool, error) {
	all := &outcome{Result: Result{Status: model.RepairClean, Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}}
	var orig []model.RepairRemaining
	var w *version        // the copy, once a message was repaired
	var done, shift int64 // input written to w; the copy's offset minus the input's
	blocked := false
	one := func(sg parse.MboxMessage) error {
		if err := opts.stopped(); err != nil {
			return err
		}
		seg := t.Sub(sg.Offset, sg.Offset+sg.Length)
		if !seg.inMemory() && seg.Len() <= memLimit {
			seg = memText(seg.Span(0, seg.Len()))
		}
		r, err := repairOne(seg, opts, sp)
		if err != nil {
			return fmt.Errorf("mbox message %d: %w", sg.Ordinal, err)
		}
		base := sg.Offset + shift
		for _, c := range r.Changes {
			c.Offset += base
			all.Changes = append(all.Changes, c)
		}
		for _, x := range r.Remaining {
			o := x
			o.Offset += sg.Offset
			orig = append(orig, o)
			x.Offset += base
			all.Remaining = append(all.Remaining, x)
		}
		switch r.Status {
		case model.RepairRepaired:
			defer r.out.release()
			if blocked {
				return nil // no copy will be written
			}
			if w == nil {
				if w, err = newVersion(t, sp); err != nil {
					return err
				}
			}
			if err := w.copy(t, done, sg.Offset); err != nil {
				return err
			}
			if err := w.copy(r.out, 0, r.out.Len()); err != nil {
				return err
			}
			done, shift = sg.Offset+sg.Length, shift+r.out.Len()-sg.Length
			all.Status = model.RepairRepaired
		case model.RepairNotRepairable:
			blocked = true
		}
		return nil
	}
	var prev parse.MboxMessage
	var ferr error
	n := 0
	err := parse.EachMbox(t.Reader(), func(m parse.MboxMessage) bool {
		n++
		if n > 1 {
			ferr = one(prev)
		}
		prev = m
		return ferr == nil
	})
	if ferr == nil && err == nil && n > 1 {
		ferr = one(prev)
	}
	if ferr == nil && err == nil {
		ferr = t.Err()
	}
	if ferr != nil || err != nil {
		if w != nil {
			w.abort()
		}
		if ferr == nil {
			if t.inMemory() {
				return nil, false, nil // as SplitMbox's error always did: not an mbox
			}
			ferr = fmt.Errorf("repair: %w", err)
		}
		return nil, false, ferr
	}
	if n < 2 {
		return nil, false, nil
	}
	switch {
	case blocked:
		if w != nil {
			w.abort()
		}
		return &outcome{Result: Result{Status: model.RepairNotRepairable, Changes: []model.RepairChange{}, Remaining: orig}}, true, nil
	case all.Status == model.RepairRepaired:
		if err := w.copy(t, done, t.Len()); err != nil {
			w.abort()
			return nil, false, err
		}
		all.out = w.text()
	}
	return all, true, nil
}

// repairOne repairs the bytes of one message.
func repairOne(raw *text, opts Options, sp *spill) (*outcome, error) {
	cur := raw
	var changes []model.RepairChange
	gaveUp := map[string]string{} // rule -> why not repaired
	orig, err := check(raw, opts)
	if err != nil {
		return nil, err
	}
	if !hasTargets(orig.fs) {
		return &outcome{Result: Result{Status: model.RepairClean, Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}}, nil
	}
	// Every version but the input is released when it is replaced, and
	// the last one on every way out but a repaired copy.
	ok := false
	defer func() {
		if !ok && cur != raw {
			cur.release()
		}
	}()
	st := orig
	for step := 0; step < maxSteps; step++ {
		if err := opts.stopped(); err != nil {
			return nil, err
		}
		id, fs := nextTarget(st.fs, gaveUp)
		if id == "" {
			break
		}
		next, ch, why, err := fixRule(cur, st, id, fs, opts, sp)
		if err != nil {
			return nil, err
		}
		if why != "" {
			gaveUp[id] = why
			continue
		}
		nst, err := check(next, opts)
		if err != nil {
			next.release()
			return nil, err
		}
		if count(nst.fs, id) >= len(fs) {
			next.release()
			gaveUp[id] = "the repair did not remove the trigger"
			continue
		}
		if cur != raw {
			cur.release()
		}
		cur, st = next, nst
		changes = append(changes, ch...)
	}
	if err := raw.Err(); err != nil {
		return nil, err
	}
	res := Result{Changes: changes, Remaining: remaining(st.fs, gaveUp)}
	if len(changes) == 0 || slices.ContainsFunc(res.Remaining, blocks) {
		// No copy: report the original's findings of the rules left, so
		// the offsets are those of a file the user has.
		left := map[string]bool{}
		for _, r := range res.Remaining {
			left[r.Rule] = true
		}
		var fs []model.Finding
		for _, f := range orig.fs {
			if left[f.Rule] {
				fs = append(fs, f)
			}
		}
		return &outcome{Result: Result{Status: model.RepairNotRepairable, Changes: []model.RepairChange{}, Remaining: remaining(fs, gaveUp)}}, nil
	}
	ok = true
	res.Status = model.RepairRepaired
	return &outcome{Result: res, out: cur}, nil
}

// blocks reports a finding left in a copy that makes the copy worthless:
// a crash-class trigger, or a file that holds no message at all.
func blocks(r model.RepairRemaining) bool {
	return r.Class == model.ClassCrash || r.Rule == "no-message" || r.Rule == "empty-file"
}

// state is one version of the file, parsed and checked.
type state struct {
	m  *model.Message
	fs []model.Finding
}

func check(raw *text, opts Options) (*state, error) {
	var m *model.Message
	var err error
	if raw.inMemory() {
		m, err = parse.ParseBytes(raw.b, opts.Parse)
	} else {
		m, err = parse.Parse(outside.StopReader{R: raw.Reader(), Stop: opts.stopped}, opts.Parse)
		if err == nil {
			err = raw.Err()
		}
		if err != nil && !parse.IsLimitExceeded(err) {
			// A read error of a file: what was read is no version to
			// judge (in memory there are none).
			return nil, fmt.Errorf("repair: %w", err)
		}
	}
	if m == nil {
		return nil, fmt.Errorf("repair: parse: %w", err)
	}
	// A limit reached still gives a Message: repair what was read, the
	// check of the copy says whether that was enough.
	m.Queue = opts.Queue
	return &state{m: m, fs: rules.Check(m, opts.Rules)}, nil
}

// isTarget reports a finding repair acts on.
func isTarget(f model.Finding) bool { return f.Class >= model.ClassStall }

func hasTargets(fs []model.Finding) bool { return slices.ContainsFunc(fs, isTarget) }

// nextTarget picks the rule to fix next: the first target finding's rule
// (findings are sorted crash first), skipping rules given up on, with all
// its findings.
func nextTarget(fs []model.Finding, gaveUp map[string]string) (string, []model.Finding) {
	for _, f := range fs {
		if _, done := gaveUp[f.Rule]; done || !isTarget(f) {
			continue
		}
		var of []model.Finding
		for _, g := range fs {
			if g.Rule == f.Rule {
				of = append(of, g)
			}
		}
		return f.Rule, of
	}
	return "", nil
}

func count(fs []model.Finding, id string) int {
	n := 0
	for _, f := range fs {
		if f.Rule == id {
			n++
		}
	}
	return n
}

// fixRule runs rule id's fixer on cur and applies its edits. why is set
// when the rule has no fixer or the fixer declines.
func fixRule(cur *text, st *state, id string, fs []model.Finding, opts Options, sp *spill) (*text, []model.RepairChange, string, error) {
	fix, ok := fixers[id]
	if !ok {
		return nil, nil, rules.RepairDoc(id), nil
	}
	s := &site{raw: cur, m: st.m, fs: fs, cfg: opts.Rules.WithDefaults()}
	edits, why := fix(s)
	if err := cur.Err(); err != nil {
		return nil, nil, "", err
	}
	if why != "" {
		return nil, nil, why, nil
	}
	if len(edits) == 0 {
		return nil, nil, "no change found for this finding", nil
	}
	kb := []string{}
	if r, ok := rules.Lookup(id); ok && r.KB != nil {
		kb = r.KB
	}
	next, ch, err := apply(cur, edits, st.m.MessageOffset, id, kb, sp)
	var werr *writeError
	if errors.As(err, &werr) {
		return nil, nil, "", werr.err // the spill failed: no reason, an error
	}
	if err != nil {
		return nil, nil, err.Error(), nil
	}
	return next, ch, "", nil
}

// remaining lists the target findings of fs with the reason each was left.
func remaining(fs []model.Finding, gaveUp map[string]string) []model.RepairRemaining {
	out := []model.RepairRemaining{}
	for _, f := range fs {
		if !isTarget(f) {
			continue
		}
		why := gaveUp[f.Rule]
		if why == "" {
			why = "left after the step limit of the repair loop"
		}
		out = append(out, model.RepairRemaining{Rule: f.Rule, Class: f.Class, Part: f.Part, Offset: f.Offset, Reason: why})
	}
	return out
}

// SHA256 is the lower-case hex sha256 of b, as in every record.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
