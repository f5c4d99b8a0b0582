package parse

import (
	"bytes"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// fieldBuilder accumulates one header field across its physical lines.
type fieldBuilder struct {
	active    bool
	name      []byte
	value     []byte
	both      []byte // build's scratch: name and value for one copy
	segments  []model.Segment
	offset    int64
	valueOff  int64
	rawLen    int64
	valueLen  int64
	lines     int
	truncated bool
}

func (fb *fieldBuilder) reset() {
	fb.active = false
	fb.name = fb.name[:0]
	fb.value = fb.value[:0]
	fb.segments = fb.segments[:0]
	fb.rawLen, fb.valueLen, fb.lines = 0, 0, 0
	fb.truncated = false
}

// appendValue adds bytes of the value found at file offset off, keeping at
// most max bytes (max < 0: unlimited).
func (fb *fieldBuilder) appendValue(b []byte, off int64, max int) {
	if len(b) == 0 {
		return
	}
	idx := int(fb.valueLen)
	fb.valueLen += int64(len(b))
	if max >= 0 && len(fb.value) >= max {
		fb.truncated = true
		return
	}
	if len(fb.value) == idx {
		// Only segments of the kept prefix are recorded.
		fb.segments = append(fb.segments, model.Segment{Index: idx, Offset: off})
	}
	if max >= 0 && len(fb.value)+len(b) > max {
		b = b[:max-len(fb.value)]
		fb.truncated = true
	}
	fb.value = append(fb.value, b...)
}

// build returns the finished field. The value bytes are copied; the name
// is one of commonFieldNames when it is written so, else copied with the
// value in one allocation (two strings per field were a fifth of the
// objects a scan allocated).
// Known is the name's model.FieldNameOf, for the rules' comparisons.
func (fb *fieldBuilder) build() model.HeaderField {
	common, ok := commonFieldNames[string(fb.name)]
	name, known := common.name, common.known
	var value model.Text
	if ok {
		value = model.Text(fb.value)
	} else {
		known = model.FieldNameOf(fb.name)
		fb.both = append(append(fb.both[:0], fb.name...), fb.value...)
		both := model.Text(fb.both)
		name, value = both[:len(fb.name)], both[len(fb.name):]
	}
	f := model.HeaderField{
		Name:        name,
		Value:       value,
		Offset:      fb.offset,
		RawLength:   fb.rawLen,
		ValueLength: fb.valueLen,
		Lines:       fb.lines,
		Truncated:   fb.truncated,
		Known:       known,
		ValueOffset: fb.valueOff,
	}
	if len(fb.segments) > 0 {
		// The value's first byte may be on a continuation line when the
		// first line holds only the name.
		f.ValueOffset = fb.segments[0].Offset
	}
	if len(fb.segments) > 1 {
		f.Segments = append([]model.Segment(nil), fb.segments...)
	}
	return f
}

// splitFieldLine classifies the first segment of a header-block line: a
// field ("Name: value"), with the name, the index where the value starts
// and whether white space stood before the colon (go-message trims it).
func splitFieldLine(line []byte) (name []byte, valueAt int, spaceBeforeColon, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, 0, false, false
	}
	n := line[:colon]
	trimmed := bytes.TrimRight(n, " \t")
	if len(trimmed) == 0 {
		return nil, 0, false, false
	}
	for _, c := range trimmed {
		if c < 33 || c > 126 {
			return nil, 0, false, false
		}
	}
	v := colon + 1
	for v < len(line) && (line[v] == ' ' || line[v] == '\t') {
		v++
	}
	return trimmed, v, len(trimmed) != len(n), true
}

