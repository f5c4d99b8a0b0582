package evidence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Binary XML (BinXML) of .evtx event records, after libyal's "Windows XML
// Event Log (EVTX) format", section "Binary XML", and [MS-EVEN6] 3.1.4.7.
// A record's event is a fragment holding one template instance: a
// template definition (an element tree with numbered substitution slots,
// stored once per chunk and referenced by its chunk offset) and the
// instance's typed values. Names are stored once per chunk too, by offset.
//
// The parser works on the whole chunk, because every offset in BinXML is
// relative to the chunk start. It builds the element tree with the values
// substituted (bxElem), which is all the reader needs: it never renders XML.
// Bounds: BinXML nests (a value of type BinXml holds a fragment that may hold
// a template instance...), so depth is capped by EVTXOptions.MaxDepth and
// the work per chunk (tokens read plus nodes built) by
// EVTXOptions.MaxChunkTokens. A definition is parsed once and cached by
// its offset; a definition that failed is remembered as failed.

// BinXML tokens (the 0x40 bit of some tokens means "more data follows";
// it is masked off before the switch).
const (
	bxEOF            = 0x00
	bxOpenStart      = 0x01
	bxCloseStart     = 0x02
	bxCloseEmpty     = 0x03
	bxEndElement     = 0x04
	bxValue          = 0x05
	bxAttribute      = 0x06
	bxCDATA          = 0x07
	bxCharRef        = 0x08
	bxEntityRef      = 0x09
	bxPITarget       = 0x0a
	bxPIData         = 0x0b
	bxTemplate       = 0x0c
	bxNormalSubst    = 0x0d
	bxOptionalSubst  = 0x0e
	bxFragmentHeader = 0x0f
	bxHasMore        = 0x40
)

// Value types of substitutions ([MS-EVEN6] 2.2.12 / libyal "Value types").
const (
	vtNull     = 0x00
	vtString   = 0x01
	vtAnsi     = 0x02
	vtInt8     = 0x03
	vtUint8    = 0x04
	vtInt16    = 0x05
	vtUint16   = 0x06
	vtInt32    = 0x07
	vtUint32   = 0x08
	vtInt64    = 0x09
	vtUint64   = 0x0a
	vtReal32   = 0x0b
	vtReal64   = 0x0c
	vtBool     = 0x0d
	vtBinary   = 0x0e
	vtGUID     = 0x0f
	vtSizeT    = 0x10
	vtFileTime = 0x11
	vtSysTime  = 0x12
	vtSID      = 0x13
	vtHex32    = 0x14
	vtHex64    = 0x15
	vtBinXML   = 0x21
	vtArray    = 0x80
)

var errBinXML = errors.New("binxml")

// bxValue is one typed value: its text as Event Viewer's XML view shows it,
// and for binary values the bytes. Arrays are expanded into one bxValue per
// element.
type bxVal struct {
	Type    byte
	Text    string
	Bytes   []byte // vtBinary only
	Literal bool   // text of the BinXML itself, not a substituted value
	Array   bool   // one element of an array value
}

// bxElem is an element of the event with its values substituted.
type bxElem struct {
	Name  string
	Attrs []bxAttr
	Kids  []*bxElem
	Text  []bxVal // character content, in order
}

type bxAttr struct {
	Name  string
	Value string
	Val   bxVal // the typed value when the attribute is one substitution
}

// attr returns the value of the attribute named n, and whether it is there.
func (e *bxElem) attr(n string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name == n {
			return a.Value, true
		}
	}
	return "", false
}

// child returns the first child element named n, or nil.
func (e *bxElem) child(n string) *bxElem {
	if e == nil {
		return nil
	}
	for _, k := range e.Kids {
		if k.Name == n {
			return k
		}
	}
	return nil
}

// text joins the character content.
func (e *bxElem) text() string {
	if e == nil {
		return ""
	}
	if len(e.Text) == 1 {
		return e.Text[0].Text
	}
	var b strings.Builder
	for _, v := range e.Text {
		b.WriteString(v.Text)
	}
	return b.String()
}

