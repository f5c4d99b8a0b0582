package repair

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/rules"
)

func fixNoFinalCRLF(s *site) ([]edit, string) {
	n := s.raw.Len()
	switch {
	case n > 0 && s.raw.At(n-1) == '\r':
		return []edit{{off: n, ins: []byte("\n"), note: "final CR completed to CRLF"}}, ""
	case n > 0 && s.raw.At(n-1) == '\n':
		return []edit{{off: n - 1, ins: []byte("\r"), note: "final bare LF completed to CRLF"}}, ""
	}
	return []edit{{off: n, ins: []byte("\r\n"), note: "CRLF appended at the end of the file"}}, ""
}

func fixCRLFRun(s *site) ([]edit, string) {
	var edits []edit
	keep := s.cfg.CRLFRun - 1
	for _, f := range s.fs {
		i := f.Offset
		// The run may be quoted from the line end before it.
		for i < s.raw.Len() && s.raw.At(i) != '\r' && s.raw.At(i) != '\n' {
			i++
		}
		start, n := i, int64(0)
		for i+1 < s.raw.Len() && s.raw.At(i) == '\r' && s.raw.At(i+1) == '\n' {
			i, n = i+2, n+1
		}
		if n <= keep {
			return nil, "the run of empty lines is not written as CRLF pairs at the finding's offset"
		}
		edits = append(edits, edit{off: start, del: (n - keep) * 2, part: f.Part, note: fmt.Sprintf("run of %d line ends shortened to %d", n, keep)})
	}
	return edits, ""
}

func fixBase64Invalid(s *site) ([]edit, string) {
	var edits []edit
	for _, p := range s.findingParts() {
		if p.CTE != "base64" {
			continue
		}
		a, b := s.body(p)
		var n, last int64 = 0, -1
		for i := a; i < b; i++ {
			c := s.raw.At(i)
			switch {
			case isB64(c):
				n, last = n+1, i
			case c == '\r' || c == '\n' || c == ' ' || c == '\t':
			default: // a stray byte or a padding '=': the padding is set below
				edits = append(edits, edit{off: i, del: 1, part: p.Path, note: fmt.Sprintf("byte 0x%02X outside the base64 alphabet removed", c)})
			}
		}
		if last < 0 {
			return nil, "part " + partName(p.Path) + " holds no base64 data"
		}
		switch n % 4 {
		case 1: // six bits cannot make a byte
			edits = append(edits, edit{off: last, del: 1, part: p.Path, note: "dangling base64 character removed"})
		case 2:
			edits = append(edits, edit{off: last + 1, ins: []byte("=="), part: p.Path, note: "base64 padding set"})
		case 3:
			edits = append(edits, edit{off: last + 1, ins: []byte("="), part: p.Path, note: "base64 padding set"})
		}
	}
	return merge(edits), ""
}

// merge joins adjacent deletions (a run of stray bytes is one change).
func merge(edits []edit) []edit {
	var out []edit
	for _, e := range edits {
		if k := len(out) - 1; k >= 0 && len(e.ins) == 0 && len(out[k].ins) == 0 && out[k].off+out[k].del == e.off && out[k].part == e.part {
			out[k].del += e.del
			continue
		}
		out = append(out, e)
	}
	return out
}

func fixQPUTF16(s *site) ([]edit, string) {
	var edits []edit
	for _, f := range s.fs {
		p := s.part(f.Part)
		if p == nil || p.CTE != "quoted-printable" {
			return nil, "the part is not quoted-printable"
		}
		_, b := s.body(p)
		at := b
		if b >= 2 && s.raw.At(b-2) == '\r' && s.raw.At(b-1) == '\n' {
			at = b - 2
		}
		edits = append(edits, edit{off: at, ins: []byte("=00"), part: p.Path, note: "one NUL byte appended so the UTF-16 text has an even length"})
	}
	return edits, ""
}

