package redact

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// Options configure a Redactor.
type Options struct {
	// Key keys the placeholders (HMAC-SHA256): the same key maps the same
	// word to the same placeholder in every file and every run. Empty: a
	// random key for this Redactor, so placeholders agree within one run
	// only.
	Key []byte
	// Rules is the rules configuration the copy is checked with (nil:
	// defaults); Parse the parse limits (nil: defaults).
	Rules *rules.Config
	Parse *parse.Options
	// NoMapping: the caller will not ask for Mapping, so the words met are
	// not kept for it (they grow with the distinct words of a run: an mbox
	// of 300,000 messages with a subject each).
	NoMapping bool
	// Context, when set, stops File between the messages of an mbox read
	// message by message (an interrupt): it returns the context's error
	// after removing its temporary file.
	Context context.Context
}

// Redactor redacts messages with one key. It is safe for concurrent use.
type Redactor struct {
	mp   *mapper
	opts Options
}

// New returns a Redactor; with no key it draws a random one.
func New(opts Options) (*Redactor, error) {
	key := opts.Key
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("redact: key: %w", err)
		}
	}
	mp := newMapper(key)
	mp.noSeen = opts.NoMapping
	return &Redactor{mp: mp, opts: opts}, nil
}

// Result is the outcome of Bytes.
type Result struct {
	Status string // model.Redact*
	// Output is the redacted copy; nil when Status is RedactNotSafe.
	Output []byte
	// Rules are the rule IDs that fired on the input, sorted.
	Rules []string
	// Changed are the findings that redaction removed or added.
	Changed []model.RedactChange
	// Kept are the ranges left as written because a finding needs them.
	Kept []model.RedactKept
	// Left are words of the original still in the copy.
	Left []model.RedactLeft
}

// maxEscalations bounds how often a lost finding widens what is kept: the
// byte it points at, then its evidence, then its field or part.
const maxEscalations = 3

// Bytes redacts one message file's bytes (queue as in model.Message.Queue,
// for the rules that read it). raw is not modified. An mbox file of
// several messages (RFC 4155) is redacted message by message; its status
// is the worst of theirs.
func (r *Redactor) Bytes(raw []byte, queue string) (*Result, error) {
	if !parse.MboxHead(raw[:min(len(raw), 64)]) { // as scan tells an mbox
		return r.bytesOne(raw, queue)
	}
	segs, err := parse.SplitMbox(bytes.NewReader(raw))
	if err != nil || len(segs) < 2 {
		return r.bytesOne(raw, queue)
	}
	out := make([]byte, len(raw))
	copy(out, raw)
	all := newMboxAll()
	for _, sg := range segs {
		res, err := r.bytesOne(raw[sg.Offset:sg.Offset+sg.Length], queue)
		if err != nil {
			return nil, fmt.Errorf("mbox message %d: %w", sg.Ordinal, err)
		}
		if res.Output != nil {
			copy(out[sg.Offset:], res.Output) // same length, same place
		}
		all.add(res, sg.Offset)
	}
	res := all.done()
	if res.Status != model.RedactNotSafe {
		res.Output = out
	}
	return res, nil
}

// mboxAll gathers the results of an mbox's messages into the file's:
// offsets made the file's, the status the worst of theirs, the rules their
// union. The copy is the caller's (each message's goes where it was).
type mboxAll struct {
	res   *Result
	rules map[string]bool
}

func newMboxAll() *mboxAll {
	return &mboxAll{res: &Result{Status: model.RedactRedacted, Rules: []string{}}, rules: map[string]bool{}}
}

// add takes the result of the message at file offset off.
func (a *mboxAll) add(res *Result, off int64) {
	all := a.res
	for _, id := range res.Rules {
		a.rules[id] = true
	}
	for _, c := range res.Changed {
		c.Offset += off
		all.Changed = append(all.Changed, c)
	}
	for _, k := range res.Kept {
		k.Offset += off
		all.Kept = append(all.Kept, k)
	}
	for _, l := range res.Left {
		l.Offset += off
		all.Left = append(all.Left, l)
	}
	if statusRank[res.Status] > statusRank[all.Status] {
		all.Status = res.Status
	}
}

// done is the file's result, without Output.
func (a *mboxAll) done() *Result {
	for id := range a.rules {
		a.res.Rules = append(a.res.Rules, id)
	}
	sort.Strings(a.res.Rules)
	return a.res
}