// The template tree: what a definition (or a record's literal BinXML)
// parses to before values are substituted.
type tNode struct {
	name  string // element name; "" for a content piece
	attrs []tAttr
	kids  []*tNode

	// content piece (name == ""):
	text     string // literal text
	sub      int    // substitution index, -1 for literal text
	subType  byte
	optional bool
	inst     *tInstance // a template instance met as content
}

type tAttr struct {
	name  string
	value []*tNode // content pieces
}

// tInstance is a template instance: the definition and the values.
type tInstance struct {
	def    *tTemplate
	values []bxRaw
}

// bxRaw is one substitution value as stored: type and bytes (chunk
// offset kept for BinXml values, which are parsed in place).
type bxRaw struct {
	typ  byte
	off  int // chunk offset of the value data
	data []byte
}

type tTemplate struct {
	root []*tNode // normally one element
	err  error
}

// bxParser parses the BinXML of one chunk.
type bxParser struct {
	chunk     []byte
	names     map[uint32]string
	templates map[uint32]*tTemplate
	maxDepth  int
	budget    int // tokens and nodes left for this chunk
	o         *Options
	// checkTemplateID: a template instance must name the definition it
	// points at (the first 4 bytes of its GUID). Set for recovered
	// records, whose chunk may have been reused since they were written.
	checkTemplateID bool
}

func newBXParser(chunk []byte, o *Options) *bxParser {
	return &bxParser{
		chunk: chunk, names: map[uint32]string{}, templates: map[uint32]*tTemplate{},
		maxDepth: o.EVTX.MaxDepth, budget: o.EVTX.MaxChunkTokens, o: o,
	}
}

func (p *bxParser) spend(n int) error {
	p.budget -= n
	if p.budget < 0 {
		return &LimitError{Limit: "EVTX.MaxChunkTokens", Max: int64(p.o.EVTX.MaxChunkTokens)}
	}
	return nil
}

// cursor reads BinXML between pos and end of the chunk.
type cursor struct {
	p   *bxParser
	pos int
	end int
	// inTemplate: reading a template definition, whose element starts
	// always carry a dependency identifier.
	inTemplate bool
}

func (c *cursor) fail(format string, args ...any) error {
	return fmt.Errorf("%w at chunk offset %d: %s", errBinXML, c.pos, fmt.Sprintf(format, args...))
}

func (c *cursor) need(n int) error {
	if n < 0 || c.pos+n > c.end {
		return c.fail("%d bytes needed, %d left", n, c.end-c.pos)
	}
	return nil
}

func (c *cursor) peek() (byte, error) {
	if err := c.need(1); err != nil {
		return 0, err
	}
	return c.p.chunk[c.pos], nil
}

func (c *cursor) u8() (byte, error) {
	b, err := c.peek()
	c.pos++
	return b, err
}

func (c *cursor) u16() (uint16, error) {
	if err := c.need(2); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint16(c.p.chunk[c.pos:])
	c.pos += 2
	return v, nil
}

func (c *cursor) u32() (uint32, error) {
	if err := c.need(4); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(c.p.chunk[c.pos:])
	c.pos += 4
	return v, nil
}

// name reads a name offset and the name there; a name stored inline
// (its offset is the current position) is skipped over.
func (c *cursor) name() (string, error) {
	off, err := c.u32()
	if err != nil {
		return "", err
	}
	s, size, err := c.p.nameAt(off)
	if err != nil {
		return "", err
	}
	if int(off) == c.pos {
		if err := c.need(size); err != nil {
			return "", err
		}
		c.pos += size
	}
	return s, nil
}

// soundName reports whether the 4 bytes at at are a plausible name
// offset: a name stored before them in the chunk, or right after them.
func (c *cursor) soundName(at int) bool {
	if at+4 > c.end {
		return false
	}
	off := int(binary.LittleEndian.Uint32(c.p.chunk[at:]))
	if off > at+4 {
		return false
	}
	_, _, err := c.p.nameAt(uint32(off))
	return err == nil
}

