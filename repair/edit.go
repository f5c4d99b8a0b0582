package repair

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/rules"
)

// edit replaces del bytes at off (an offset in the file the fixer saw)
// with ins.
type edit struct {
	off  int64
	del  int64
	ins  []byte
	part string
	note string
}

// errEnvelope is the fixer bug apply refuses: an edit before the RFC 822
// part would change the IMS envelope or the X-Sender lines.
var errEnvelope = errors.New("repair: an edit would touch the envelope")

// apply makes the edits (at offsets of cur, not overlapping) and returns
// the new version and the changes, whose offsets are sequential: each is
// the offset in the file after the changes listed before it. The new
// version is in memory when cur is, else spilled through sp; an error
// writing it is a *writeError.
func apply(cur *text, edits []edit, msgStart int64, rule string, kb []string, sp *spill) (*text, []model.RepairChange, error) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].off != edits[j].off {
			return edits[i].off < edits[j].off
		}
		return edits[i].del < edits[j].del
	})
	var ch []model.RepairChange
	var pos, shift int64
	for _, e := range edits {
		if e.off < pos || e.del < 0 || e.off+e.del > cur.Len() {
			return nil, nil, fmt.Errorf("repair: %s: overlapping or out-of-range edit at %d", rule, e.off)
		}
		if e.off < max(msgStart, 0) {
			return nil, nil, fmt.Errorf("%w (%s at %d, message starts at %d)", errEnvelope, rule, e.off, msgStart)
		}
		ch = append(ch, model.RepairChange{Rule: rule, Part: e.part, Offset: e.off + shift, Before: model.Text(cur.Span(e.off, e.off+e.del)),
			After: model.Text(e.ins), KB: kb, Note: e.note})
		shift += int64(len(e.ins)) - e.del
		pos = e.off + e.del
	}
	w, err := newVersion(cur, sp)
	if err != nil {
		return nil, nil, err
	}
	pos = 0
	for _, e := range edits {
		if err := w.copy(cur, pos, e.off); err != nil {
			w.abort()
			return nil, nil, err
		}
		if err := w.write(e.ins); err != nil {
			w.abort()
			return nil, nil, err
		}
		pos = e.off + e.del
	}
	if err := w.copy(cur, pos, cur.Len()); err != nil {
		w.abort()
		return nil, nil, err
	}
	return w.text(), ch, nil
}

// Replay applies recorded changes to the original in order, checking that
// each one's Before bytes are there: the proof that a copy differs from its
// original only by the listed changes.
func Replay(orig []byte, changes []model.RepairChange) ([]byte, error) {
	cur := append([]byte(nil), orig...)
	for i, c := range changes {
		end := c.Offset + int64(len(c.Before))
		if c.Offset < 0 || end > int64(len(cur)) || string(cur[c.Offset:end]) != string(c.Before) {
			return nil, fmt.Errorf("repair: change %d (%s at %d): the bytes there are not its before", i, c.Rule, c.Offset)
		}
		cur = append(cur[:c.Offset:c.Offset], append([]byte(c.After), cur[end:]...)...)
	}
	return cur, nil
}

// site is what a fixer sees: the current bytes, their parse, the rule's
// findings on them and the rules configuration with defaults applied.
type site struct {
	raw *text
	m   *model.Message
	fs  []model.Finding
	cfg rules.Config
}

// fixer computes the edits removing one rule's trigger, or says why none
// is safe.
type fixer func(s *site) ([]edit, string)

func (s *site) part(path string) *model.Part {
	for i := range s.m.Parts {
		if s.m.Parts[i].Path == path {
			return &s.m.Parts[i]
		}
	}
	return nil
}

// findingParts returns each distinct part the rule's findings name, in
// finding order.
func (s *site) findingParts() []*model.Part {
	var out []*model.Part
	seen := map[string]bool{}
	for _, f := range s.fs {
		if p := s.part(f.Part); p != nil && !seen[p.Path] {
			seen[p.Path] = true
			out = append(out, p)
		}
	}
	return out
}

// detail is the detail of the rule's first finding on part path.
func (s *site) detail(path string) string {
	for _, f := range s.fs {
		if f.Part == path {
			return f.Detail
		}
	}
	return ""
}

// field returns the header field holding file offset off, with its part.
func (s *site) field(off int64) (*model.Part, *model.HeaderField) {
	for i := range s.m.Parts {
		p := &s.m.Parts[i]
		for j := range p.Header {
			f := &p.Header[j]
			if f.Offset <= off && off < f.Offset+f.RawLength {
				return p, f
			}
		}
	}
	return nil, nil
}

// span returns raw[a:b] clipped to the file.
func (s *site) span(a, b int64) []byte { return s.raw.Span(a, b) }

// fieldBytes is the field as written, folds and line end included.
func (s *site) fieldBytes(f *model.HeaderField) []byte { return s.span(f.Offset, f.Offset+f.RawLength) }

// body is the part's body; for a child of a multipart the CRLF that belongs
// to the next delimiter (RFC 2046 5.1.1) is left out.
func (s *site) body(p *model.Part) (start, end int64) {
	start, end = p.BodyOffset, min(p.BodyOffset+p.BodyLength, s.raw.Len())
	if p.Path != "" && end-start >= 2 && s.raw.At(end-2) == '\r' && s.raw.At(end-1) == '\n' {
		end -= 2
	}
	return start, end
}

// valueSpan locates the value of the parameter written at p.Offset: for a
// quoted-string the bytes between the quotes. Folds (CRLF WSP) around the
// "=" are skipped as RFC 2045 allows.
func (s *site) valueSpan(p *model.Param) (start, end int64, quoted, ok bool) {
	if p == nil {
		return 0, 0, false, false
	}
	i := p.Offset + int64(len(p.Name))
	n := s.raw.Len()
	at := s.raw.At
	skip := func() {
		for i < n {
			switch {
			case at(i) == ' ' || at(i) == '\t':
				i++
			case i+2 < n && at(i) == '\r' && at(i+1) == '\n' && (at(i+2) == ' ' || at(i+2) == '\t'):
				i += 3
			case i+1 < n && at(i) == '\n' && (at(i+1) == ' ' || at(i+1) == '\t'):
				i += 2
			default:
				return
			}
		}
	}
	if i > n || !bytes.EqualFold(s.span(p.Offset, i), []byte(p.Name)) {
		return 0, 0, false, false
	}
	skip()
	if i >= n || at(i) != '=' {
		return 0, 0, false, false
	}
	i++
	skip()
	if i < n && at(i) == '"' {
		// The quoted-string ends at its quote, within the field: a line end
		// that is not a fold ends the field, and an unclosed quote is no
		// value to edit.
		start = i + 1
		for i = start; i < n && at(i) != '"'; i++ {
			switch {
			case at(i) == '\\':
				i++
			case at(i) == '\n' && (i+1 >= n || at(i+1) != ' ' && at(i+1) != '\t'):
				return 0, 0, false, false
			}
		}
		if i >= n {
			return 0, 0, false, false
		}
		return start, i, true, true
	}
	start = i
	for i < n && !bytes.ContainsRune([]byte("; \t\r\n"), rune(at(i))) {
		i++
	}
	return start, i, false, true
}
