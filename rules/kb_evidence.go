package rules

import (
	"iter"
	"strings"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
)

// Evidence helpers of the KB rules. Every finding quotes the file's bytes
// at its offset: header evidence is cut from the unfolded value with
// HeaderField.Excerpt (which never crosses a fold), body evidence comes
// from the excerpts parse kept while streaming.

// valueEvidence quotes field f from index i of its unfolded value.
func valueEvidence(f *model.HeaderField, i int) (model.Text, int64) {
	return f.Excerpt(i, model.ExcerptLen)
}

// indexOfOffset returns the index in f.Value of the byte at file offset
// off, or -1 when off is not inside the kept value.
func indexOfOffset(f *model.HeaderField, off int64) int {
	if off < f.ValueOffset || off >= f.Offset+f.RawLength {
		return -1
	}
	// Segments are in file order: the candidate index is off minus the
	// offset of the last segment that starts at or before off.
	i := int(off - f.ValueOffset)
	for _, s := range f.Segments {
		if s.Offset > off {
			break
		}
		i = s.Index + int(off-s.Offset)
	}
	if i < 0 || i >= len(f.Value) || f.OffsetAt(i) != off {
		return -1
	}
	return i
}

// paramEvidence quotes parameter pm of field f (its name and what
// follows, up to the end of the physical line).
func paramEvidence(f *model.HeaderField, pm *model.Param) (model.Text, int64) {
	if f != nil {
		if i := indexOfOffset(f, pm.Offset); i >= 0 {
			return valueEvidence(f, i)
		}
	}
	return "", pm.Offset
}

// fieldAt returns the header field of part p whose bytes hold offset off.
func fieldAt(p *model.Part, off int64) *model.HeaderField {
	for i := range p.Header {
		f := &p.Header[i]
		if off >= f.Offset && off < f.Offset+f.RawLength {
			return f
		}
	}
	return nil
}

// offsetEvidence quotes the header bytes of part p at file offset off.
func offsetEvidence(p *model.Part, off int64) (model.Text, int64) {
	if f := fieldAt(p, off); f != nil {
		if i := indexOfOffset(f, off); i >= 0 {
			return valueEvidence(f, i)
		}
	}
	return "", off
}

// partEvidence quotes a part by its Content-Type value, else by the name
// of its first header field, else by nothing at its first byte.
func partEvidence(p *model.Part) (model.Text, int64) {
	if f, ok := field(p.Header, "content-type"); ok {
		return valueEvidence(f, 0)
	}
	if len(p.Header) > 0 {
		return p.Header[0].Name, p.Header[0].Offset
	}
	return "", p.Offset
}

// cteEvidence quotes a part's Content-Transfer-Encoding value.
func cteEvidence(p *model.Part) (model.Text, int64) {
	if f, ok := field(p.Header, "content-transfer-encoding"); ok {
		return valueEvidence(f, 0)
	}
	return partEvidence(p)
}

// bodyEvidence quotes the excerpt parse kept at a body offset (empty when
// it kept none: the offset is still exact).
func bodyEvidence(m *model.Message, off int64) (model.Text, int64) {
	return m.Excerpt(off), off
}

// ctParam is one parameter of one Content-Type field of a part.
type ctParam struct {
	field *model.HeaderField
	param *model.Param
}

// contentTypeParams yields the parameters of every Content-Type field of
// p, read leniently from the raw value (a duplicated Content-Type is read
// too: the IMS may have taken either), in field order. An iterator, not a
// slice: four rules ask for every part, and their slices were a tenth of
// a scan's allocations (issue 16).
func contentTypeParams(p *model.Part) iter.Seq[ctParam] {
	return func(yield func(ctParam) bool) {
		first := true
		for i := range p.Header {
			f := &p.Header[i]
			if !f.NameFold(model.FieldContentType) {
				continue
			}
			params := p.Params
			if !first {
				_, params = parse.ParamsOf(f)
			}
			first = false
			for j := range params {
				if !yield(ctParam{f, &params[j]}) {
					return
				}
			}
		}
	}
}

// paramField returns the field of p that holds parameter pm.
func paramField(p *model.Part, pm *model.Param) *model.HeaderField {
	return fieldAt(p, pm.Offset)
}

// descendants returns the indexes of the parts below p (pre-order).
func descendants(m *model.Message, p *model.Part) []int {
	var out []int
	prefix := p.Path + "."
	for i := range m.Parts {
		q := &m.Parts[i]
		if q == p || q.Path == "" {
			continue
		}
		if p.Path == "" || strings.HasPrefix(q.Path, prefix) {
			out = append(out, i)
		}
	}
	return out
}

// isHexDigit reports an ASCII hex digit.
func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