// nameAt reads the BinXmlName at a chunk offset: 4 bytes (next name in the
// hash chain), 2 bytes hash, 2 bytes length in characters, the UTF-16LE
// characters and a terminating NUL. It returns the name and its size.
func (p *bxParser) nameAt(off uint32) (string, int, error) {
	o := int(off)
	if o < evtxChunkHeaderSize || o+8 > len(p.chunk) {
		return "", 0, fmt.Errorf("%w: name offset %d outside the chunk", errBinXML, off)
	}
	n := int(binary.LittleEndian.Uint16(p.chunk[o+6:]))
	size := 8 + 2*n + 2
	if o+size > len(p.chunk) {
		return "", 0, fmt.Errorf("%w: name at %d runs past the chunk", errBinXML, off)
	}
	if p.checkTemplateID && !soundNameBytes(p.chunk[o:o+size]) {
		// A recovered record in a reused chunk: the name it points at
		// was overwritten (its hash or its NUL no longer hold), and the
		// elements it names would be garbage.
		return "", 0, fmt.Errorf("%w: name at %d fails its hash (overwritten)", errBinXML, off)
	}
	if s, ok := p.names[off]; ok {
		return s, size, nil
	}
	s := utf16String(p.chunk[o+8 : o+8+2*n])
	p.names[off] = s
	return s, size, nil
}

// soundNameBytes checks a BinXmlName's hash and terminating NUL. The hash
// (libyal's EVTX format notes) is the low 16 bits of h = h*65599 + c over
// the name's UTF-16 code units.
func soundNameBytes(b []byte) bool {
	n := int(binary.LittleEndian.Uint16(b[6:]))
	var h uint32
	for i := 0; i < n; i++ {
		h = h*65599 + uint32(binary.LittleEndian.Uint16(b[8+2*i:]))
	}
	return uint16(h) == binary.LittleEndian.Uint16(b[4:]) && b[8+2*n] == 0 && b[9+2*n] == 0
}

// fragment parses a BinXML fragment or document: an optional fragment
// header, then elements or a template instance, up to EOF or end.
func (c *cursor) fragment(depth int) ([]*tNode, error) {
	if depth > c.p.maxDepth {
		return nil, &LimitError{Limit: "EVTX.MaxDepth", Max: int64(c.p.maxDepth)}
	}
	var out []*tNode
	for c.pos < c.end {
		if err := c.p.spend(1); err != nil {
			return out, err
		}
		t, _ := c.peek()
		switch t &^ bxHasMore {
		case bxEOF:
			c.pos++
			return out, nil
		case bxFragmentHeader:
			if err := c.need(4); err != nil {
				return out, err
			}
			c.pos += 4
		case bxOpenStart:
			e, err := c.element(depth + 1)
			if err != nil {
				return out, err
			}
			out = append(out, e)
		case bxTemplate:
			in, err := c.instance(depth + 1)
			if err != nil {
				return out, err
			}
			out = append(out, &tNode{sub: -1, inst: in})
		case bxPITarget, bxPIData:
			if err := c.skipPI(); err != nil {
				return out, err
			}
		default:
			return out, c.fail("unexpected token 0x%02x in fragment", t)
		}
	}
	return out, nil
}

func (c *cursor) skipPI() error {
	t, _ := c.u8()
	if t == bxPITarget {
		_, err := c.name()
		return err
	}
	_, err := c.utf16Counted()
	return err
}

// utf16Counted reads a 16-bit character count and that many UTF-16LE
// characters.
func (c *cursor) utf16Counted() (string, error) {
	n, err := c.u16()
	if err != nil {
		return "", err
	}
	if err := c.need(2 * int(n)); err != nil {
		return "", err
	}
	s := utf16String(c.p.chunk[c.pos : c.pos+2*int(n)])
	c.pos += 2 * int(n)
	return s, nil
}

