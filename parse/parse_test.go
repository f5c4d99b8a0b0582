package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func parseFile(t *testing.T, name string) (*model.Message, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(raw), nil)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m, raw
}

func TestFormatsAndEnvelopes(t *testing.T) {
	allRcpt := []string{"bob@corp.example", "carol@corp.example"}
	tests := []struct {
		file   string
		format model.Format
		from   string
		to     []string
		source string
	}{
		{"ims-q190709-layout", model.FormatIMSSpool, "alice@example.org", append(allRcpt, "dave@corp.example"), "ims-envelope"},
		{"ims-other-layout", model.FormatIMSSpool, "alice@example.org", allRcpt, "ims-envelope"},
		{"pickup-x-sender.eml", model.FormatXSender, "alice@example.org", allRcpt, "x-sender"},
		{"replay-dir.eml", model.FormatXSender, "alice@example.org", []string{"bob@corp.example"}, "x-sender"},
		{"mbox-one", model.FormatMbox, "alice@example.org", allRcpt, "headers"},
		{"smtp-transcript.txt", model.FormatSMTPTranscript, "alice@example.org", allRcpt, "smtp-transcript"},
		{"plain.eml", model.FormatRFC822, "alice@example.org", allRcpt, "headers"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, raw := parseFile(t, tt.file)
			if m.Format != tt.format {
				t.Errorf("format = %s, want %s", m.Format, tt.format)
			}
			if m.Envelope.From != tt.from || !reflect.DeepEqual(m.Envelope.To, tt.to) || m.Envelope.Source != tt.source {
				t.Errorf("envelope = %q %q (%s), want %q %q (%s)", m.Envelope.From, m.Envelope.To, m.Envelope.Source, tt.from, tt.to, tt.source)
			}
			// The RFC 822 part starts with the first header field.
			rest := raw[m.MessageOffset:]
			if !bytes.HasPrefix(rest, []byte("Received:")) {
				t.Errorf("message part at %d starts with %q", m.MessageOffset, rest[:min(20, len(rest))])
			}
			if got := string(m.Subject); got != "=?ISO-8859-1?Q?Gr=FC=DFe?= from the lab" {
				t.Errorf("subject = %q", got)
			}
			if len(m.Parts) != 3 || m.Parts[1].Path != "1" || m.Parts[2].Filename != "report.txt" {
				t.Errorf("parts = %d %+v", len(m.Parts), m.Parts)
			}
			sum := sha256.Sum256(raw)
			if m.SHA256 != hex.EncodeToString(sum[:]) || m.Size != int64(len(raw)) {
				t.Errorf("sha256/size = %s %d", m.SHA256, m.Size)
			}
		})
	}
}

func TestIMSEnvelopeDetails(t *testing.T) {
	m, _ := parseFile(t, "ims-q190709-layout")
	if m.Envelope.MTSID != "c=US;a= ;p=Example Corp;l=EXCH10103141531HBWK2Q2P" {
		t.Errorf("MTS-ID = %q", m.Envelope.MTSID)
	}
	if m.Envelope.Helo != "mail.example.org" {
		t.Errorf("HELO = %q", m.Envelope.Helo)
	}
	if m.Envelope.RawOffset != 0 || m.Envelope.RawLength != m.MessageOffset {
		t.Errorf("raw envelope %d+%d, message at %d", m.Envelope.RawOffset, m.Envelope.RawLength, m.MessageOffset)
	}
}

func TestBrokenEnvelopes(t *testing.T) {
	m, _ := parseFile(t, "ims-no-ewls")
	if m.Format != model.FormatIMSSpool || !hasAnom(m, model.AnomEnvelopeNoEwLs) {
		t.Errorf("ims-no-ewls: format %s anomalies %+v", m.Format, m.Anomalies)
	}
	if len(m.Parts) == 0 || m.Subject == "" {
		t.Errorf("ims-no-ewls: the message after the broken envelope was not read")
	}
	m, _ = parseFile(t, "ims-no-recipient")
	if !hasAnom(m, model.AnomEnvelopeNoRcpt) || m.Envelope.From != "a@b.example" || len(m.Envelope.To) != 0 {
		t.Errorf("ims-no-recipient: %+v %+v", m.Envelope, m.Anomalies)
	}
}

