package rules

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Address lists (KB Q231748, Q256114, Q193782, Q263457).

// addressFields are the header fields that hold address lists; toCc and
// recipientFields the recipients' among them. Sets of model's well-known
// names: a field's name is compared by the code the parser gave it.
var (
	addressFields = model.NewFieldNames("from", "sender", "reply-to", "to", "cc", "bcc", "return-path",
		"resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc", "disposition-notification-to")
	toCc            = model.NewFieldNames("to", "cc")
	recipientFields = model.NewFieldNames("to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc")
)

// addrScan is the lexical structure of an RFC 5322 address list: the
// comments and the list separators found outside quoted strings,
// comments, angle brackets and domain literals.
type addrScan struct {
	comments [][2]int // [start, end) of each outermost "( ... )", end = len when unclosed
	commas   []int
	semis    []int // ";" used as a separator (not the end of a group)
}

// quotedStringEnd is the index of the quote that closes the quoted string
// opening at v[i] (backslash pairs skipped), len(v) or past it when
// unclosed.
func quotedStringEnd(v string, i int) int {
	for i++; i < len(v) && v[i] != '"'; i++ {
		if v[i] == '\\' {
			i++
		}
	}
	return i
}

// commentEnd is the index of the ')' that closes the comment opening at
// v[i] (nested comments and backslash pairs skipped), len(v) or past it
// when unclosed.
func commentEnd(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		if v[i] == '\\' {
			i++
			continue
		}
		if v[i] == '(' {
			depth++
		} else if v[i] == ')' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	return i
}

func scanAddressList(v string) addrScan {
	var s addrScan
	inGroup := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"':
			i = quotedStringEnd(v, i)
		case '(':
			start := i
			i = commentEnd(v, i)
			s.comments = append(s.comments, [2]int{start, min(i+1, len(v))})
		case '<':
			for ; i < len(v) && v[i] != '>'; i++ {
			}
		case '[':
			for ; i < len(v) && v[i] != ']'; i++ {
			}
		case ':':
			inGroup = true
		case ',':
			s.commas = append(s.commas, i)
		case ';':
			if inGroup {
				inGroup = false // "group: a, b;" ends the group
				continue
			}
			if strings.TrimSpace(v[i+1:]) != "" {
				s.semis = append(s.semis, i)
			}
		}
	}
	return s
}

var ruleAddressCommentSeparator = Rule{
	ID: "address-comment-separator", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q231748"},
	Doc: "a comment ( ... ) inside To or Cc that holds ',' or ';'",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !toCc.HasLower(f) {
					continue
				}
				v := string(f.Value)
				// The comments alone (nextComment, scanAddressList's
				// comments without its separator lists).
				for start, end := nextComment(v, 0); start >= 0; start, end = nextComment(v, end) {
					if strings.ContainsAny(v[start:end], ",;") {
						ev, off := valueEvidence(f, start)
						emit(p.Path, off, ev, fmt.Sprintf("%s comment %q holds a list separator: the store mis-computes the end of the field", f.Name, v[start:end]))
						break
					}
				}
			}
		}
	},
}

var ruleAddressMixedSeparators = Rule{
	ID: "address-mixed-separators", Class: model.ClassCrash, Dir: "OUT", KB: []string{"Q256114"},
	Doc: "one address list that uses both ';' and ',' as separators",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !recipientFields.HasLower(f) {
					continue
				}
				s := scanAddressList(string(f.Value))
				if len(s.semis) > 0 && len(s.commas) > 0 {
					ev, off := valueEvidence(f, s.semis[0])
					emit(p.Path, off, ev, fmt.Sprintf("%s separates addresses with both ';' and ',' (AV in CMtsOutQueue::LoadCachedDetailInfo)", f.Name))
				}
			}
		}
	},
}

// imceaAt finds IMCEA-encapsulated addresses ("IMCEA<type>-...") in s and
// calls fn with the start index of each and its length (up to a
// delimiter).
func imceaAt(s string, fn func(start, end int)) {
	if !containsFoldASCII(s, "imcea") {
		return // the common case, without the folded copy (pprof: 4% of scan)
	}
	upper := foldASCII(s, 'a', 'z', -32)
	for from := 0; ; {
		k := strings.Index(upper[from:], "IMCEA")
		if k < 0 {
			return
		}
		start := from + k
		j := start + 5
		for j < len(s) && (isAlnum(s[j])) {
			j++
		}
		end := j
		if j > start+5 && j < len(s) && s[j] == '-' && (start == 0 || !isAlnum(s[start-1])) {
			end = strings.IndexAny(s[j:], " \t<>,;\"()\x00")
			if end < 0 {
				end = len(s)
			} else {
				end += j
			}
			fn(start, end)
		}
		from = max(end, start+5)
	}
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// badIMCEAEscape returns the index in addr (an IMCEA address) of the
// first "+" not followed by two hex digits before the "@", or -1.
func badIMCEAEscape(addr string) int {
	local := addr
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		local = addr[:at]
	}
	for i := 0; i < len(local); i++ {
		if local[i] != '+' {
			continue
		}
		if i+2 >= len(local) || !isHexDigit(local[i+1]) || !isHexDigit(local[i+2]) {
			return i
		}
		i += 2
	}
	return -1
}

// envAddrEvidence quotes an envelope address at the offset parse located
// it, when parse kept its bytes there; otherwise the envelope block's
// start with no quote.
func envAddrEvidence(m *model.Message, off int64, addr string, i int) (model.Text, int64) {
	if off >= 0 {
		if ex := string(m.Excerpt(off)); ex != "" && strings.HasPrefix(addr, ex) {
			if i < len(ex) {
				return model.Text(ex[i:]), off + int64(i)
			}
			// The spot is beyond the kept bytes: quote the address.
			return model.Text(ex), off
		}
	}
	return "", m.Envelope.RawOffset
}