// element parses an element start, its attributes and its content.
func (c *cursor) element(depth int) (*tNode, error) {
	if depth > c.p.maxDepth {
		return nil, &LimitError{Limit: "EVTX.MaxDepth", Max: int64(c.p.maxDepth)}
	}
	t, _ := c.u8()
	// Dependency identifier (2 bytes) and data size (4 bytes): neither is
	// needed to walk the tokens. QUIRK: [MS-EVEN6] has no dependency
	// identifier in elements outside template definitions (a record's own
	// BinXML, a BinXml value), and forwarded-event logs are written so,
	// but libevtx and python-evtx always read one and Windows writes some
	// files that way too: outside templates, the layout whose name offset
	// is sound is taken.
	skip := 6
	if !c.inTemplate && !c.soundName(c.pos+6) && c.soundName(c.pos+4) {
		skip = 4
	}
	if err := c.need(skip); err != nil {
		return nil, err
	}
	c.pos += skip
	name, err := c.name()
	if err != nil {
		return nil, err
	}
	e := &tNode{name: name, sub: -1}
	if t&bxHasMore != 0 {
		if _, err := c.u32(); err != nil { // attribute list size
			return nil, err
		}
		for {
			a, err := c.peek()
			if err != nil {
				return nil, err
			}
			if a&^bxHasMore != bxAttribute {
				break
			}
			c.pos++
			an, err := c.name()
			if err != nil {
				return nil, err
			}
			val, err := c.content(depth, true)
			if err != nil {
				return nil, err
			}
			e.attrs = append(e.attrs, tAttr{name: an, value: val})
			if err := c.p.spend(1); err != nil {
				return nil, err
			}
		}
	}
	close, err := c.u8()
	if err != nil {
		return nil, err
	}
	switch close {
	case bxCloseEmpty:
		return e, nil
	case bxCloseStart:
	default:
		c.pos--
		return nil, c.fail("element %q: token 0x%02x where its start tag should close", name, close)
	}
	kids, err := c.content(depth, false)
	if err != nil {
		return nil, err
	}
	e.kids = kids
	end, err := c.u8()
	if err != nil {
		return nil, err
	}
	if end != bxEndElement {
		c.pos--
		return nil, c.fail("element %q: token 0x%02x where it should end", name, end)
	}
	return e, nil
}

// content parses element content (or an attribute value, inAttr) up to
// the token that ends it, which is left unread.
func (c *cursor) content(depth int, inAttr bool) ([]*tNode, error) {
	var out []*tNode
	for {
		if err := c.p.spend(1); err != nil {
			return out, err
		}
		t, err := c.peek()
		if err != nil {
			return out, err
		}
		switch t &^ bxHasMore {
		case bxValue:
			c.pos++
			vt, err := c.u8()
			if err != nil {
				return out, err
			}
			if vt != vtString {
				return out, c.fail("value token of type 0x%02x", vt)
			}
			s, err := c.utf16Counted()
			if err != nil {
				return out, err
			}
			out = append(out, &tNode{text: s, sub: -1})
		case bxCDATA:
			c.pos++
			s, err := c.utf16Counted()
			if err != nil {
				return out, err
			}
			out = append(out, &tNode{text: s, sub: -1})
		case bxCharRef:
			c.pos++
			v, err := c.u16()
			if err != nil {
				return out, err
			}
			out = append(out, &tNode{text: string(rune(v)), sub: -1})
		case bxEntityRef:
			c.pos++
			n, err := c.name()
			if err != nil {
				return out, err
			}
			out = append(out, &tNode{text: entity(n), sub: -1})
		case bxNormalSubst, bxOptionalSubst:
			c.pos++
			id, err := c.u16()
			if err != nil {
				return out, err
			}
			vt, err := c.u8()
			if err != nil {
				return out, err
			}
			out = append(out, &tNode{sub: int(id), subType: vt, optional: t == bxOptionalSubst})
		case bxOpenStart:
			if inAttr {
				return out, nil
			}
			e, err := c.element(depth + 1)
			if err != nil {
				return out, err
			}
			out = append(out, e)
		case bxPITarget, bxPIData:
			if err := c.skipPI(); err != nil {
				return out, err
			}
		case bxTemplate:
			if inAttr {
				return out, c.fail("template instance in an attribute")
			}
			in, err := c.instance(depth + 1)
			if err != nil {
				return out, err
			}
			out = append(out, &tNode{sub: -1, inst: in})
		default:
			// EndElement, CloseStart, CloseEmpty, Attribute or EOF end
			// the content; the caller checks which.
			return out, nil
		}
	}
}

func entity(n string) string {
	switch n {
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "amp":
		return "&"
	case "quot":
		return `"`
	case "apos":
		return "'"
	}
	return "&" + n + ";"
}