func TestNoMessage(t *testing.T) {
	for _, f := range []string{"binary-junk"} {
		m, _ := parseFile(t, f)
		if !hasAnom(m, model.AnomNoMessage) {
			t.Errorf("%s: no no-message anomaly: %+v", f, m.Anomalies)
		}
	}
	m, _ := parseFile(t, "empty")
	if m.Size != 0 || m.Format != model.FormatRFC822 {
		t.Errorf("empty: %+v", m)
	}
}

func TestHeaderAnomalies(t *testing.T) {
	m, _ := parseFile(t, "malformed-header.eml")
	if !hasAnom(m, model.AnomSpaceBeforeColon) || !hasAnom(m, model.AnomNonHeaderLine) {
		t.Errorf("anomalies = %+v", m.Anomalies)
	}
	// The field after the stray line is still read.
	if _, ok := headerValue(m.Header(), "to"); !ok {
		t.Errorf("To after the non-header line was lost: %+v", m.Header())
	}
	m, _ = parseFile(t, "no-blank-line.eml")
	if !hasAnom(m, model.AnomHeaderNoBlankLine) || len(m.Header()) != 2 {
		t.Errorf("no-blank-line: %d fields, anomalies %+v", len(m.Header()), m.Anomalies)
	}
}

func TestByteScan(t *testing.T) {
	m, raw := parseFile(t, "bare-lf-nul.eml")
	s := m.Scan
	if s.BareLF != 5 || s.CRLF != 1 || s.NUL != 1 || s.BareCR != 1 || s.EndsWithCRLF {
		t.Errorf("scan = %+v", s)
	}
	if raw[s.FirstBareLF] != '\n' || raw[s.FirstNUL] != 0 || raw[s.FirstBareCR] != '\r' {
		t.Errorf("offsets wrong: %+v", s)
	}
	m, _ = parseFile(t, "unclosed-multipart.eml")
	if !hasAnom(m, model.AnomMultipartUnclosed) || m.Parts[0].CloseBoundaryFound {
		t.Errorf("unclosed: %+v", m.Anomalies)
	}
}

func TestNestedMessage(t *testing.T) {
	m, _ := parseFile(t, "nested-rfc822.eml")
	var paths []string
	for _, p := range m.Parts {
		paths = append(paths, p.Path+"="+p.MediaType)
	}
	want := "=multipart/mixed 1=text/plain 2=message/rfc822 2.1=multipart/mixed 2.1.1=text/plain 2.1.2=application/octet-stream"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("tree = %s\nwant   %s", got, want)
	}
	if m.Scan.MaxDepth != 3 {
		t.Errorf("depth = %d, want 3", m.Scan.MaxDepth)
	}
}

// TestExcerptsAreTheBytesAtTheirOffsets is the "offsets are exact" promise:
// every excerpt parse records is the file's bytes at that offset.
func TestExcerptsAreTheBytesAtTheirOffsets(t *testing.T) {
	files, _ := filepath.Glob("testdata/*")
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		m, raw := parseFile(t, filepath.Base(f))
		checkExcerpts(t, f, m, raw)
	}
}

func checkExcerpts(t *testing.T, name string, m *model.Message, raw []byte) {
	t.Helper()
	for off, ex := range m.Excerpts {
		if off < 0 || off+int64(len(ex)) > int64(len(raw)) || !bytes.Equal(raw[off:off+int64(len(ex))], []byte(ex)) {
			t.Errorf("%s: excerpt at %d = %q is not the file's bytes", name, off, ex)
		}
	}
	for _, p := range m.Parts {
		for _, f := range p.Header {
			if !bytes.HasPrefix(raw[f.Offset:], []byte(f.Name)) {
				t.Errorf("%s: field %q not at its offset %d", name, f.Name, f.Offset)
			}
			for i := 0; i < len(f.Value); i += 7 {
				if o := f.OffsetAt(i); raw[o] != f.Value[i] {
					t.Errorf("%s: %s value[%d]=%q but file[%d]=%q", name, f.Name, i, f.Value[i], o, raw[o])
					break
				}
			}
		}
		for _, prm := range p.Params {
			// The name is unfolded text: a fold inside it (CRLF or bare LF
			// before the white space) is in the file, not in the name.
			if !hasUnfoldedPrefix(raw[prm.Offset:], []byte(prm.Name)) {
				t.Errorf("%s: param %q not at %d", name, prm.Name, prm.Offset)
			}
		}
	}
}

