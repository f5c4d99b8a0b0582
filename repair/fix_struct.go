package repair

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// essential fields route or describe the message: never moved out of the
// header.
func essential(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
		"return-path", "in-reply-to", "resent-from", "resent-to", "resent-cc", "resent-bcc", "resent-sender":
		return true
	}
	return strings.HasPrefix(n, "content-")
}

// textPartHeader starts the text/plain part repair adds.
const textPartHeader = "Content-Type: text/plain; charset=%s\r\nContent-Transfer-Encoding: %s\r\nContent-Disposition: inline\r\n\r\n"

// attachText adds a text/plain part holding text at the end of the
// message: before the top multipart's close delimiter, or, for a
// single-part message, by making the message multipart/mixed with the
// original entity (its Content-* fields moved with it) as the first part.
func (s *site) attachText(text []byte) ([]edit, string) {
	root := s.m.Root()
	if root == nil || !s.m.Scan.HeaderTerminated {
		return nil, "the header block has no end"
	}
	cs, why := charsetOfBytes(text)
	if why != "" {
		return nil, "the moved text: " + why
	}
	cte := "7bit"
	if cs != "us-ascii" {
		cte = "8bit"
	}
	part := fmt.Sprintf(textPartHeader, cs, cte) + string(text)
	if root.IsMultipart() {
		if !root.CloseBoundaryFound || root.Boundary == "" {
			return nil, "the top multipart has no close delimiter to add a part before"
		}
		a := root.BodyOffset
		k := s.raw.LastIndex(a, a+root.BodyLength, []byte("\n--"+string(root.Boundary)+"--"))
		if k < 0 {
			return nil, "the close delimiter could not be located"
		}
		return []edit{{off: k + 1, ins: []byte("--" + string(root.Boundary) + "\r\n" + part + "\r\n"), note: "text/plain part added"}}, ""
	}
	b := "=_imsforensic_repair_" + s.raw.Sum(0, s.raw.Len())[:16]
	var edits []edit
	var moved []byte
	end := root.Offset
	hasMIME := false
	for i := range root.Header {
		f := &root.Header[i]
		end = max(end, f.Offset+f.RawLength)
		n := strings.ToLower(string(f.Name))
		hasMIME = hasMIME || n == "mime-version"
		if strings.HasPrefix(n, "content-") {
			moved = append(moved, s.fieldBytes(f)...)
			edits = append(edits, edit{off: f.Offset, del: f.RawLength, note: string(f.Name) + " moved to the first part"})
		}
	}
	top := "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n"
	if !hasMIME {
		top = "MIME-Version: 1.0\r\n" + top
	}
	edits = append(edits, edit{off: end, ins: []byte(top), note: "message made multipart/mixed to hold the text part"})
	edits = append(edits, edit{off: root.BodyOffset, ins: append(append([]byte("--"+b+"\r\n"), moved...), "\r\n"...), note: "first part: the original body"})
	tail := ""
	if n := s.raw.Len(); n > 0 && s.raw.At(n-1) != '\n' {
		tail = "\r\n"
	}
	tail += "\r\n--" + b + "\r\n" + part + "\r\n--" + b + "--\r\n"
	edits = append(edits, edit{off: s.raw.Len(), ins: []byte(tail), note: "text/plain part added"})
	return edits, ""
}

// movedTextLimit bounds the header text one repair moves into a text
// part. The moved fields, the part made of them and the edit inserting it
// are held in memory, a few copies of the text; beyond a few MiB a field
// is no mail an IMS ever delivered, and the copy would cost memory the
// rest of the run needs.
const movedTextLimit = 16 << 20

// tooBigToMove is the reason a repair declines to move n bytes of header
// text, "" when it may.
func tooBigToMove(n int64) string {
	if n <= movedTextLimit {
		return ""
	}
	return fmt.Sprintf("the header text to move is %d bytes, over the %d a repair holds in memory", n, movedTextLimit)
}

// movedNote heads the text part holding fields moved out of the header.
func movedNote(kb, why string) []byte {
	return []byte("imsforensic repair moved these header fields here, as written, from the message header (KB " + kb + ": " + why + ").\r\n\r\n")
}

func fixHeaderBlock(s *site) ([]edit, string) {
	limit := s.cfg.HeaderBlockBytes
	h := s.m.Header()
	idx := make([]int, 0, len(h))
	for i := range h {
		if !essential(string(h[i].Name)) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return h[idx[a]].RawLength > h[idx[b]].RawLength })
	// Leave room for the fields a wrap adds.
	over := s.m.Scan.HeaderBytes - (limit - 512)
	var edits []edit
	var moved []int
	for _, i := range idx {
		if over <= 0 {
			break
		}
		over -= h[i].RawLength
		moved = append(moved, i)
	}
	if over > 0 {
		return nil, "the fields that route or describe the message alone are over the limit"
	}
	sort.Ints(moved)
	var size int64
	for _, i := range moved {
		size += h[i].RawLength
	}
	if why := tooBigToMove(size); why != "" {
		return nil, why
	}
	text := movedNote("Q193639", "a header block over 32 KiB stops the IMS")
	for _, i := range moved {
		f := &h[i]
		text = append(text, s.fieldBytes(f)...)
		edits = append(edits, edit{off: f.Offset, del: f.RawLength, note: string(f.Name) + " moved into a text part"})
	}
	more, why := s.attachText(text)
	if why != "" {
		return nil, why
	}
	return append(edits, more...), ""
}