// instance parses a template instance: the reference to (or inline copy
// of) its definition, then the value descriptors and values.
func (c *cursor) instance(depth int) (*tInstance, error) {
	if depth > c.p.maxDepth {
		return nil, &LimitError{Limit: "EVTX.MaxDepth", Max: int64(c.p.maxDepth)}
	}
	c.pos++ // token
	if err := c.need(9); err != nil {
		return nil, err
	}
	c.pos++ // unknown byte
	id, _ := c.u32()
	defOff, _ := c.u32()
	def, size, err := c.p.template(defOff, depth)
	if err != nil {
		return nil, err
	}
	if c.p.checkTemplateID && binary.LittleEndian.Uint32(c.p.chunk[defOff+4:]) != id {
		// A recovered record in a reused chunk: the definition it names
		// was overwritten, and what is there now belongs to another.
		return nil, c.fail("template instance names template %08x, the definition at %d is %08x", id, defOff, binary.LittleEndian.Uint32(c.p.chunk[defOff+4:]))
	}
	if int(defOff) == c.pos {
		if err := c.need(size); err != nil {
			return nil, err
		}
		c.pos += size
	}
	n, err := c.u32()
	if err != nil {
		return nil, err
	}
	if int64(n)*4 > int64(c.end-c.pos) {
		return nil, c.fail("%d template values do not fit", n)
	}
	if err := c.p.spend(int(n)); err != nil {
		return nil, err
	}
	in := &tInstance{def: def, values: make([]bxRaw, n)}
	sizes := make([]uint16, n)
	for i := range in.values {
		sizes[i], _ = c.u16()
		in.values[i].typ, _ = c.u8()
		c.pos++
	}
	for i := range in.values {
		size := int(sizes[i])
		if err := c.need(size); err != nil {
			return nil, err
		}
		in.values[i].off = c.pos
		in.values[i].data = c.p.chunk[c.pos : c.pos+size]
		c.pos += size
	}
	return in, nil
}

// template returns the definition at a chunk offset, parsing it the first
// time: 4 bytes next definition, 16 bytes GUID, 4 bytes data size, then a
// fragment. size is the definition's size in bytes.
func (p *bxParser) template(off uint32, depth int) (*tTemplate, int, error) {
	o := int(off)
	if o < evtxChunkHeaderSize || o+24 > len(p.chunk) {
		return nil, 0, fmt.Errorf("%w: template offset %d outside the chunk", errBinXML, off)
	}
	dataSize := int(binary.LittleEndian.Uint32(p.chunk[o+20:]))
	if dataSize > len(p.chunk)-o-24 {
		return nil, 0, fmt.Errorf("%w: template at %d runs past the chunk", errBinXML, off)
	}
	size := 24 + dataSize
	if t, ok := p.templates[off]; ok {
		return t, size, t.err
	}
	if first := p.chunk[o+24] &^ bxHasMore; p.checkTemplateID && size > 24 && first != bxFragmentHeader && first != bxOpenStart {
		// Every template definition of the public samples (12,246) starts
		// with a fragment header or an element; one in a reused chunk
		// that does not was overwritten past its GUID (a live record's
		// bytes read as a template give an empty event, not an error).
		return nil, 0, fmt.Errorf("%w: template at %d starts with token 0x%02x (overwritten)", errBinXML, off, p.chunk[o+24])
	}
	t := &tTemplate{}
	// Remembered before parsing, so a definition that (through a BinXml
	// value) refers to itself fails instead of recursing.
	t.err = fmt.Errorf("%w: template at %d refers to itself", errBinXML, off)
	p.templates[off] = t
	c := &cursor{p: p, pos: o + 24, end: o + size, inTemplate: true}
	root, err := c.fragment(depth)
	t.root, t.err = root, err
	return t, size, err
}