// hasUnfoldedPrefix reports whether raw starts with unfolded once the
// line breaks of folds (CR and LF bytes) are skipped.
func hasUnfoldedPrefix(raw, unfolded []byte) bool {
	i := 0
	for _, c := range unfolded {
		// A CR or LF the name does not have here is a fold's line
		// break; one it does have may still follow a break (a line
		// that begins with a bare CR after an LF-only fold).
		for i < len(raw) && raw[i] != c && (raw[i] == '\r' || raw[i] == '\n') {
			i++
		}
		if i >= len(raw) || raw[i] != c {
			return false
		}
		i++
	}
	return true
}

func TestFoldedValueOffsets(t *testing.T) {
	raw := "Content-Type: text/plain;\r\n charset =\r\n \"\"\r\n\r\nx\r\n"
	m, err := Parse(strings.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Root().Param("charset")
	if p == nil || p.Value != "" || !p.Quoted {
		t.Fatalf("charset param = %+v", p)
	}
	if raw[p.Offset:p.Offset+7] != "charset" {
		t.Errorf("param offset %d points at %q", p.Offset, raw[p.Offset:])
	}
}

func TestOptionsWithDefaultsDoesNotMutate(t *testing.T) {
	o := &Options{MaxParts: -1}
	d := o.withDefaults()
	if o.MaxDepth != 0 || o.LineBuffer != 0 || d.MaxParts != -1 || d.MaxDepth != 100 || d.LineBuffer != 64<<10 {
		t.Errorf("withDefaults: in %+v out %+v", o, d)
	}
	if (*Options)(nil).withDefaults().MaxFieldValue != 16<<10 {
		t.Error("nil options have no defaults")
	}
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i <= 50; i++ {
		b.WriteString("--b" + itoa(i-1) + "\r\nContent-Type: multipart/mixed; boundary=b" + itoa(i) + "\r\n\r\n")
	}
	m, err := Parse(strings.NewReader(b.String()), &Options{MaxDepth: 10, MaxParts: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Parts) != 5 || m.Scan.Parts < 11 || !hasAnom(m, model.AnomLimit) {
		t.Errorf("parts kept %d seen %d anomalies %+v", len(m.Parts), m.Scan.Parts, m.Anomalies)
	}
	m, err = Parse(strings.NewReader(b.String()), &Options{MaxBytes: 100})
	if !IsLimitExceeded(err) || m == nil || m.Size != 100 {
		t.Errorf("MaxBytes: err %v size %v", err, m)
	}
}

func TestLongLinesAndHeadersAreSegmented(t *testing.T) {
	long := strings.Repeat("a", 300000)
	raw := "Subject: " + long + "\r\nX-Other: y\r\n\r\n" + long + "\r\nend\r\n"
	m, err := Parse(strings.NewReader(raw), &Options{LineBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	f := m.Header()[0]
	if f.ValueLength != 300000 || !f.Truncated || len(f.Value) != 16<<10 {
		t.Errorf("subject: len %d trunc %v kept %d", f.ValueLength, f.Truncated, len(f.Value))
	}
	if m.Scan.LongestLine != 300009 || m.Scan.LongestLineAt != 0 || m.Scan.LinesOver998 != 2 {
		t.Errorf("scan: %+v", m.Scan)
	}
	if len(m.Header()) != 2 || m.Parts[0].Body.DecodedSize != int64(len(long)+2+5) {
		t.Errorf("fields %d decoded %d", len(m.Header()), m.Parts[0].Body.DecodedSize)
	}
	checkExcerpts(t, "long", m, []byte(raw))
}

func hasAnom(m *model.Message, code string) bool {
	for _, a := range m.Anomalies {
		if a.Code == code {
			return true
		}
	}
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestHeaderBOM: a UTF-8 byte-order mark before the first field is
// reported, and the field after it is read at its own offset.
func TestHeaderBOM(t *testing.T) {
	raw := "\xEF\xBB\xBFFrom: a@example.org\r\nSubject: x\r\n\r\nbody\r\n"
	m, err := Parse(strings.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !hasAnom(m, model.AnomHeaderBOM) || hasAnom(m, model.AnomNoMessage) {
		t.Fatalf("anomalies = %+v", m.Anomalies)
	}
	h := m.Header()
	if len(h) != 2 || string(h[0].Name) != "From" || h[0].Offset != 3 || raw[h[0].ValueOffset:h[0].ValueOffset+4] != "a@ex" {
		t.Errorf("header = %+v", h)
	}
	if m.Scan.Header8Bit != 0 {
		t.Errorf("the mark counted as %d 8-bit header bytes", m.Scan.Header8Bit)
	}
}

// TestHeaderLeadingBlankLine: a first line of white space only (flanker's
// and php-mime-mail-parser's fixtures open with 255 spaces) is an empty
// fold of no field: reported, and the header read after it, as Python's
// email does (FirstHeaderLineIsContinuationDefect). Junk after such a
// line is still no message.
func TestHeaderLeadingBlankLine(t *testing.T) {
	pad := strings.Repeat(" ", 255)
	raw := pad + "\r\nFrom: a@example.org\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b--\r\n"
	m, err := Parse(strings.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !hasAnom(m, model.AnomContinuationFirst) || hasAnom(m, model.AnomNoMessage) {
		t.Fatalf("anomalies = %+v", m.Anomalies)
	}
	h := m.Header()
	if len(h) != 3 || string(h[0].Name) != "From" || h[0].Offset != 257 || string(m.Subject) != "x" {
		t.Errorf("header = %+v", h)
	}
	if len(m.Parts) != 2 || m.Parts[0].MediaType != "multipart/mixed" || m.Parts[0].HeaderLength != int64(strings.Index(raw, "--b")) {
		t.Errorf("parts = %+v", m.Parts)
	}
	if m.Envelope.From != "a@example.org" {
		t.Errorf("envelope from %q", m.Envelope.From)
	}
	for _, junk := range []string{pad + "\r\nnot a header\r\nnor this\r\n", " \r\n\x00\x01binary\r\n"} {
		m, err := Parse(strings.NewReader(junk), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !hasAnom(m, model.AnomNoMessage) {
			t.Errorf("%q: no no-message anomaly: %+v", junk, m.Anomalies)
		}
	}
}

// TestPartHeaderStrayLine: in a part header a stray line is severe
// (Q166026) only with a field after it; before the blank line it is the
// part's content begun without that line.
func TestPartHeaderStrayLine(t *testing.T) {
	for _, c := range []struct {
		part   string
		severe bool
	}{
		{"Content-Type: text/plain\r\nbar\r\n\r\n", false},
		{"Content-Type: text/plain\r\nsender x@y )\r\nContent-Transfer-Encoding: 7bit\r\n\r\nbar\r\n", true},
	} {
		raw := "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + c.part + "\r\n--b--\r\n"
		m, err := Parse(strings.NewReader(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range m.Anomalies {
			if a.Code == model.AnomNonHeaderLine {
				n++
				if a.Severe != c.severe {
					t.Errorf("%q: severe = %v, want %v", c.part, a.Severe, c.severe)
				}
			}
		}
		if n != 1 {
			t.Errorf("%q: %d non-header-line anomalies: %+v", c.part, n, m.Anomalies)
		}
	}
}

// TestDelimiterExactOuterWins: a line "--ab" under an inner boundary "a"
// and an outer "ab" (mail-parser's malformed 001/008) is the outer
// multipart's delimiter, which it matches exactly (RFC 2046 5.1.1's
// delimiter is the boundary and padding only), not the inner's with "b"
// after it; Python's email reads it so. An inner line that matches no
// outer boundary exactly stays the inner's delimiter, reported.
func TestDelimiterExactOuterWins(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=\"ab\"\r\n\r\n--ab\r\nContent-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\none\r\n--ab\r\nContent-Type: text/html\r\n\r\ntwo\r\n--ab--\r\n"
	m, err := Parse(strings.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := partTree(m)
	if want := "=multipart/mixed 1=multipart/mixed 1.1=text/plain 2=text/html"; got != want {
		t.Errorf("tree %q, want %q", got, want)
	}
	if hasAnom(m, model.AnomDelimiterTrailing) {
		t.Errorf("an exact outer delimiter reported as trailing text: %+v", m.Anomalies)
	}
	raw = strings.Replace(raw, "--ab\r\nContent-Type: text/html", "--ax\r\nContent-Type: text/html", 1)
	if m, err = Parse(strings.NewReader(raw), nil); err != nil {
		t.Fatal(err)
	}
	if !hasAnom(m, model.AnomDelimiterTrailing) || len(m.Parts) != 4 || m.Parts[3].Path != "1.2" {
		t.Errorf("--ax: parts %d, anomalies %+v", len(m.Parts), m.Anomalies)
	}
}

// TestBoundaryRFC2231: a boundary written as RFC 2231 continuations with
// charset'lang'%XX encoding (Roundcube's tests/src/mail0.eml) or as one
// extended value (CPython's msg_33) is joined and decoded, as Python's
// email and go-message do: the parts are found.
func TestBoundaryRFC2231(t *testing.T) {
	for _, ct := range []string{
		"multipart/mixed;\r\n boundary*0*=us-ascii''%3D_8853bf;\r\n boundary*1*=24f3",
		"multipart/mixed; boundary*=\"us-ascii''=_8853bf24f3\"",
	} {
		raw := "From: a@example.org\r\nContent-Type: " + ct + "\r\n\r\n--=_8853bf24f3\r\nContent-Type: text/plain\r\n\r\none\r\n--=_8853bf24f3\r\n\r\ntwo\r\n--=_8853bf24f3--\r\n"
		m, err := Parse(strings.NewReader(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := m.Root(); !r.HasBoundaryParam || string(r.Boundary) != "=_8853bf24f3" || r.Children != 2 || !r.CloseBoundaryFound {
			t.Errorf("%q: boundary %q, %d children, closed %v", ct, r.Boundary, r.Children, r.CloseBoundaryFound)
		}
	}
}

// TestHeaderRunsIntoOwnDelimiter: a header whose blank line is " " (a
// fold of Content-Type) runs into its own "--boundary" line, then part
// headers (rspamd's fws_fn.eml). The delimiter is the body's start, as
// Python's email reads it: three parts, the header ended without its
// blank line, and no severe stray line (Q166026) inside the header.
func TestHeaderRunsIntoOwnDelimiter(t *testing.T) {
	raw := "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"sd8f70\"\n \n--sd8f70\nContent-Transfer-Encoding: quoted-printable\nContent-Type: text/html; charset=utf-8\n\n<html></html>\n--sd8f70\nContent-Type: image/jpeg\n\nx\n--sd8f70--\n"
	m, err := Parse(strings.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := partTree(m)
	if want := "=multipart/mixed 1=text/html 2=image/jpeg"; got != want {
		t.Errorf("tree %q, want %q", got, want)
	}
	if !hasAnom(m, model.AnomHeaderNoBlankLine) || len(m.Header()) != 3 || m.Parts[0].CTE != "" {
		t.Errorf("header %d fields, CTE %q, anomalies %+v", len(m.Header()), m.Parts[0].CTE, m.Anomalies)
	}
	for _, a := range m.Anomalies {
		if a.Code == model.AnomNonHeaderLine && a.Severe {
			t.Errorf("severe stray line: %+v", a)
		}
	}
}

// partTree is the parts of m as "path=type", in order.
func partTree(m *model.Message) string {
	var got []string
	for _, p := range m.Parts {
		got = append(got, p.Path+"="+p.MediaType)
	}
	return strings.Join(got, " ")
}
