package sniff

import "bytes"

type hrefState uint8

const (
	hrefText        hrefState = iota
	hrefLT                    // after "<"
	hrefBang                  // after "<!"
	hrefBangDash              // after "<!-"
	hrefComment               // inside "<!-- ... -->"
	hrefDecl                  // "<!DOCTYPE ...>", "<?xml ...>": up to ">"
	hrefTagName               // "<a", "</a"
	hrefBeforeName            // in a tag, between attributes
	hrefName                  // in an attribute name
	hrefAfterName             // white space after a name: "=" or a new name may follow
	hrefBeforeValue           // after "=", white space allowed
	hrefQuotedFirst           // first byte of a quoted value
	hrefQuoted                // rest of a quoted value
	hrefUnquoted              // unquoted value
)

// Href finds, in decoded HTML, the first href attribute whose quoted value
// starts with white space: href=" http://x", HREF = '\tx' (rule
// html-href-leading-space, KB Q194337: an access violation in ScHandleAHref).
// An unquoted value cannot start with white space (HTML skips it after
// "="), so href= x is not flagged. Only attributes named exactly href count
// (not xhref, data-href), and only inside tags: text, comments and
// declarations are skipped. It follows the tokenizer of the HTML Living
// Standard (section 13.2.5) loosely, in O(1) memory; any chunking of Write
// gives the same result.
//
// The zero value is ready to use; Reset makes it ready for the next part.
type Href struct {
	offset    int64 // decoded bytes consumed
	state     hrefState
	dashes    int  // consecutive "-" inside a comment
	nameLen   int  // bytes of the current attribute name
	nameHref  bool // the name so far is a prefix of "href" (any case)
	valueHref bool // the value being read belongs to an href
	quote     byte
	nameAt    int64 // offset of the current attribute name
	found     bool
	foundAt   int64
}

// Reset forgets everything, for the next part.
func (h *Href) Reset() { *h = Href{} }

// isHTMLSpace reports HTML's ASCII white space (tab, LF, FF, CR, space).
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// Write scans p, the next decoded bytes of the body. It never fails; once
// an href is found it only counts bytes. The states that pass over runs
// of bytes (text, comments, declarations, quoted values) search for the
// byte that ends the run; the others take one byte each, in a method per
// state small enough to be inlined.
func (h *Href) Write(p []byte) (int, error) {
	n := len(p)
	base := h.offset
	h.offset += int64(n)
	for i := 0; i < len(p) && !h.found; i++ {
		c := p[i]
		switch h.state {
		case hrefText:
			if !h.skipTo(p, &i, '<', hrefLT) {
				return n, nil
			}
		case hrefDecl:
			if !h.skipTo(p, &i, '>', hrefText) {
				return n, nil
			}
		case hrefQuoted:
			if !h.skipTo(p, &i, h.quote, hrefBeforeName) {
				return n, nil
			}
		case hrefComment:
			if !h.comment(p, &i) {
				return n, nil
			}
		case hrefLT:
			h.afterLT(c)
		case hrefBang:
			h.afterBang(c)
		case hrefBangDash:
			h.afterBangDash(c)
		case hrefTagName:
			h.tagName(c)
		case hrefBeforeName:
			h.beforeName(c, base+int64(i))
		case hrefName:
			h.name(c)
		case hrefAfterName:
			h.afterName(c, base+int64(i))
		case hrefBeforeValue:
			h.beforeValue(c)
		case hrefQuotedFirst:
			h.quotedFirst(c)
		case hrefUnquoted:
			h.unquoted(c)
		}
	}
	return n, nil
}

// skipTo moves *i to the next end byte in p and enters next; false when p
// ends first.
func (h *Href) skipTo(p []byte, i *int, end byte, next hrefState) bool {
	j := bytes.IndexByte(p[*i:], end)
	if j < 0 {
		return false
	}
	*i += j
	h.state = next
	return true
}