// build substitutes an instance's values into its definition.
func (p *bxParser) build(in *tInstance, depth int) ([]*bxElem, error) {
	if depth > p.maxDepth {
		return nil, &LimitError{Limit: "EVTX.MaxDepth", Max: int64(p.maxDepth)}
	}
	var out []*bxElem
	for _, n := range in.def.root {
		es, err := p.buildNode(n, in, depth)
		if err != nil {
			return out, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// buildNodes builds literal BinXML (no template values).
func (p *bxParser) buildNodes(nodes []*tNode, depth int) ([]*bxElem, error) {
	empty := &tInstance{def: &tTemplate{}}
	var out []*bxElem
	for _, n := range nodes {
		es, err := p.buildNode(n, empty, depth)
		if err != nil {
			return out, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// buildNode builds an element (or the elements of a nested instance). An
// element whose content is an optional substitution with a NULL value is
// left out, as the format says.
func (p *bxParser) buildNode(n *tNode, in *tInstance, depth int) ([]*bxElem, error) {
	if err := p.spend(1); err != nil {
		return nil, err
	}
	if n.inst != nil {
		return p.build(n.inst, depth+1)
	}
	if n.name == "" {
		return nil, nil
	}
	e := &bxElem{Name: n.name}
	for _, a := range n.attrs {
		vals, elems, err := p.pieces(a.value, in, depth)
		if err != nil {
			return nil, err
		}
		if vals == nil && elems == nil && onlyOptionalNull(a.value, in) {
			continue
		}
		at := bxAttr{Name: a.name}
		if len(vals) == 1 {
			at.Value, at.Val = vals[0].Text, vals[0]
		} else {
			var b strings.Builder
			for _, v := range vals {
				b.WriteString(v.Text)
			}
			at.Value = b.String()
			at.Val = bxVal{Type: vtString, Text: at.Value, Literal: true}
		}
		e.Attrs = append(e.Attrs, at)
	}
	for _, k := range n.kids {
		if k.name != "" {
			kids, err := p.buildNode(k, in, depth+1)
			if err != nil {
				return nil, err
			}
			e.Kids = append(e.Kids, kids...)
			continue
		}
		vals, elems, err := p.pieces([]*tNode{k}, in, depth)
		if err != nil {
			return nil, err
		}
		e.Text = append(e.Text, vals...)
		e.Kids = append(e.Kids, elems...)
	}
	if len(n.kids) > 0 && len(e.Kids) == 0 && len(e.Text) == 0 && onlyOptionalNull(n.kids, in) {
		return nil, nil
	}
	return []*bxElem{e}, nil
}

func onlyOptionalNull(ns []*tNode, in *tInstance) bool {
	if len(ns) == 0 {
		return false
	}
	for _, n := range ns {
		if n.name != "" || n.inst != nil || n.sub < 0 || !n.optional {
			return false
		}
		if n.sub < len(in.values) && in.values[n.sub].typ != vtNull {
			return false
		}
	}
	return true
}

// pieces turns content pieces into values (text) and elements (from
// BinXml values and nested instances).
func (p *bxParser) pieces(ns []*tNode, in *tInstance, depth int) ([]bxVal, []*bxElem, error) {
	var (
		vals  []bxVal
		elems []*bxElem
	)
	for _, n := range ns {
		switch {
		case n.inst != nil:
			es, err := p.build(n.inst, depth+1)
			if err != nil {
				return vals, elems, err
			}
			elems = append(elems, es...)
		case n.sub < 0:
			vals = append(vals, bxVal{Type: vtString, Text: n.text, Literal: true})
		case n.sub >= len(in.values):
			// A slot the instance has no value for: nothing to put there.
		default:
			raw := in.values[n.sub]
			if raw.typ == vtBinXML {
				c := &cursor{p: p, pos: raw.off, end: raw.off + len(raw.data)}
				nodes, err := c.fragment(depth + 1)
				if err != nil {
					return vals, elems, err
				}
				es, err := p.buildNodes(nodes, depth+1)
				if err != nil {
					return vals, elems, err
				}
				elems = append(elems, es...)
				continue
			}
			vs, err := p.values(raw)
			if err != nil {
				return vals, elems, err
			}
			vals = append(vals, vs...)
		}
	}
	return vals, elems, nil
}

// values renders one substitution value; an array gives one value per
// element (an empty array gives one empty value).
func (p *bxParser) values(raw bxRaw) ([]bxVal, error) {
	b := raw.data
	if raw.typ&vtArray == 0 {
		v, err := scalar(raw.typ, b, p.o)
		return []bxVal{v}, err
	}
	typ := raw.typ &^ vtArray
	var out []bxVal
	switch typ {
	case vtString:
		for len(b) >= 2 {
			s, used := utf16z(b)
			out = append(out, bxVal{Type: typ, Text: capString(s, p.o.MaxStringBytes)})
			b = b[used:]
			if err := p.spend(1); err != nil {
				return out, err
			}
		}
	case vtAnsi:
		for len(b) > 0 {
			i := indexByte(b, 0)
			if i < 0 {
				i = len(b)
			}
			out = append(out, bxVal{Type: typ, Text: capString(ansiString(b[:i]), p.o.MaxStringBytes)})
			b = b[min(i+1, len(b)):]
			if err := p.spend(1); err != nil {
				return out, err
			}
		}
	default:
		w := fixedWidth(typ, len(b))
		if w == 0 {
			return nil, fmt.Errorf("%w: array of value type 0x%02x", errBinXML, typ)
		}
		if len(b)%w != 0 {
			return nil, fmt.Errorf("%w: array of type 0x%02x has %d bytes, not a multiple of %d", errBinXML, typ, len(b), w)
		}
		for ; len(b) >= w; b = b[w:] {
			v, err := scalar(typ, b[:w], p.o)
			if err != nil {
				return out, err
			}
			out = append(out, v)
			if err := p.spend(1); err != nil {
				return out, err
			}
		}
	}
	if len(out) == 0 {
		out = []bxVal{{Type: typ}}
	}
	for i := range out {
		out[i].Array = true
	}
	return out, nil
}

// fixedWidth is the size of one element of a fixed-size value type, 0
// for types of variable size. size_t arrays take their width from the
// data (4 or 8 bytes per element, decided by the writer's pointer size).
func fixedWidth(typ byte, n int) int {
	switch typ {
	case vtInt8, vtUint8:
		return 1
	case vtInt16, vtUint16:
		return 2
	case vtInt32, vtUint32, vtReal32, vtBool, vtHex32:
		return 4
	case vtInt64, vtUint64, vtReal64, vtFileTime, vtHex64:
		return 8
	case vtGUID, vtSysTime:
		return 16
	case vtSizeT:
		if n%8 == 0 {
			return 8
		}
		return 4
	}
	return 0
}

// scalar renders one value as Event Viewer's XML view does: decimal
// integers, 0x-prefixed lower-case hex without padding, {GUID} in upper
// case, S-1-... SIDs, times in ISO 8601 UTC, binary as upper-case hex.
func scalar(typ byte, b []byte, o *Options) (bxVal, error) {
	v := bxVal{Type: typ}
	le := binary.LittleEndian
	if w := fixedWidth(typ, len(b)); w > 0 && len(b) != w && typ != vtSizeT {
		if typ != vtBool || len(b) < 1 {
			return v, fmt.Errorf("%w: value of type 0x%02x has %d bytes, want %d", errBinXML, typ, len(b), w)
		}
	}
	switch typ {
	case vtNull:
	case vtString:
		s := utf16String(b)
		v.Text = capString(strings.TrimRight(s, "\x00"), o.MaxStringBytes)
	case vtAnsi:
		v.Text = capString(strings.TrimRight(ansiString(b), "\x00"), o.MaxStringBytes)
	case vtInt8:
		v.Text = strconv.Itoa(int(int8(b[0])))
	case vtUint8:
		v.Text = strconv.Itoa(int(b[0]))
	case vtInt16:
		v.Text = strconv.Itoa(int(int16(le.Uint16(b))))
	case vtUint16:
		v.Text = strconv.Itoa(int(le.Uint16(b)))
	case vtInt32:
		v.Text = strconv.Itoa(int(int32(le.Uint32(b))))
	case vtUint32:
		v.Text = strconv.FormatUint(uint64(le.Uint32(b)), 10)
	case vtInt64:
		v.Text = strconv.FormatInt(int64(le.Uint64(b)), 10)
	case vtUint64:
		v.Text = strconv.FormatUint(le.Uint64(b), 10)
	case vtReal32:
		v.Text = strconv.FormatFloat(float64(math.Float32frombits(le.Uint32(b))), 'g', -1, 32)
	case vtReal64:
		v.Text = strconv.FormatFloat(math.Float64frombits(le.Uint64(b)), 'g', -1, 64)
	case vtBool:
		// QUIRK: writers put booleans in 1, 2 or 4 bytes; any non-zero
		// byte is true.
		v.Text = "false"
		for _, x := range b {
			if x != 0 {
				v.Text = "true"
			}
		}
	case vtBinary:
		d := b
		if len(d) > o.MaxDataBytes {
			d = d[:o.MaxDataBytes]
		}
		v.Bytes = append([]byte(nil), d...) // d is in the chunk buffer, which is reused
		v.Text = capString(fmt.Sprintf("%X", d), o.MaxStringBytes)
	case vtGUID:
		v.Text = formatGUID(b)
	case vtSizeT, vtHex32, vtHex64:
		switch len(b) {
		case 4:
			v.Text = "0x" + strconv.FormatUint(uint64(le.Uint32(b)), 16)
		case 8:
			v.Text = "0x" + strconv.FormatUint(le.Uint64(b), 16)
		default:
			return v, fmt.Errorf("%w: hex value of %d bytes", errBinXML, len(b))
		}
	case vtFileTime:
		v.Text = formatFiletime(le.Uint64(b))
	case vtSysTime:
		if t, ok := systemtime(b); ok {
			v.Text = t.Format("2006-01-02T15:04:05.000Z")
		}
	case vtSID:
		s, err := formatSID(b)
		if err != nil {
			return v, err
		}
		v.Text = s
	default:
		return v, fmt.Errorf("%w: value type 0x%02x", errBinXML, typ)
	}
	return v, nil
}

// filetime converts 100 ns intervals since 1601-01-01 UTC.
func filetime(ft uint64) (time.Time, bool) {
	if ft == 0 {
		return time.Time{}, false
	}
	const epochDelta = 116444736000000000 // 1601 to 1970 in 100 ns
	if ft < epochDelta/2 || ft > 1<<62 {
		// Before 1785 or far after 2100: not a time a log writes.
		return time.Time{}, false
	}
	d := int64(ft) - epochDelta
	return time.Unix(d/10_000_000, (d%10_000_000)*100).UTC(), true
}

// formatFiletime renders any FILETIME, 0 included (1601-01-01), as
// Event Viewer does, with 100 ns precision.
func formatFiletime(ft uint64) string {
	const ticksPerDay = 864_000_000_000
	days := int(ft / ticksPerDay)
	rest := time.Duration(ft%ticksPerDay) * 100
	t := time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Add(rest)
	return t.Format("2006-01-02T15:04:05.0000000Z")
}

func systemtime(b []byte) (time.Time, bool) {
	le := binary.LittleEndian
	y, mo, d := int(le.Uint16(b)), int(le.Uint16(b[2:])), int(le.Uint16(b[6:]))
	h, mi, s, ms := int(le.Uint16(b[8:])), int(le.Uint16(b[10:])), int(le.Uint16(b[12:])), int(le.Uint16(b[14:]))
	if y < 1601 || y > 30827 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || ms > 999 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ms*int(time.Millisecond), time.UTC), true
}

func formatGUID(b []byte) string {
	le := binary.LittleEndian
	return fmt.Sprintf("{%08X-%04X-%04X-%X-%X}", le.Uint32(b), le.Uint16(b[4:]), le.Uint16(b[6:]), b[8:10], b[10:16])
}

// formatSID renders a SID: revision, count, 48-bit big-endian authority,
// then count little-endian 32-bit sub-authorities.
func formatSID(b []byte) (string, error) {
	if len(b) < 8 || len(b) < 8+4*int(b[1]) {
		return "", fmt.Errorf("%w: SID of %d bytes", errBinXML, len(b))
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	var s strings.Builder
	s.WriteString("S-" + strconv.Itoa(int(b[0])) + "-" + strconv.FormatUint(auth, 10))
	for i := 0; i < int(b[1]); i++ {
		s.WriteString("-" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return s.String(), nil
}

// utf16String decodes UTF-16LE (an odd trailing byte is dropped).
func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// ansiString decodes an AnsiString value. QUIRK: the code page is not in
// the file; bytes are read as Windows-1252's Latin-1 subset, which keeps
// ASCII exact and every other byte visible.
func ansiString(b []byte) string {
	r := make([]rune, len(b))
	for i, x := range b {
		r[i] = rune(x)
	}
	return string(r)
}
