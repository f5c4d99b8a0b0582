package repair

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

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
	if segs := mboxMessages(raw); len(segs) > 1 {
		return bytesMbox(raw, segs, opts)
	}
	return bytesOne(raw, opts)
}

// mboxMessages splits an mbox file as inventory does (one Message per
// message); nil for anything else.
func mboxMessages(raw []byte) []parse.MboxMessage {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return nil
	}
	segs, err := parse.SplitMbox(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	return segs
}

// bytesMbox repairs each message of an mbox and puts the file together
// again. Offsets are the file's: a change's offset counts the messages
// before it as already repaired (changes apply in order), a remaining
// finding's is in the copy (or, with no copy, in the original).
func bytesMbox(raw []byte, segs []parse.MboxMessage, opts Options) (*Result, error) {
	var out bytes.Buffer
	all := &Result{Status: model.RepairClean, Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}
	var orig []model.RepairRemaining
	blocked, pos := false, int64(0)
	for _, sg := range segs {
		out.Write(raw[pos:sg.Offset])
		seg := raw[sg.Offset : sg.Offset+sg.Length]
		r, err := bytesOne(seg, opts)
		if err != nil {
			return nil, fmt.Errorf("mbox message %d: %w", sg.Ordinal, err)
		}
		base := int64(out.Len())
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
			out.Write(r.Output)
			all.Status = model.RepairRepaired
		case model.RepairNotRepairable:
			blocked = true
			out.Write(seg)
		default:
			out.Write(seg)
		}
		pos = sg.Offset + sg.Length
	}
	out.Write(raw[pos:])
	switch {
	case blocked:
		return &Result{Status: model.RepairNotRepairable, Changes: []model.RepairChange{}, Remaining: orig}, nil
	case all.Status == model.RepairRepaired:
		all.Output = out.Bytes()
	}
	return all, nil
}

// bytesOne repairs the bytes of one message.
func bytesOne(raw []byte, opts Options) (*Result, error) {
	cur := raw
	var changes []model.RepairChange
	gaveUp := map[string]string{} // rule -> why not repaired
	orig, err := check(raw, opts)
	if err != nil {
		return nil, err
	}
	if !hasTargets(orig.fs) {
		return &Result{Status: model.RepairClean, Changes: []model.RepairChange{}, Remaining: []model.RepairRemaining{}}, nil
	}
	st := orig
	for step := 0; step < maxSteps; step++ {
		id, fs := nextTarget(st.fs, gaveUp)
		if id == "" {
			break
		}
		next, ch, why := fixRule(cur, st, id, fs, opts)
		if why != "" {
			gaveUp[id] = why
			continue
		}
		nst, err := check(next, opts)
		if err != nil {
			return nil, err
		}
		if count(nst.fs, id) >= len(fs) {
			gaveUp[id] = "the repair did not remove the trigger"
			continue
		}
		cur, st = next, nst
		changes = append(changes, ch...)
	}
	res := &Result{Changes: changes, Remaining: remaining(st.fs, gaveUp)}
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
		return &Result{Status: model.RepairNotRepairable, Changes: []model.RepairChange{}, Remaining: remaining(fs, gaveUp)}, nil
	}
	res.Status, res.Output = model.RepairRepaired, cur
	return res, nil
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

func check(raw []byte, opts Options) (*state, error) {
	m, err := parse.ParseBytes(raw, opts.Parse)
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
func fixRule(cur []byte, st *state, id string, fs []model.Finding, opts Options) ([]byte, []model.RepairChange, string) {
	fix, ok := fixers[id]
	if !ok {
		return nil, nil, rules.RepairDoc(id)
	}
	s := &site{raw: cur, m: st.m, fs: fs, cfg: opts.Rules.WithDefaults()}
	edits, why := fix(s)
	if why != "" {
		return nil, nil, why
	}
	if len(edits) == 0 {
		return nil, nil, "no change found for this finding"
	}
	kb := []string{}
	if r, ok := rules.Lookup(id); ok && r.KB != nil {
		kb = r.KB
	}
	next, ch, err := apply(cur, edits, st.m.MessageOffset, id, kb)
	if err != nil {
		return nil, nil, err.Error()
	}
	return next, ch, ""
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