// statusRank orders outcomes from best to worst.
var statusRank = map[string]int{model.RedactRedacted: 0, model.RedactKeptForFinding: 1, model.RedactFindingChanged: 2, model.RedactNotSafe: 3}

// bytesOne redacts the bytes of one message.
func (r *Redactor) bytesOne(raw []byte, queue string) (*Result, error) {
	m, err := r.parse(raw, queue)
	if err != nil {
		return nil, err
	}
	before := rules.Check(m, r.opts.Rules)
	// Every byte a finding points at is kept from the start.
	var kept []model.RedactKept
	for _, f := range before {
		kept = append(kept, model.RedactKept{Rule: f.Rule, Offset: f.Offset, Length: 1, Why: "the byte the finding points at"})
	}
	var out []byte
	var pl *plan
	var lost, added []model.Finding
	for step := 0; ; step++ {
		pl = r.pass(raw, m, kept)
		out = pl.out
		m2, err := r.parse(out, queue)
		if err != nil {
			return nil, err
		}
		after := rules.Check(m2, r.opts.Rules)
		lost, added = diffFindings(before, after), diffFindings(after, before)
		if len(lost)+len(added) == 0 || step == maxEscalations {
			break
		}
		kept = append(kept, escalate(m, append(lost, added...), step)...)
	}
	res := &Result{Status: model.RedactRedacted, Output: out, Rules: ruleIDs(before), Kept: mergeKept(kept)}
	res.Changed = findingChanges(lost, added)
	// Words are looked for where redaction works on the bytes as written:
	// syntax is kept on purpose, and transfer-encoded bodies were redacted
	// through their decoded form.
	skip := pl.untouched()
	res.Left = append(leftWords(raw, out, skip, res.Kept), leftEnvelope(m, out, res.Kept)...)
	switch {
	case slicesAny(res.Left, func(l model.RedactLeft) bool { return l.Rule == "" }):
		res.Status, res.Output = model.RedactNotSafe, nil
	case len(res.Changed) > 0:
		res.Status = model.RedactFindingChanged
	case len(res.Left) > 0:
		res.Status = model.RedactKeptForFinding
	}
	return res, nil
}

func (r *Redactor) parse(raw []byte, queue string) (*model.Message, error) {
	m, err := parse.ParseBytes(raw, r.opts.Parse)
	if m == nil {
		return nil, fmt.Errorf("redact: parse: %w", err)
	}
	m.Queue = queue
	return m, nil
}

// pass is one redaction of raw with the ranges of kept left as written.
func (r *Redactor) pass(raw []byte, m *model.Message, kept []model.RedactKept) *plan {
	n := len(raw)
	out := make([]byte, n) // never nil: an empty file has an empty copy
	copy(out, raw)
	p := &plan{raw: raw, out: out, keep: make([]bool, n), done: make([]bool, n), mp: r.mp}
	p.prot = make([]bool, n)
	for _, k := range kept {
		for i := max(k.Offset, 0); i < min(k.Offset+k.Length, int64(n)); i++ {
			p.prot[i] = true
		}
	}
	p.envelope(m)
	p.headers(m)
	p.delimiters(m)
	p.preambles(m)
	p.bodies(m)
	// The mask is made in prot's place (a byte per byte of the message:
	// 32 MB for 2,000,000 header fields), prot being needed no more.
	mask := p.prot
	for i := range mask {
		mask[i] = mask[i] || p.keep[i] || p.done[i]
	}
	p.prot = nil
	p.mp.redactText(p.out, mask)
	return p
}

// findingKey identifies a finding across the original and the copy:
// redaction keeps every length, so offsets agree.
func findingKey(f model.Finding) string {
	return fmt.Sprintf("%s\x00%s\x00%d", f.Rule, f.Part, f.Offset)
}

// diffFindings returns the findings of a that b does not have.
// findingChanges records the findings the copy lost and those it gained.
func findingChanges(lost, added []model.Finding) []model.RedactChange {
	var out []model.RedactChange
	for _, f := range lost {
		out = append(out, model.RedactChange{Rule: f.Rule, Part: f.Part, Offset: f.Offset, Change: "lost"})
	}
	for _, f := range added {
		out = append(out, model.RedactChange{Rule: f.Rule, Part: f.Part, Offset: f.Offset, Change: "added"})
	}
	return out
}

