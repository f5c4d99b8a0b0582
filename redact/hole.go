package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/outside"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// A poison message is often a huge attachment: a single message over
// holeLimit whose big bodies (holeMin bytes or more) are base64 binary
// attachments is redacted without holding those bodies. Redaction does
// such a body on its own: decoded, every letter and digit replaced under a
// stream keyed by the decoded content's sha256, encoded again into the
// same layout, nothing else in the message reading or changing it (see
// base64Body). So the rest of the message is redacted as before, whole,
// on a skeleton in which each such body is a four-character stand-in, and
// the copy is the skeleton's copy with each body streamed back in from
// the file, in two passes (the sha256 of the decoded bytes, then the
// copy). The findings are those of the real file and of the real copy,
// parsed as streams; where a finding's kept bytes would fall in such a
// body, or the skeleton does not parse to the same structure, the file
// takes the whole path (refused over MaxFileBytes). Variables for the
// tests.
var (
	holeLimit int64 = 4 << 20
	holeMin   int64 = 1 << 20
)

// hole is one body redacted as a stream.
type hole struct {
	a, b int64  // the body in the file
	sa   int64  // its stand-in in the skeleton
	tiny []byte // the stand-in
	seed string // redactBinary's stream seed for the decoded content
}

// shift is how much shorter the skeleton is than the file before file
// offset x; ok is false for an x inside a hole (its first byte aside).
func shiftAt(holes []hole, x int64) (int64, bool) {
	var d int64
	for _, h := range holes {
		switch {
		case x >= h.b:
			d += h.b - h.a - int64(len(h.tiny))
		case x > h.a:
			return 0, false
		}
	}
	return d, true
}

// toSkeleton maps kept ranges to the skeleton; false when one touches a
// hole.
func toSkeleton(ks []model.RedactKept, holes []hole) ([]model.RedactKept, bool) {
	out := make([]model.RedactKept, len(ks))
	for i, k := range ks {
		for _, h := range holes {
			if k.Offset < h.b && h.a < k.Offset+k.Length {
				return nil, false
			}
		}
		d, _ := shiftAt(holes, k.Offset)
		k.Offset -= d
		out[i] = k
	}
	return out, true
}

// fromSkeleton maps a skeleton offset outside the stand-ins to the file.
func fromSkeleton(holes []hole, x int64) int64 {
	var d int64
	for _, h := range holes {
		if x >= h.sa+int64(len(h.tiny)) {
			d += h.b - h.a - int64(len(h.tiny))
		}
	}
	return x + d
}

// findHoles lists the bodies of m that can be streamed, checked as
// base64Body would take them: the layout base64Text accepts, and base64
// that decodes (StdEncoding: a length of four, padding only at the end).
func (r *Redactor) findHoles(f io.ReaderAt, m *model.Message, size int64) []hole {
	var holes []hole
	for i := range m.Parts {
		pt := &m.Parts[i]
		a, b := pt.BodyOffset, min(pt.BodyOffset+pt.BodyLength, size)
		if pt.IsMultipart() || pt.Children > 0 || pt.CTE != "base64" || isText(pt.MediaType) || isRTF(pt.MediaType) || b-a < max(holeMin, 1) ||
			pt.MediaType == "application/ms-tnef" || strings.EqualFold(string(pt.Filename), "winmail.dat") ||
			len(pt.Body.Uuencode) > 0 || pt.Body.BinHexOffset >= a && pt.Body.BinHexOffset < b {
			continue
		}
		h := hole{a: a, b: b}
		if !r.checkHole(f, &h) {
			continue
		}
		holes = append(holes, h)
	}
	sort.Slice(holes, func(i, j int) bool { return holes[i].a < holes[j].a })
	for i := 1; i < len(holes); i++ {
		if holes[i].a < holes[i-1].b {
			return nil
		}
	}
	return holes
}