// comment moves *i to the next "-" or ">" inside "<!-- ... -->"; "-->"
// ends it. False when p ends first.
func (h *Href) comment(p []byte, i *int) bool {
	j := bytes.IndexAny(p[*i:], "->")
	if j < 0 {
		h.dashes = 0
		return false
	}
	if j > 0 {
		h.dashes = 0
	}
	*i += j
	if p[*i] == '-' {
		h.dashes++
		return true
	}
	if h.dashes >= 2 {
		h.state = hrefText
	}
	h.dashes = 0
	return true
}

func (h *Href) afterLT(c byte) {
	switch {
	case isASCIILetter(c) || c == '/':
		h.state = hrefTagName
	case c == '!':
		h.state = hrefBang
	case c == '?':
		h.state = hrefDecl
	case c == '<':
		// "<<a": stay after a "<".
	default:
		h.state = hrefText
	}
}

func (h *Href) afterBang(c byte) {
	h.state = hrefDecl
	if c == '-' {
		h.state = hrefBangDash
	} else if c == '>' {
		h.state = hrefText
	}
}

func (h *Href) afterBangDash(c byte) {
	h.state = hrefDecl
	if c == '-' {
		h.state = hrefComment
		h.dashes = 0
	} else if c == '>' {
		h.state = hrefText
	}
}

func (h *Href) tagName(c byte) {
	switch {
	case c == '>':
		h.state = hrefText
	case isHTMLSpace(c) || c == '/':
		h.state = hrefBeforeName
	}
}

func (h *Href) beforeName(c byte, at int64) {
	switch {
	case c == '>':
		h.state = hrefText
	case isHTMLSpace(c) || c == '/':
	default:
		// "=" here starts a name too (HTML 13.2.5.32).
		h.startName(c, at)
	}
}

func (h *Href) name(c byte) {
	switch {
	case c == '>':
		h.state = hrefText
	case c == '=':
		h.valueHref = h.nameHref && h.nameLen == 4
		h.state = hrefBeforeValue
	case isHTMLSpace(c):
		h.state = hrefAfterName
	case c == '/':
		h.state = hrefBeforeName
	default:
		h.nameHref = h.nameHref && h.nameLen < 4 && c|0x20 == "href"[h.nameLen]
		h.nameLen++
	}
}

func (h *Href) afterName(c byte, at int64) {
	switch {
	case c == '>':
		h.state = hrefText
	case c == '=':
		h.valueHref = h.nameHref && h.nameLen == 4
		h.state = hrefBeforeValue
	case isHTMLSpace(c):
	case c == '/':
		h.state = hrefBeforeName
	default:
		h.startName(c, at)
	}
}

func (h *Href) beforeValue(c byte) {
	switch {
	case isHTMLSpace(c):
	case c == '"' || c == '\'':
		h.quote = c
		h.state = hrefQuotedFirst
	case c == '>':
		h.state = hrefText
	default:
		h.state = hrefUnquoted
	}
}

// quotedFirst is the first byte of a quoted value: white space there, in
// an href, is the finding.
func (h *Href) quotedFirst(c byte) {
	if h.valueHref && isHTMLSpace(c) {
		h.found, h.foundAt = true, h.nameAt
		return
	}
	h.state = hrefQuoted
	if c == h.quote {
		h.state = hrefBeforeName
	}
}

func (h *Href) unquoted(c byte) {
	switch {
	case c == '>':
		h.state = hrefText
	case isHTMLSpace(c):
		h.state = hrefBeforeName
	}
}

func (h *Href) startName(c byte, at int64) {
	h.state = hrefName
	h.nameAt = at
	h.nameLen = 1
	h.nameHref = c|0x20 == 'h'
}

// Result returns the decoded offset of the name of the first href whose
// value starts with white space, or -1.
func (h *Href) Result() int64 {
	if h.found {
		return h.foundAt
	}
	return -1
}