func diffFindings(a, b []model.Finding) []model.Finding {
	in := map[string]int{}
	for _, f := range b {
		in[findingKey(f)]++
	}
	var out []model.Finding
	for _, f := range a {
		if k := findingKey(f); in[k] > 0 {
			in[k]--
		} else {
			out = append(out, f)
		}
	}
	return out
}

// escalate widens what is kept for findings redaction changed: their
// evidence first, then the header field or the whole part they are in.
func escalate(m *model.Message, fs []model.Finding, step int) []model.RedactKept {
	var out []model.RedactKept
	for _, f := range fs {
		if step == 0 {
			out = append(out, model.RedactKept{Rule: f.Rule, Offset: f.Offset, Length: int64(max(len(f.Evidence), 1)), Why: "the finding's evidence"})
			continue
		}
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.Path != f.Part {
				continue
			}
			for _, h := range p.Header {
				if h.Offset <= f.Offset && f.Offset < h.Offset+h.RawLength {
					out = append(out, model.RedactKept{Rule: f.Rule, Offset: h.Offset, Length: h.RawLength, Why: "the header field the finding is in"})
				}
			}
			if step >= 2 || f.Offset >= p.BodyOffset {
				out = append(out, model.RedactKept{Rule: f.Rule, Offset: p.Offset, Length: p.BodyOffset + p.BodyLength - p.Offset, Why: "the part the finding is in"})
			}
		}
	}
	return out
}

// mergeKept sorts the kept ranges and drops those inside another of the
// same rule.
func mergeKept(ks []model.RedactKept) []model.RedactKept {
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].Offset != ks[j].Offset {
			return ks[i].Offset < ks[j].Offset
		}
		return ks[i].Length > ks[j].Length
	})
	out := []model.RedactKept{}
	for _, k := range ks {
		if slicesAny(out, func(o model.RedactKept) bool {
			return o.Rule == k.Rule && o.Offset <= k.Offset && k.Offset+k.Length <= o.Offset+o.Length
		}) {
			continue
		}
		out = append(out, k)
	}
	return out
}

func ruleIDs(fs []model.Finding) []string {
	seen := map[string]bool{}
	ids := []string{}
	for _, f := range fs {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			ids = append(ids, f.Rule)
		}
	}
	sort.Strings(ids)
	return ids
}