func fixUuencodeNoEnd(s *site) ([]edit, string) {
	var edits []edit
	for i := range s.m.Parts {
		p := &s.m.Parts[i]
		for _, u := range p.Body.Uuencode {
			if u.EndOffset >= 0 || u.Offset < 0 || u.Offset >= s.raw.Len() {
				continue
			}
			at, last := uuDataEnd(s.raw, u.Offset)
			ins := "end\r\n"
			if last != "`" && last != " " {
				ins = "`\r\nend\r\n" // the zero-length line that closes the data
			}
			edits = append(edits, edit{off: at, ins: []byte(ins), part: p.Path, note: "uuencode block closed with an end line"})
		}
	}
	return edits, ""
}

// uuDataEnd returns the offset after the last uuencoded line following the
// begin line at off, and that line's content.
func uuDataEnd(raw *text, off int64) (int64, string) {
	i := raw.Index(off, raw.Len(), []byte("\n")) + 1
	if i <= 0 {
		return raw.Len(), ""
	}
	last := ""
	for i < raw.Len() {
		j := raw.Index(i, raw.Len(), []byte("\n"))
		end := raw.Len()
		if j >= 0 {
			end = j + 1
		}
		te := end // strings.TrimRight(line, "\r\n"), without reading a long line whole
		for te > i && (raw.At(te-1) == '\r' || raw.At(te-1) == '\n') {
			te--
		}
		if te-i > 62 {
			break // longer than any uuencoded line (isUULine)
		}
		line := string(raw.Span(i, te))
		if !isUULine(line) {
			break
		}
		last, i = line, end
	}
	return i, last
}

// isUULine reports a line of uuencoded data: 1 to 62 characters of the
// uuencode alphabet (0x20-0x60), the first giving the byte count.
func isUULine(l string) bool {
	if len(l) == 0 || len(l) > 62 {
		return false
	}
	for i := 0; i < len(l); i++ {
		if l[i] < 0x20 || l[i] > 0x60 {
			return false
		}
	}
	return true
}

// replaceWithNotice replaces part p (header and body) by a text/plain part
// that says what was removed and why.
func (s *site) replaceWithNotice(p *model.Part, what, why string) (edit, string) {
	if p.Path == "" {
		return edit{}, "the whole message is the " + what + " part: nothing would be left to deliver"
	}
	a, b := s.body(p)
	name := string(p.Filename)
	if name == "" {
		name = "(no name)"
	}
	notice := fmt.Sprintf("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"+
		"imsforensic repair removed a corrupt %s part here: %s, %d bytes as written, sha256 %s.\r\n"+
		"Why: %s. The original message is kept unchanged in the evidence.\r\n", what, model.Escape(name), b-a, s.raw.Sum(a, b), why)
	return edit{off: p.Offset, del: b - p.Offset, ins: []byte(notice), part: p.Path, note: "corrupt " + what + " part replaced by a text part that says so"}, ""
}

func fixTNEFCorrupt(s *site) ([]edit, string) {
	var edits []edit
	for _, p := range s.findingParts() {
		e, why := s.replaceWithNotice(p, "TNEF (winmail.dat)", s.detail(p.Path))
		if why != "" {
			return nil, why
		}
		edits = append(edits, e)
	}
	return edits, ""
}

func fixRTFCorrupt(s *site) ([]edit, string) {
	var edits []edit
	for _, p := range s.findingParts() {
		if r := p.Body.RTF; r != nil && r.StartsWithRTF && !r.Underflow && r.Balance > 0 && isIdentity(p.CTE) {
			_, b := s.body(p)
			edits = append(edits, edit{off: b, ins: bytes.Repeat([]byte("}"), int(r.Balance)), part: p.Path, note: fmt.Sprintf("%d missing closing braces appended", r.Balance)})
			continue
		}
		e, why := s.replaceWithNotice(p, "RTF", s.detail(p.Path))
		if why != "" {
			return nil, why
		}
		edits = append(edits, e)
	}
	return edits, ""
}

