package replay

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// rfc822Part opens the source file and reads its RFC 822 part (after the
// IMS envelope, the X-Sender lines or the mbox "From " line) up to the
// message's end: the end of the file, or for one message of an mbox the
// end of that message.
func rfc822Part(m *model.Message) (io.ReadCloser, error) {
	f, err := readonly.Open(m.Path)
	if err != nil {
		return nil, err
	}
	end := messageEnd(m, f.Size())
	if end < m.MessageOffset {
		f.Close()
		return nil, fmt.Errorf("replay: %s is shorter than the message offset %d", m.Path, m.MessageOffset)
	}
	return sectionCloser{io.NewSectionReader(f, m.MessageOffset, end-m.MessageOffset), f}, nil
}

// messageEnd is the file offset where m's bytes end in a file of size
// bytes: the file's end, or for one message of an mbox its own end.
func messageEnd(m *model.Message, size int64) int64 {
	if m.MboxOrdinal > 0 {
		return min(size, m.FileOffset+m.Size)
	}
	return size
}

// sectionCloser reads a section of a file and closes the file.
type sectionCloser struct {
	*io.SectionReader
	f *readonly.File
}

func (s sectionCloser) Close() error { return s.f.Close() }

// headerSafe reports whether s can go into a header line unchanged: no
// CR, LF or NUL, which would end the line or inject another.
func headerSafe(s string) bool { return !strings.ContainsAny(s, "\r\n\x00") }

// bareAddr removes the angle brackets of an envelope address.
func bareAddr(a string) string {
	a = strings.TrimSpace(a)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		return a[1 : len(a)-1]
	}
	return a
}

// envelopeCheck returns why m cannot be converted, or "".
func envelopeCheck(m *model.Message) string {
	if m.MessageOffset < 0 {
		return "no RFC 822 part found in the file"
	}
	if len(m.Envelope.To) == 0 {
		return "no envelope recipient: the Pickup would archive it (event 4164)"
	}
	fields := append([]string{m.Envelope.From, m.Envelope.FromParams, m.Envelope.Helo}, m.Envelope.To...)
	fields = append(fields, m.Envelope.ToParams...)
	for _, f := range fields {
		if !headerSafe(f) {
			return "envelope address holds a line break or NUL: it cannot be written as an X-header"
		}
	}
	return ""
}

func withParams(addr, params string) string {
	params = strings.TrimSpace(params)
	if params == "" {
		return addr
	}
	return addr + " " + params
}

func toParams(m *model.Message, i int) string {
	if i < len(m.Envelope.ToParams) {
		return m.Envelope.ToParams[i]
	}
	return ""
}

// pickupHeader is the envelope as the IMS 5.5 Pickup reads it (KB
// Q201314): "X-Sender:" then one "X-Receiver:" per recipient, addresses
// written bare as CDO and the IIS drop folder write them (Q221384). With
// an empty (null) MAIL FROM no X-Sender is written, so the Pickup takes
// the originator from Sender/From as it does for files without one.
func pickupHeader(m *model.Message) []byte {
	var b bytes.Buffer
	if from := bareAddr(m.Envelope.From); from != "" {
		fmt.Fprintf(&b, "X-Sender: %s\r\n", withParams(from, m.Envelope.FromParams))
	}
	for i, to := range m.Envelope.To {
		fmt.Fprintf(&b, "X-Receiver: %s\r\n", withParams(bareAddr(to), toParams(m, i)))
	}
	return b.Bytes()
}

// replayHeader is the Exchange 2007+ Replay directory envelope
// (ims-kb.md 6.2): X-Sender with its ESMTP parameters (BODY=, RET=,
// ENVID=), one X-Receiver per recipient (NOTIFY=, ORCPT=), X-CreatedBy,
// X-HeloDomain when known, and last X-EndOfInjectedXHeaders. QUIRK: its
// value is the size in bytes of the X-header lines before it, CRLFs
// included; Microsoft's text ("the size in bytes of the X-headers") does
// not say whether the field counts itself, and a field cannot count its
// own digits without ambiguity.
func replayHeader(m *model.Message) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "X-Sender: %s\r\n", withParams("<"+bareAddr(m.Envelope.From)+">", m.Envelope.FromParams))
	for i, to := range m.Envelope.To {
		fmt.Fprintf(&b, "X-Receiver: %s\r\n", withParams("<"+bareAddr(to)+">", toParams(m, i)))
	}
	b.WriteString("X-CreatedBy: imsforensic\r\n")
	if h := strings.TrimSpace(m.Envelope.Helo); h != "" {
		fmt.Fprintf(&b, "X-HeloDomain: %s\r\n", h)
	}
	fmt.Fprintf(&b, "X-EndOfInjectedXHeaders: %d\r\n", b.Len())
	return b.Bytes()
}

// dotPadCopy copies src to dst, writing every line that holds a single
// "." as ".." (KB Q221384: the IMS Pickup does not dot-stuff, and a lone
// "." truncates the message). Line ends are kept as they are.
func dotPadCopy(dst io.Writer, src io.Reader) (int64, error) {
	br := bufio.NewReaderSize(src, 64*1024)
	var n int64
	atStart := true
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if atStart && isLoneDot(line, err != nil && err != bufio.ErrBufferFull) {
				k, werr := dst.Write([]byte{'.'})
				n += int64(k)
				if werr != nil {
					return n, werr
				}
			}
			k, werr := dst.Write(line)
			n += int64(k)
			if werr != nil {
				return n, werr
			}
			atStart = line[len(line)-1] == '\n'
		}
		switch err {
		case nil, bufio.ErrBufferFull:
			continue
		case io.EOF:
			return n, nil
		default:
			return n, err
		}
	}
}

// isLoneDot: ".\n", ".\r\n", or "." / ".\r" as the last line of the file.
func isLoneDot(line []byte, last bool) bool {
	switch string(line) {
	case ".\n", ".\r\n":
		return true
	case ".", ".\r":
		return last
	}
	return false
}