// eachEnvelopeAddr calls fn for the envelope addresses (when they come
// from an envelope, not from the headers), sender first, with their
// located offsets (-1 when unknown). It builds no slice: on a
// 32,767-recipient envelope the copies were 5% of scan's CPU.
func eachEnvelopeAddr(m *model.Message, fn func(a string, off int64)) {
	e := &m.Envelope
	if e.Source == "" || e.Source == "headers" {
		return
	}
	if e.From != "" {
		fn(e.From, e.FromOffset)
	}
	for i, a := range e.To {
		off := int64(-1)
		if i < len(e.ToOffsets) {
			off = e.ToOffsets[i]
		}
		fn(a, off)
	}
}

var ruleIMCEAMalformed = Rule{
	ID: "imcea-malformed", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q193782"},
	Doc: "an IMCEA-encapsulated address (IMCEA<type>-...) with a malformed +xx escape",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		eachEnvelopeAddr(m, func(a string, aoff int64) {
			imceaAt(a, func(start, end int) {
				if b := badIMCEAEscape(a[start:end]); b >= 0 {
					ev, off := envAddrEvidence(m, aoff, a, start+b)
					emit("", off, ev, fmt.Sprintf("envelope address %q: %q is not a +xx escape (IS 12800, 4182)", a, a[start+b:min(end, start+b+3)]))
				}
			})
		})
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !addressFields.HasLower(f) {
					continue
				}
				v := string(f.Value)
				imceaAt(v, func(start, end int) {
					if b := badIMCEAEscape(v[start:end]); b >= 0 {
						ev, off := valueEvidence(f, start+b)
						emit(p.Path, off, ev, fmt.Sprintf("%s address %q: %q is not a +xx escape (IS 12800, 4182)", f.Name, v[start:end], v[start+b:min(end, start+b+3)]))
					}
				})
			}
		}
	},
}

// foldASCII shifts the ASCII letters lo..hi by delta and keeps every other
// byte, so indices into the result are indices into s: strings.ToUpper and
// ToLower turn each invalid UTF-8 byte into the 3-byte U+FFFD, and an
// index found in their result can then fall outside s.
func foldASCII(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if lo <= c && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}

// containsFoldASCII reports whether s contains lower (lower-case ASCII)
// ignoring ASCII case, without allocating.
func containsFoldASCII(s, lower string) bool {
	if len(lower) == 0 {
		return true
	}
	// Eight positions at a time are passed over when none of their bytes,
	// with 0x20 set, is lower's first byte: no match can start there (the
	// envelope's 32,767 addresses of a large spool file are each searched
	// for "imcea" and "c=").
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	first := uint64(lower[0]) * ones
	for i := 0; i+len(lower) <= len(s); {
		if i+8 <= len(s) {
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if t := (w | 0x20*ones) ^ first; (t-ones)&^t&highs == 0 {
				i += 8
				continue
			}
		}
		j := 0
		for j < len(lower) && s[i+j]|0x20 == lower[j] {
			j++
		}
		if j == len(lower) {
			return true
		}
		i++
	}
	return false
}

// x400Spans calls fn for each X.400 address in s: an IMCEAEX / IMCEAX400
// encapsulation, or a bare "c=..;a=..;p=.." (or "/c=../a=../p=..")
// originator/recipient form.
func x400Spans(s string, fn func(start, end int)) {
	imceaAt(s, func(start, end int) {
		t := strings.ToUpper(s[start:min(end, start+10)])
		if strings.HasPrefix(t, "IMCEAEX-") || strings.HasPrefix(t, "IMCEAX400-") {
			fn(start, end)
		}
	})
	if !containsFoldASCII(s, "c=") {
		return
	}
	lower := foldASCII(s, 'A', 'Z', 32)
	for from := 0; from < len(s); {
		k := strings.Index(lower[from:], "c=")
		if k < 0 {
			return
		}
		start := from + k
		if start > 0 && s[start-1] == '/' {
			start--
		}
		end := strings.IndexAny(s[start:], " \t<>,\"")
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		tok := strings.ToLower(s[start:end])
		if (strings.Contains(tok, ";a=") && strings.Contains(tok, ";p=")) || (strings.Contains(tok, "/a=") && strings.Contains(tok, "/p=")) {
			if !strings.HasPrefix(strings.ToUpper(s[max(0, start-10):start]), "IMCEA") {
				fn(start, end)
			}
		}
		from = max(end, start+2)
	}
}

var ruleX400AddressOver1024 = Rule{
	ID: "x400-address-over-1024", Class: model.ClassCrash, Dir: "OUT", KB: []string{"Q263457"},
	Doc: "an X.400 or IMCEAEX address longer than 1,024 characters",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		limit := c.MaxX400Address
		eachEnvelopeAddr(m, func(a string, aoff int64) {
			if len(a) <= limit {
				return // no span of a can be longer than a
			}
			x400Spans(a, func(start, end int) {
				if end-start > limit {
					ev, off := envAddrEvidence(m, aoff, a, start)
					emit("", off, ev, fmt.Sprintf("envelope X.400 address of %d characters (limit %d): stack corruption", end-start, limit))
				}
			})
		})
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if len(f.Value) <= limit || !addressFields.HasLower(f) {
					continue
				}
				x400Spans(string(f.Value), func(start, end int) {
					if end-start > limit {
						ev, off := valueEvidence(f, start)
						emit(p.Path, off, ev, fmt.Sprintf("%s X.400 address of %d characters (limit %d): stack corruption", f.Name, end-start, limit))
					}
				})
			}
		}
	},
}