func slicesAny[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

// leftWords is the check that no word of the original remains: every word
// of three or more characters outside the syntax redaction keeps is looked
// for in the copy (case-insensitively, as a whole word). Where the copy
// holds it as the original wrote it, outside the syntax redaction keeps
// (field names, MIME parameters, boundaries), it is reported, with the
// rule whose kept range holds it, or with no rule when nothing explains
// it.
//
// The copy is read first: a word can be left only where the copy holds
// the original's bytes, which redaction makes rare, so only the words
// found there are looked for in the original. (The set of every word of
// the original was the biggest cost of a message of 2,000,000 header
// fields, in time and memory.)
func leftWords(raw, out []byte, structure []bool, kept []model.RedactKept) []model.RedactLeft {
	// A hit is a whole word of the copy that holds the original's bytes
	// there (copy and original have one length) outside the syntax; a
	// placeholder that happens to spell another word of the original is
	// not one.
	type hit struct {
		o, e int64
		w    string
	}
	var hits []hit
	words := map[string]bool{} // the hits' words: true once the original has one outside the syntax
	for i := 0; i < len(out); {
		if !isWordByte(out[i]) {
			i++
			continue
		}
		j := i
		for j < len(out) && isWordByte(out[j]) {
			j++
		}
		o, e := int64(i), int64(j)
		i = j
		if structure[o] || !bytes.EqualFold(out[o:e], raw[o:e]) {
			continue
		}
		// The word's own tests: folding ASCII letters changes none of
		// them, so they hold for the original's word as for this one.
		w := lowerASCII(out[o:e])
		if !utf8.Valid(w) || utf8.RuneCount(w) < 3 || !hasLetter(w) || keepWord(w) {
			continue
		}
		hits = append(hits, hit{o, e, string(w)})
		words[string(w)] = false
	}
	if len(hits) == 0 {
		return nil
	}
	var fold []byte
	for i := 0; i < len(raw); {
		if !isWordByte(raw[i]) {
			i++
			continue
		}
		j := i
		for j < len(raw) && isWordByte(raw[j]) {
			j++
		}
		fold = appendLowerASCII(fold[:0], raw[i:j])
		if found, ok := words[string(fold)]; ok && !found && !all(structure, i, j) {
			words[string(fold)] = true
		}
		i = j
	}
	var left []model.RedactLeft
	reported := map[string]bool{}
	for _, h := range hits {
		if !words[h.w] || reported[h.w] {
			continue
		}
		reported[h.w] = true
		l := model.RedactLeft{Word: model.Text(h.w), Offset: h.o}
		for _, k := range kept {
			if k.Offset < h.e && h.o < k.Offset+k.Length {
				l.Rule = k.Rule
				break
			}
		}
		left = append(left, l)
	}
	sort.Slice(left, func(i, j int) bool { return left[i].Offset < left[j].Offset })
	return left
}

// lowerASCII folds ASCII letters only, so offsets stay those of b
// (bytes.ToLower rewrites invalid UTF-8 and changes lengths).
func lowerASCII(b []byte) []byte {
	return appendLowerASCII(make([]byte, 0, len(b)), b)
}

// appendLowerASCII appends b, its ASCII letters folded, to dst.
func appendLowerASCII(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// leftEnvelope is the same check for the envelope parse read (MAIL FROM,
// RCPT TO, HELO, MTS-ID): none may be left in the copy as written. An
// address parse located is compared at its offset (copy and original have
// one length), so 32,767 recipients cost one pass; one it did not locate
// is looked for in the whole copy, the first 1,000 of them.
func leftEnvelope(m *model.Message, out []byte, kept []model.RedactKept) []model.RedactLeft {
	return leftEnvelopeIn(m, memCopy(out), kept)
}

// copyBytes is a copy as leftEnvelope reads it: in memory, or a file too
// big for it.
type copyBytes interface {
	Len() int64
	// Span is the bytes a..b (within Len).
	Span(a, b int64) []byte
	// Index is bytes.Index of the whole copy.
	Index(sep []byte) int64
}

type memCopy []byte

func (b memCopy) Len() int64             { return int64(len(b)) }
func (b memCopy) Span(x, y int64) []byte { return b[x:y] }
func (b memCopy) Index(sep []byte) int64 { return int64(bytes.Index(b, sep)) }

// leftEnvelopeIn is leftEnvelope of any copy.
func leftEnvelopeIn(m *model.Message, out copyBytes, kept []model.RedactKept) []model.RedactLeft {
	var left []model.RedactLeft
	add := func(a string, at int64) {
		l := model.RedactLeft{Word: model.Text(a), Offset: at}
		for _, k := range kept {
			if k.Offset <= at && at < k.Offset+k.Length {
				l.Rule = k.Rule
			}
		}
		left = append(left, l)
	}
	checkable := func(a string) bool { return utf8.RuneCountInString(a) >= 3 && hasLetter([]byte(a)) }
	e := &m.Envelope
	addrs, offs := append([]string{e.From}, e.To...), append([]int64{e.FromOffset}, e.ToOffsets...)
	searched := 0
	for k, a := range addrs {
		if !checkable(a) {
			continue
		}
		off := int64(-1)
		if k < len(offs) {
			off = offs[k]
		}
		switch {
		case off >= 0 && off+int64(len(a)) <= out.Len():
			if string(out.Span(off, off+int64(len(a)))) == a {
				add(a, off)
			}
		case searched < 1000:
			searched++
			if at := out.Index([]byte(a)); at >= 0 {
				add(a, at)
			}
		}
	}
	for _, a := range []string{e.Helo, e.MTSID} {
		if checkable(a) {
			if at := out.Index([]byte(a)); at >= 0 {
				add(a, at)
			}
		}
	}
	return left
}

func hasLetter(w []byte) bool {
	for _, c := range w {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

// Mapping returns every word this Redactor replaced with its placeholder,
// sorted by word: what --map writes (nothing with Options.NoMapping).
func (r *Redactor) Mapping() []model.RedactMapping {
	r.mp.mu.Lock()
	defer r.mp.mu.Unlock()
	out := make([]model.RedactMapping, 0, len(r.mp.seen))
	for w, p := range r.mp.seen {
		out = append(out, model.RedactMapping{Type: model.TypeRedactMap, Schema: model.SchemaVersion, Original: model.Text(w), Placeholder: model.Text(p)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Original < out[j].Original })
	return out
}