func fixHeaderField(s *site) ([]edit, string) {
	var edits []edit
	text := movedNote("Q193639", "a field over 21 KiB stops the IMS")
	ps, fs := s.findingFields()
	for k, f := range fs {
		if strings.EqualFold(string(f.Name), "subject") && ps[k].Path == "" {
			return fixSubject(s)
		}
		if essential(string(f.Name)) {
			return nil, string(f.Name) + " routes or describes the message: moving or cutting it changes the message"
		}
		if why := tooBigToMove(int64(len(text)) + f.RawLength); why != "" {
			return nil, why
		}
		text = append(text, s.fieldBytes(f)...)
		edits = append(edits, edit{off: f.Offset, del: f.RawLength, part: ps[k].Path, note: string(f.Name) + " moved into a text part"})
	}
	more, why := s.attachText(text)
	if why != "" {
		return nil, why
	}
	return append(edits, more...), ""
}

// subjectKeep is how much of an over-long Subject stays in the header.
const subjectKeep = 900

func fixSubject(s *site) ([]edit, string) {
	for _, f := range s.m.Header() {
		if !strings.EqualFold(string(f.Name), "subject") || f.ValueLength <= subjectKeep {
			continue
		}
		// The cut is found in the value's first 900 bytes; its first lines,
		// folds included, hold them.
		val := unfoldValue(s.span(f.Offset, f.Offset+min(f.RawLength, int64(len(f.Name))+1+4*subjectKeep)), len(f.Name))
		if len(val) < subjectKeep {
			val = unfoldValue(s.fieldBytes(&f), len(f.Name))
		}
		cut := bytes.LastIndexAny(val[:min(len(val), subjectKeep)], " \t")
		if cut <= 0 {
			return nil, "the Subject has no blank to cut at before 900 bytes: cutting it could split an encoded word or a character"
		}
		if why := tooBigToMove(f.RawLength); why != "" {
			return nil, why
		}
		nf := string(f.Name) + ": " + string(val[:cut]) + " [...]\r\n"
		text := append([]byte("imsforensic repair shortened the Subject (KB Q197491: a Subject over the store's 20 KB buffer hangs it); the whole field as written:\r\n\r\n"), s.fieldBytes(&f)...)
		more, why := s.attachText(text)
		if why != "" {
			return nil, why
		}
		return append([]edit{{off: f.Offset, del: f.RawLength, ins: []byte(nf), note: fmt.Sprintf("Subject of %d bytes cut to %d", f.ValueLength, cut)}}, more...), ""
	}
	return nil, "no over-long Subject found"
}

func fixMissingBoundaryProlog(s *site) ([]edit, string) {
	var edits []edit
	for _, p := range s.findingParts() {
		if !p.IsMultipart() || p.Boundary == "" {
			return nil, "the multipart or its boundary could not be located"
		}
		b := string(p.Boundary)
		switch {
		case p.PreambleHeaderOffset >= 0:
			if p.PreambleHeaderOffset > 0 && s.raw.At(p.PreambleHeaderOffset-1) != '\n' {
				return nil, "the MIME header in the preamble does not start a line"
			}
			edits = append(edits, edit{off: p.PreambleHeaderOffset, ins: []byte("--" + b + "\r\n"), part: p.Path, note: "delimiter inserted before the MIME header the preamble holds"})
		case p.BoundaryCount == 0:
			if other := s.usedBoundary(p); other != "" {
				pm := p.Param("boundary")
				if pm == nil {
					// RFC 2231 pieces (boundary*0=, boundary*1*=): one value
					// to replace is no longer one span of the file.
					return nil, "the boundary parameter is written in RFC 2231 pieces: setting it to the one the body uses means rewriting them"
				}
				a, e, _, ok := s.valueSpan(pm)
				if !ok {
					return nil, "the boundary parameter could not be located"
				}
				edits = append(edits, edit{off: a, del: e - a, ins: []byte(other), part: p.Path, note: "boundary set to the one the body uses"})
				continue
			}
			edits = append(edits, edit{off: p.BodyOffset, ins: []byte("--" + b + "\r\n\r\n"), part: p.Path, note: "delimiter inserted: the body becomes the first part"})
		default:
			return nil, "the boundary occurs and the preamble holds no MIME header: the trigger is elsewhere"
		}
		if p.BoundaryCount == 0 && !p.CloseBoundaryFound {
			end := min(p.BodyOffset+p.BodyLength, s.raw.Len())
			ins := "--" + b + "--\r\n"
			if end == 0 || s.raw.At(end-1) != '\n' {
				ins = "\r\n" + ins
			}
			edits = append(edits, edit{off: end, ins: []byte(ins), part: p.Path, note: "close delimiter added"})
		}
	}
	return edits, ""
}

// usedBoundary finds, in a multipart body where the declared boundary
// never occurs, the boundary the body does use: a "--X" line that also
// closes as "--X--".
func (s *site) usedBoundary(p *model.Part) string {
	// Line by line as bytes.Split(body, "\n") cuts it, without holding the
	// body: a line is read only when it may be a delimiter.
	a, b := max(p.BodyOffset, 0), min(p.BodyOffset+p.BodyLength, s.raw.Len())
	for i := a; i < b; {
		j := s.raw.Index(i, b, []byte("\n"))
		e := j
		if j < 0 {
			e = b
		}
		te := e // strings.TrimRight(line, "\r \t")
		for te > i && strings.IndexByte("\r \t", s.raw.At(te-1)) >= 0 {
			te--
		}
		if te-i >= 3 && te-i <= 72 && s.raw.At(i) == '-' && s.raw.At(i+1) == '-' {
			l := string(s.raw.Span(i, te))
			if !strings.HasSuffix(l, "--") && s.raw.Index(a, b, []byte("\n"+l+"--")) >= 0 {
				return l[2:]
			}
		}
		if j < 0 {
			break
		}
		i = j + 1
	}
	return ""
}