// readParams reads media-type or disposition parameters leniently from the
// unfolded value of field f, starting at index from. It keeps every
// parameter as written, broken ones included: mime.ParseMediaType drops all
// parameters when one is malformed (charset= unquoted and empty) and
// errors on duplicates, which is exactly what the KB rules must see.
func readParams(f *model.HeaderField, from int) []model.Param {
	v := string(f.Value)
	var out []model.Param
	i := from
	for i < len(v) {
		// skip separators and white space
		for i < len(v) && (v[i] == ';' || v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n') {
			i++
		}
		if i >= len(v) {
			break
		}
		start := i
		for i < len(v) && v[i] != '=' && v[i] != ';' {
			i++
		}
		name := strings.TrimSpace(v[start:i])
		// The offset is the name's first byte, past any white space
		// TrimSpace dropped that the separator loop does not skip (\f, \v).
		nameAt := start
		if name != "" {
			nameAt += strings.Index(v[start:i], name)
		}
		p := model.Param{Name: model.Text(name), Offset: f.OffsetAt(nameAt)}
		if i < len(v) && v[i] == '=' {
			i++
			for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n') {
				i++
			}
			if i < len(v) && v[i] == '"' {
				p.Quoted = true
				i++
				var value string
				value, i = quotedValue(v, i)
				p.Value = model.Text(value)
				// anything up to the next ';' is junk after the quote
				for i < len(v) && v[i] != ';' {
					i++
				}
			} else {
				vs := i
				for i < len(v) && v[i] != ';' {
					i++
				}
				p.Value = model.Text(strings.TrimSpace(v[vs:i]))
			}
		}
		p.Raw = model.Text(strings.TrimSpace(v[start:i]))
		if name != "" || p.Value != "" {
			out = append(out, p)
		}
	}
	return out
}

// quotedValue reads the quoted string whose opening quote is just before
// v[i]: its value (quoted pairs undone) and the index after its closing
// quote (len(v) when it has none). Without a quoted pair the value is the
// bytes between the quotes, shared rather than copied byte by byte.
func quotedValue(v string, i int) (string, int) {
	if q := strings.IndexByte(v[i:], '"'); q >= 0 && strings.IndexByte(v[i:i+q], '\\') < 0 {
		return v[i : i+q], i + q + 1
	}
	return unquote(v, i)
}

// unquote is quotedValue byte by byte, undoing quoted pairs.
func unquote(v string, i int) (string, int) {
	var b strings.Builder
	for i < len(v) && v[i] != '"' {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
		i++
	}
	if i < len(v) {
		i++ // closing quote
	}
	return b.String(), i
}

// mediaTypeOf returns the lower-cased type/subtype before the first ';'
// and the index where parameters start.
func mediaTypeOf(v string) (string, int) {
	i := strings.IndexByte(v, ';')
	if i < 0 {
		i = len(v)
	}
	mt := strings.ToLower(strings.TrimSpace(v[:i]))
	// Drop an RFC 822 comment after the type ("text/plain (note)").
	if j := strings.IndexAny(mt, " \t("); j >= 0 {
		mt = strings.TrimSpace(mt[:j])
	}
	return mt, i
}

// joinRFC2231 returns the value of parameter base from params, joining
// RFC 2231 continuations (name*0, name*1*, ...) and reporting whether any
// encoded form (name*=, or an RFC 2047 word) was used.
func joinRFC2231(params []model.Param, base string) (value string, at int64, encoded, found bool) {
	var parts []string
	for _, p := range params {
		n := strings.ToLower(string(p.Name))
		switch {
		case n == base:
			if !found {
				value, at, found = string(p.Value), p.Offset, true
				encoded = strings.Contains(value, "=?")
			}
		case n == base+"*":
			value, at, found, encoded = string(p.Value), p.Offset, true, true
		case strings.HasPrefix(n, base+"*"):
			if len(parts) == 0 {
				at = p.Offset
			}
			if strings.HasSuffix(n, "*") && n != base+"*" {
				encoded = true
			}
			parts = append(parts, string(p.Value))
		}
	}
	if !found && len(parts) > 0 {
		return strings.Join(parts, ""), at, encoded, true
	}
	return value, at, encoded, found
}