// eachBody calls fn with the bytes a..b of f, 64 KiB at a time.
// It stops with stop's error (nil: never).
func eachBody(f io.ReaderAt, a, b int64, stop func() error, fn func([]byte) error) error {
	buf := make([]byte, 64<<10)
	for a < b {
		if stop != nil {
			if err := stop(); err != nil {
				return err
			}
		}
		n := int(min(int64(len(buf)), b-a))
		if k, err := f.ReadAt(buf[:n], a); k < n {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if err := fn(buf[:n]); err != nil {
			return err
		}
		a += int64(n)
	}
	return nil
}

// stop is the context's Err, or one that never stops.
func (r *Redactor) stop() func() error {
	if ctx := r.opts.Context; ctx != nil {
		return ctx.Err
	}
	return func() error { return nil }
}

// readAt fills buf from off; false if the file gives fewer bytes.
func readAt(f io.ReaderAt, buf []byte, off int64) bool {
	n, _ := f.ReadAt(buf, off)
	return n == len(buf)
}

var errNotStreamable = fmt.Errorf("redact: not a body to stream")

// checkHole is the first pass over a body: its layout, its padding, the
// sha256 of its decoded bytes (the seed), and the stand-in, ending with
// the body's own line end.
func (r *Redactor) checkHole(f io.ReaderAt, h *hole) bool {
	sum := sha256.New()
	var quad [4]byte
	q, chars, pad := 0, 0, 0
	var dec [3]byte
	var tail [2]byte
	err := eachBody(f, h.a, h.b, r.stop(), func(p []byte) error {
		for _, c := range p {
			tail[0], tail[1] = tail[1], c
			switch {
			case isB64(c) || c == '=':
			case c == '\r' || c == '\n' || c == ' ' || c == '\t':
				continue
			default:
				return errNotStreamable
			}
			if pad > 0 && c != '=' || c == '=' && q < 2 {
				return errNotStreamable // data after padding, or a '=' too early
			}
			if c == '=' {
				pad++
			}
			quad[q], q, chars = c, q+1, chars+1
			if q == 4 {
				n, err := base64.StdEncoding.Decode(dec[:], quad[:])
				if err != nil {
					return errNotStreamable
				}
				sum.Write(dec[:n])
				q = 0
			}
		}
		return nil
	})
	if err != nil || q != 0 || chars == 0 {
		return false
	}
	h.seed = "b\x00" + string(sum.Sum(nil))
	h.tiny = []byte("AAAA")
	switch {
	case tail == [2]byte{'\r', '\n'}:
		h.tiny = append(h.tiny, "\r\n"...)
	case tail[1] == '\n' || tail[1] == '\r':
		h.tiny = append(h.tiny, tail[1])
	}
	return true
}

// streamHole writes the redacted body: every base64 character replaced by
// the one at its place in the encoding of the redacted decoded bytes,
// every other byte as it is (what base64Text writes).
func (r *Redactor) streamHole(w io.Writer, f io.ReaderAt, h hole) error {
	var quad [4]byte
	var at [4]int // where in pend each character of quad is
	q := 0
	var dec, enc [4]byte
	var stream []byte
	k := 0          // decoded bytes so far
	var pend []byte // the copy not yet written: from the open quad's first character
	err := eachBody(f, h.a, h.b, r.stop(), func(p []byte) error {
		base := len(pend)
		pend = append(pend, p...)
		for i, c := range p {
			if !isB64(c) && c != '=' {
				continue
			}
			quad[q], at[q] = c, base+i
			if q++; q < 4 {
				continue
			}
			q = 0
			n, _ := base64.StdEncoding.Decode(dec[:3], quad[:])
			for j := 0; j < n; j++ {
				if k%32 == 0 {
					stream = r.mp.block(stream[:0], h.seed, uint32(k/32))
				}
				dec[j] = redactByte(dec[j], stream[k%32])
				k++
			}
			base64.StdEncoding.Encode(enc[:], dec[:n])
			for x := 0; x < 4; x++ {
				pend[at[x]] = enc[x]
			}
		}
		// Write all but an open quad, whose characters are rewritten
		// once it closes.
		cut := len(pend)
		if q > 0 {
			cut = at[0]
			for x := 0; x < q; x++ {
				at[x] -= cut
			}
		}
		if _, err := w.Write(pend[:cut]); err != nil {
			return err
		}
		pend = append(pend[:0], pend[cut:]...)
		return nil
	})
	if err == nil && len(pend) > 0 {
		_, err = w.Write(pend) // not reached: checkHole saw whole quads
	}
	return err
}

// redactByte is redactBinary for one byte c under stream byte s.
func redactByte(c, s byte) byte {
	switch {
	case 'a' <= c && c <= 'z':
		return 'a' + s%26
	case 'A' <= c && c <= 'Z':
		return 'A' + s%26
	case '0' <= c && c <= '9':
		return '0' + s%10
	}
	return c
}

// fileCopy is a copy staged in a file, for leftEnvelopeIn.
type fileCopy struct {
	r io.ReaderAt
	n int64
}

func (c fileCopy) Len() int64 { return c.n }

func (c fileCopy) Span(a, b int64) []byte {
	buf := make([]byte, b-a)
	c.r.ReadAt(buf, a)
	return buf
}

func (c fileCopy) Index(sep []byte) int64 {
	var carry []byte
	base := int64(0) // offset of carry[0]
	found := int64(-1)
	eachBody(c.r, 0, c.n, nil, func(p []byte) error {
		buf := append(carry, p...)
		if k := bytes.Index(buf, sep); k >= 0 {
			found = base + int64(k)
			return io.EOF
		}
		keep := min(len(buf), max(len(sep)-1, 0))
		base += int64(len(buf) - keep)
		carry = append(carry[:0:0], buf[len(buf)-keep:]...)
		return nil
	})
	return found
}

// fileHoles redacts the file at path with its big base64 attachments
// streamed (see holeLimit); done is false when the file is not one for
// it, and File then takes the whole path.
func (r *Redactor) fileHoles(path, queue, dest string, in *guard.Inputs, rec *model.RedactRecord) (done bool, err error) {
	f, err := readonly.Open(path)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	size := f.Size()
	var head [64]byte
	if n, _ := f.ReadAt(head[:], 0); size <= holeLimit || parse.MboxHead(head[:n]) {
		return false, nil
	}
	stop := r.stop()
	m, err := parse.Parse(outside.StopReader{R: io.NewSectionReader(f, 0, size), Stop: stop}, r.opts.Parse)
	if m == nil || err != nil {
		return false, nil
	}
	m.Queue = queue
	holes := r.findHoles(f, m, size)
	if len(holes) == 0 {
		return false, nil
	}
	var skel []byte
	pos := int64(0)
	for i := range holes {
		h := &holes[i]
		part := make([]byte, h.a-pos)
		if !readAt(f, part, pos) {
			return false, nil
		}
		skel = append(skel, part...)
		h.sa = int64(len(skel))
		skel = append(skel, h.tiny...)
		pos = h.b
		if int64(len(skel)) > MaxFileBytes {
			return false, nil
		}
	}
	rest := make([]byte, size-pos)
	if !readAt(f, rest, pos) {
		return false, nil
	}
	skel = append(skel, rest...)
	if int64(len(skel)) > MaxFileBytes {
		return false, nil
	}
	ms, err := r.parse(skel, queue)
	if err != nil || !sameShape(m, ms, holes) {
		return false, nil
	}
	before := rules.Check(m, r.opts.Rules)
	var kept []model.RedactKept
	for _, f := range before {
		kept = append(kept, model.RedactKept{Rule: f.Rule, Offset: f.Offset, Length: 1, Why: "the byte the finding points at"})
	}
	var st *atomicfile.Staged
	defer func() {
		if st != nil {
			st.Abort()
		}
	}()
	var pl *plan
	var lost, added []model.Finding
	for step := 0; ; step++ {
		ks, ok := toSkeleton(kept, holes)
		if !ok {
			return false, nil
		}
		pl = r.pass(skel, ms, ks)
		if st != nil {
			st.Abort()
		} else if err := outside.Prepare(in, "the redacted copy", dest); err != nil {
			return true, err
		}
		if st, err = atomicfile.Stage(filepath.Dir(dest), atomicfile.Options{NoReplace: true, Perm: 0o600}); err != nil {
			return true, err
		}
		if err := r.writeReal(st, pl.out, f, holes); err != nil {
			return true, err
		}
		ra, _ := st.Reader().(io.ReaderAt)
		m2, err := parse.Parse(outside.StopReader{R: io.NewSectionReader(ra, 0, st.Size()), Stop: stop}, r.opts.Parse)
		if err := stop(); err != nil {
			return true, err
		}
		if m2 == nil {
			return true, fmt.Errorf("redact: parse: %w", err)
		}
		m2.Queue = queue
		after := rules.Check(m2, r.opts.Rules)
		lost, added = diffFindings(before, after), diffFindings(after, before)
		if len(lost)+len(added) == 0 || step == maxEscalations {
			break
		}
		kept = append(kept, escalate(m, append(lost, added...), step)...)
	}
	res := &Result{Status: model.RedactRedacted, Rules: ruleIDs(before), Kept: mergeKept(kept)}
	res.Changed = findingChanges(lost, added)
	skip := pl.untouched()
	ks, _ := toSkeleton(res.Kept, holes)
	for _, l := range leftWords(skel, pl.out, skip, ks) {
		l.Offset = fromSkeleton(holes, l.Offset)
		res.Left = append(res.Left, l)
	}
	ra, _ := st.Reader().(io.ReaderAt)
	res.Left = append(res.Left, leftEnvelopeIn(m, fileCopy{ra, st.Size()}, res.Kept)...)
	switch {
	case slicesAny(res.Left, func(l model.RedactLeft) bool { return l.Rule == "" }):
		res.Status = model.RedactNotSafe
	case len(res.Changed) > 0:
		res.Status = model.RedactFindingChanged
	case len(res.Left) > 0:
		res.Status = model.RedactKeptForFinding
	}
	rec.SHA256Before = m.SHA256
	fillRecord(rec, res)
	if res.Status == model.RedactNotSafe {
		return true, nil
	}
	sum, err := outside.WriteCopyFrom(in, "the redacted copy", dest, ra, st.Size())
	if err != nil {
		return true, err
	}
	rec.Out, rec.SHA256After = model.Escape(dest), sum
	return true, nil
}

// writeReal writes the real copy: the skeleton's copy with each stand-in
// replaced by its body, streamed from the file.
func (r *Redactor) writeReal(w io.Writer, out []byte, f io.ReaderAt, holes []hole) error {
	pos := int64(0)
	for _, h := range holes {
		if _, err := w.Write(out[pos:h.sa]); err != nil {
			return err
		}
		if err := r.streamHole(w, f, h); err != nil {
			return err
		}
		pos = h.sa + int64(len(h.tiny))
	}
	_, err := w.Write(out[pos:])
	return err
}

// sameShape reports whether the skeleton parsed to the file's structure,
// every offset shifted by the holes before it: what the redaction pass
// reads of the message. Anything else, and the file is redacted whole.
func sameShape(m, s *model.Message, holes []hole) bool {
	pos := func(x, y int64) bool {
		if x < 0 {
			return x == y
		}
		d, ok := shiftAt(holes, x)
		return ok && x-d == y
	}
	if m.Format != s.Format || !pos(m.MessageOffset, s.MessageOffset) || len(m.Parts) != len(s.Parts) ||
		m.Envelope.Helo != s.Envelope.Helo || m.Envelope.MTSID != s.Envelope.MTSID || len(m.Anomalies) != len(s.Anomalies) {
		return false
	}
	for i := range m.Anomalies {
		if m.Anomalies[i].Code == model.AnomHeaderBOM && (s.Anomalies[i].Code != model.AnomHeaderBOM || !pos(m.Anomalies[i].Offset, s.Anomalies[i].Offset)) {
			return false
		}
	}
	for i := range m.Parts {
		p, q := &m.Parts[i], &s.Parts[i]
		if p.Path != q.Path || p.CTE != q.CTE || p.MediaType != q.MediaType || p.Filename != q.Filename || p.Boundary != q.Boundary ||
			p.BoundaryCount != q.BoundaryCount || p.Children != q.Children || p.IsMultipart() != q.IsMultipart() ||
			!pos(p.Offset, q.Offset) || !pos(p.BodyOffset, q.BodyOffset) || !pos(p.BodyOffset+p.BodyLength, q.BodyOffset+q.BodyLength) ||
			!pos(p.FirstBoundaryOffset, q.FirstBoundaryOffset) || !pos(p.Body.BinHexOffset, q.Body.BinHexOffset) ||
			len(p.Header) != len(q.Header) || len(p.Params) != len(q.Params) || len(p.DispositionParams) != len(q.DispositionParams) ||
			len(p.Body.Uuencode) != len(q.Body.Uuencode) {
			return false
		}
		for j := range p.Header {
			f, g := &p.Header[j], &q.Header[j]
			if string(f.Name) != string(g.Name) || f.Value != g.Value || f.RawLength != g.RawLength || !pos(f.Offset, g.Offset) || !pos(f.ValueOffset, g.ValueOffset) {
				return false
			}
		}
		for j := range p.Params {
			if p.Params[j].Name != q.Params[j].Name || !pos(p.Params[j].Offset, q.Params[j].Offset) {
				return false
			}
		}
		for j := range p.DispositionParams {
			if p.DispositionParams[j].Name != q.DispositionParams[j].Name || !pos(p.DispositionParams[j].Offset, q.DispositionParams[j].Offset) {
				return false
			}
		}
		for j := range p.Body.Uuencode {
			u, v := p.Body.Uuencode[j], q.Body.Uuencode[j]
			if u.Mode != v.Mode || !pos(u.Offset, v.Offset) || !pos(u.EndOffset, v.EndOffset) {
				return false
			}
		}
	}
	return true
}