func isIdentity(cte string) bool {
	return cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"
}

// inPieces reports whether a parameter of ps is an RFC 2231 piece or an
// extended value (its name has a '*').
func inPieces(ps []*model.Param) bool {
	for _, pm := range ps {
		if strings.IndexByte(string(pm.Name), '*') >= 0 {
			return true
		}
	}
	return false
}

// nameParams are the file-name parameters of p.
func nameParams(p *model.Part) []*model.Param {
	var out []*model.Param
	add := func(ps []model.Param, base string) {
		for i := range ps {
			n := strings.ToLower(string(ps[i].Name))
			if n == base || strings.HasPrefix(n, base+"*") {
				out = append(out, &ps[i])
			}
		}
	}
	add(p.DispositionParams, "filename")
	add(p.Params, "name")
	return out
}

func fixFilenameParen(s *site) ([]edit, string) {
	var edits []edit
	for _, p := range s.findingParts() {
		for _, pm := range nameParams(p) {
			a, b, _, ok := s.valueSpan(pm)
			if !ok {
				continue
			}
			v := []byte(string(s.span(a, b)))
			for n := 0; n < len(v); n++ {
				i := rules.UnbalancedParen(string(v))
				if i < 0 {
					break
				}
				v[i] = '_'
				edits = append(edits, edit{off: a + int64(i), del: 1, ins: []byte("_"), part: p.Path, note: "unmatched '(' in the file name made '_'"})
			}
		}
	}
	return edits, ""
}

func fixFilenameOver246(s *site) ([]edit, string) {
	limit := s.cfg.FilenameBytes
	var edits []edit
	for _, p := range s.findingParts() {
		if p.FilenameEncoded && len(p.FilenameDecoded) > limit {
			return nil, "the file name is RFC 2047/2231-encoded: shortening it means re-encoding it"
		}
		if len(p.FilenameDecoded) > limit && inPieces(nameParams(p)) {
			return nil, "the file name is written in RFC 2231 pieces (filename*0=, filename*1=): shortening it means rewriting them"
		}
		for _, pm := range nameParams(p) {
			a, b, _, ok := s.valueSpan(pm)
			if !ok || int(b-a) <= limit {
				continue
			}
			short, why := shortenName(s.span(a, b), limit)
			if why != "" {
				return nil, why
			}
			edits = append(edits, edit{off: a, del: b - a, ins: short, part: p.Path, note: fmt.Sprintf("file name of %d bytes shortened to %d, extension kept", b-a, len(short))})
		}
		for _, u := range p.Body.Uuencode {
			if len(u.Name) <= limit {
				continue
			}
			eol := s.raw.Index(u.Offset, s.raw.Len(), []byte("\n"))
			if eol < 0 {
				eol = s.raw.Len()
			}
			line := s.span(u.Offset, eol)
			k := bytes.LastIndex(line, []byte(u.Name))
			if k < 0 {
				return nil, "the uuencode begin line could not be located"
			}
			short, why := shortenName([]byte(u.Name), limit)
			if why != "" {
				return nil, why
			}
			edits = append(edits, edit{off: u.Offset + int64(k), del: int64(len(u.Name)), ins: short, part: p.Path, note: "uuencode file name shortened, extension kept"})
		}
	}
	return edits, ""
}

// shortenName cuts a name's stem so the name fits in limit bytes, keeping
// an extension of up to 10 characters and never splitting a UTF-8
// character.
func shortenName(name []byte, limit int) ([]byte, string) {
	if has8Bit(name) && !utf8.Valid(name) {
		return nil, "the file name is 8-bit and not UTF-8: cutting it could split a character"
	}
	ext := []byte{}
	if i := bytes.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 11 {
		ext = name[i:]
	}
	n := limit - len(ext)
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	if n <= 0 {
		return nil, "the extension alone is longer than the limit"
	}
	return append(append([]byte{}, name[:n]...), ext...), ""
}