// commonFieldNames are header field names as most messages write them,
// each its own string: build shares them instead of copying the name of
// every field. The lookup is exact (case included); any other spelling is
// copied as written.
var commonFieldNames = func() map[string]commonFieldName {
	m := map[string]commonFieldName{}
	for _, n := range []string{"Received", "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "Message-Id", "MIME-Version",
		"Mime-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "Content-Description",
		"Return-Path", "Reply-To", "Sender", "X-Mailer", "X-Sender", "X-Receiver", "X-MimeOLE", "X-Priority", "X-MSMail-Priority",
		"Importance", "Thread-Topic", "Thread-Index", "In-Reply-To", "References", "Comments", "Keywords", "X-Originating-IP"} {
		m[n] = commonFieldName{model.Text(n), model.FieldNameOf(n)}
	}
	return m
}()

// commonFieldName is a name of commonFieldNames and its code.
type commonFieldName struct {
	name  model.Text
	known model.FieldName
}

// lostFold reports a field value that cannot end where its line does, so
// that a following line which is no field is its continuation written
// without the fold's white space: a parameter list or address list that
// ends in ";" or ",", an open quoted string, or a Received field that has
// not reached its "; date-time" (RFC 5322 3.6.7), or whose date still
// lacks the zone. A stray line after a complete field (Q166026's "sender
// abcdef@xyz.abc.com )" under "charset=US-ASCII") stays a stray line.
func lostFold(name, value []byte) bool {
	v := bytes.TrimRight(value, " \t")
	if len(v) == 0 {
		return false
	}
	if c := v[len(v)-1]; c == ';' || c == ',' {
		return true
	}
	if openQuote(v) {
		return true
	}
	if !bytes.EqualFold(name, []byte("Received")) {
		return false
	}
	semi := bytes.LastIndexByte(v, ';')
	if semi < 0 {
		return true
	}
	// "...; Wed, 17 Jun 1998 14:35:47" with the zone on the next line.
	date := bytes.Fields(v[semi+1:])
	if len(date) == 0 {
		return true
	}
	last := date[len(date)-1]
	return bytes.Count(last, []byte(":")) >= 1 && bytes.IndexFunc(last, func(r rune) bool { return r != ':' && (r < '0' || r > '9') }) < 0
}

// continuesValue reports whether line, a line of the header block that
// is no field, may be the rest of the open field whose value lostFold
// found unfinished. Inside an open quoted string anything may follow, and
// a Received field's pieces (an id, a comment, a zone) have no shape to
// test. But a parameter list ended by ";" goes on with a parameter
// ("charset = \"\"") and an address list ended by "," with an address: a
// line that is neither is the body, begun without its blank line
// (Q175841), not a piece of the field.
func continuesValue(name, value, line []byte) bool {
	l := bytes.TrimSpace(line)
	if len(l) == 0 {
		return false
	}
	if openQuote(bytes.TrimRight(value, " \t")) {
		return true
	}
	switch {
	case bytes.EqualFold(name, []byte("Content-Type")), bytes.EqualFold(name, []byte("Content-Disposition")):
		// token *WSP "=" (RFC 2045 5.1; "*" of RFC 2231 names included).
		k := 0
		for k < len(l) && l[k] > ' ' && l[k] < 0x7f && !bytes.ContainsRune([]byte(`()<>@,;:\"/[]?=`), rune(l[k])) {
			k++
		}
		for k > 0 && k < len(l) && (l[k] == ' ' || l[k] == '\t') {
			k++
		}
		return k > 0 && k < len(l) && l[k] == '='
	case isAddressField(name):
		return bytes.ContainsAny(l, "@<\":;")
	}
	return true
}

// isAddressField reports whether name is a field holding an address list
// (RFC 5322 3.6.2, 3.6.3, 3.6.6).
func isAddressField(name []byte) bool {
	n := bytes.ToLower(name)
	n = bytes.TrimPrefix(n, []byte("resent-"))
	switch string(n) {
	case "from", "sender", "reply-to", "to", "cc", "bcc":
		return true
	}
	return false
}

// openQuote reports whether v ends inside a quoted string.
func openQuote(v []byte) bool {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		}
	}
	return quoted
}
