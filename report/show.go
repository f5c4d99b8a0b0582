package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// WriteShow renders one message in depth. JSON is the whole Message; CSV
// is its findings.
func WriteShow(w io.Writer, f Format, m *model.Message) error {
	switch f {
	case JSON:
		enc := newJSONLines(w)
		return enc.Encode(m)
	case CSV:
		return WriteFindingsCSV(w, []*model.Message{m})
	}
	return writeShowText(w, m)
}

func writeShowText(w io.Writer, m *model.Message) error {
	ew := &errWriter{w: w}
	ew.printf("File:      %s\n", model.EscapeVisible(m.Path))
	if m.MboxOrdinal > 0 {
		// Size, sha256 and the offsets below are this message's, inside
		// a file that holds several: say which one.
		ew.printf("Message:   %s, mbox message %d, its From line at file offset %d\n", model.EscapeVisible(m.Name), m.MboxOrdinal, m.FileOffset)
	}
	ew.printf("Queue:     %s\n", orDash(m.Queue))
	ew.printf("Format:    %s\n", m.Format)
	ew.printf("Size:      %d bytes   sha256 %s\n", m.Size, m.SHA256)
	if !m.ModTime.IsZero() {
		ew.printf("Time:      %s\n", m.ModTime.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if m.Error != "" {
		ew.printf("Error:     %s\n", m.Error)
	}
	ew.printf("Score:     %.1f (%s)\n", m.Score, orDash(m.TopClass().String()))
	e := m.Envelope
	ew.printf("\nEnvelope (%s", orDash(e.Source))
	if e.RawLength > 0 {
		ew.printf(", bytes %d-%d", e.RawOffset, e.RawOffset+e.RawLength-1)
	}
	ew.printf(")\n")
	ew.printf("  MAIL FROM: <%s> %s\n", model.EscapeVisible(e.From), e.FromParams)
	for i, t := range e.To {
		p := ""
		if i < len(e.ToParams) {
			p = e.ToParams[i]
		}
		ew.printf("  RCPT TO:   <%s> %s\n", model.EscapeVisible(t), p)
	}
	if e.Helo != "" {
		ew.printf("  HELO:      %s\n", e.Helo)
	}
	if e.MTSID != "" {
		ew.printf("  MTS-ID:    %s\n", e.MTSID)
	}
	if m.MessageOffset >= 0 {
		ew.printf("\nRFC 822 part from offset %d\n", m.MessageOffset)
	}
	if r := m.Root(); r != nil {
		ew.printf("\nHeader (%d fields, %d bytes)\n", m.Scan.HeaderFields, m.Scan.HeaderBytes)
		t := newTable(ew, "OFFSET", "FIELD", "SIZE", "VALUE")
		for _, f := range r.Header {
			if err := t.Append([]string{strconv.FormatInt(f.Offset, 10), cell(string(f.Name), 28), strconv.FormatInt(f.ValueLength, 10), cell(string(f.Value), 200)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
		ew.printf("\nMIME tree (%d parts, depth %d)\n", m.Scan.Parts, m.Scan.MaxDepth)
		for _, p := range m.Parts {
			ew.printf("%s%s %s", strings.Repeat("  ", p.Depth+1), partLabel(p.Path), p.MediaType)
			if p.CTE != "" {
				ew.printf(" %s", p.CTE)
			}
			if p.Filename != "" {
				ew.printf(" %q", model.EscapeVisible(string(p.Filename)))
			}
			ew.printf("  @%d, body %d bytes, decoded %d\n", p.Offset, p.BodyLength, p.Body.DecodedSize)
		}
	}
	s := m.Scan
	ew.printf("\nBytes: %d lines, %d CRLF, %d bare LF, %d bare CR, %d NUL, longest line %d, ends with CRLF: %v\n",
		s.Lines, s.CRLF, s.BareLF, s.BareCR, s.NUL, s.LongestLine, s.EndsWithCRLF)
	ew.printf("\nFindings (%d)\n", len(m.Findings))
	if len(m.Findings) > 0 {
		t := newTable(ew, "CLASS", "RULE", "PART", "OFFSET", "EVIDENCE", "KB", "DETAIL")
		for _, f := range m.Findings {
			if err := t.Append([]string{f.Class.String(), f.Rule, partLabel(f.Part), strconv.FormatInt(f.Offset, 10),
				cell(string(f.Evidence), 40), strings.Join(f.KB, " "), text(f.Detail)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(m.Anomalies) > 0 {
		ew.printf("\nParser notes (%d)\n", len(m.Anomalies))
		for _, a := range m.Anomalies {
			ew.printf("  %s @%d part %s: %s\n", a.Code, a.Offset, partLabel(a.Part), a.Detail)
		}
	}
	return ew.err
}

func partLabel(p string) string {
	if p == "" {
		return "top"
	}
	return p
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errWriter keeps the first write error, so a renderer can print freely
// and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }
