package sniff

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"sync"

	gmcharset "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
)

// Encoded-word problem kinds (EncodedWordProblem.Kind).
const (
	EWUnknownCharset = "unknown-charset" // KnownCharset says no
	EWBadEncoding    = "bad-encoding"    // the encoding is not B or Q
	EWBadBase64      = "bad-base64"      // B text outside the alphabet, bad padding or length
	EWBadQ           = "bad-q"           // Q text with "=" not followed by two hex digits
	EWMalformed      = "malformed"       // no "?=", white space inside, no encoding field
	// EWTooLong is soft: RFC 2047 section 2 caps a word at 75 characters,
	// decoders (Go's, Exchange's) accept longer ones. Rules may ignore it.
	EWTooLong = "too-long"
)

// maxEncodedWordLen is RFC 2047 section 2's limit, delimiters included.
const maxEncodedWordLen = 75

// EncodedWordProblem is one defect of an RFC 2047 encoded word.
type EncodedWordProblem struct {
	Offset int    // byte index of the word's "=?" in the header value
	Kind   string // one of the EW* constants
	Detail string
}

// CheckEncodedWords reports the defects of the RFC 2047 encoded words in an
// unfolded header value (rule encoded-word-invalid). A word starts at "=?"
// followed by a charset token and "?"; a bare "=?" in text ("1+1=? 2") is
// not a word. It returns nil when there is nothing to report, without
// allocating.
func CheckEncodedWords(value []byte) []EncodedWordProblem {
	var problems []EncodedWordProblem
	for i := 0; i+1 < len(value); {
		j := bytes.Index(value[i:], []byte("=?"))
		if j < 0 {
			break
		}
		start := i + j
		next, found := checkEncodedWord(value, start, &problems)
		if !found {
			next = start + 2
		}
		i = next
	}
	return problems
}

// checkEncodedWord checks the word that may start at value[start:] ("=?"),
// appends its defects to problems, and returns where scanning resumes.
// found is false when value[start:] is not an encoded word at all.
func checkEncodedWord(value []byte, start int, problems *[]EncodedWordProblem) (next int, found bool) {
	add := func(kind, detail string) {
		*problems = append(*problems, EncodedWordProblem{Offset: start, Kind: kind, Detail: detail})
	}
	// charset: token characters up to "?".
	csStart := start + 2
	p := csStart
	for p < len(value) && isEWToken(value[p]) {
		p++
	}
	if p == csStart || p >= len(value) || value[p] != '?' {
		return 0, false
	}
	charset := value[csStart:p]
	// encoding: up to the next "?".
	encStart := p + 1
	p = encStart
	for p < len(value) && value[p] != '?' && !isHTMLSpace(value[p]) {
		p++
	}
	if p >= len(value) || value[p] != '?' {
		add(EWMalformed, fmt.Sprintf("=?%s? has no encoding field", charset))
		return p, true
	}
	encoding := value[encStart:p]
	// encoded text: up to "?=".
	textStart := p + 1
	p = textStart
	for p < len(value) && !isHTMLSpace(value[p]) && (value[p] != '?' || p+1 >= len(value) || value[p+1] != '=') {
		p++
	}
	if p >= len(value) || isHTMLSpace(value[p]) {
		what := "no closing ?="
		if p < len(value) {
			what = fmt.Sprintf("white space at index %d before the closing ?=", p)
		}
		add(EWMalformed, fmt.Sprintf("=?%s?%s?: %s", charset, encoding, what))
		return p, true
	}
	text := value[textStart:p]
	end := p + 2
	if n := end - start; n > maxEncodedWordLen {
		add(EWTooLong, fmt.Sprintf("%d characters, RFC 2047 allows %d", n, maxEncodedWordLen))
	}
	// RFC 2231 section 5: "charset*language".
	name := charset
	if k := bytes.IndexByte(name, '*'); k >= 0 {
		name = name[:k]
	}
	if !knownCharsetBytes(name) {
		add(EWUnknownCharset, fmt.Sprintf("charset %q", charset))
	}
	switch string(encoding) {
	case "B", "b":
		if detail := checkBase64Text(text); detail != "" {
			add(EWBadBase64, detail)
		}
	case "Q", "q":
		if k := badQEscape(text); k >= 0 {
			add(EWBadQ, fmt.Sprintf("%q at index %d is not =XX", text[k:min(k+3, len(text))], textStart+k))
		}
	default:
		add(EWBadEncoding, fmt.Sprintf("encoding %q, want B or Q", encoding))
	}
	return end, true
}

// isEWToken reports the bytes RFC 2047 section 2 allows in a charset token
// (any CHAR except SPACE, CTLs and especials). QUIRK: "." is an especial
// but real labels hold it (ANSI_X3.4-1968), so it is accepted; "*" is kept
// for RFC 2231 language suffixes.
func isEWToken(c byte) bool {
	if c <= ' ' || c >= 0x7F {
		return false
	}
	return strings.IndexByte(`()<>@,;:"/[]?=`, c) < 0
}

// checkBase64Text validates the text of a B word as Go's decoder will see
// it (encoding/base64.StdEncoding: padding required).
func checkBase64Text(text []byte) string {
	var b Base64
	var scratch [64]byte
	out := scratch[:0]
	if len(text) > 48 {
		out = nil // let Line allocate for long words; rare
	}
	out = b.Line(text, 0, out)
	_, res := b.Finish(out)
	switch {
	case res.BadChar >= 0:
		return fmt.Sprintf("byte %q is not base64", text[res.BadChar])
	case res.BadPadding:
		return "bad padding"
	case res.BadLength:
		return fmt.Sprintf("%d characters, not a multiple of 4", res.Chars)
	}
	return ""
}

// badQEscape returns the index of the first "=" in Q text not followed by
// two hex digits, or -1.
func badQEscape(text []byte) int {
	for i := 0; i < len(text); i++ {
		if text[i] != '=' {
			continue
		}
		if i+2 >= len(text) || hexValue[text[i+1]]|hexValue[text[i+2]] >= 16 {
			return i
		}
		i += 2
	}
	return -1
}

// headerDecoder decodes RFC 2047 words with go-message's charset tables,
// which know ISO-2022-JP, Shift_JIS, KOI8-R, windows-1252 and the rest of
// golang.org/x/text. A mime.WordDecoder is safe for concurrent use.
var headerDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// charsetReader is go-message's charset.Reader without its per-word
// buffers: that reader is x/text's transform.Reader, which allocates 8 KiB
// (two 4 KiB buffers) for every word however short, three quarters of the
// bytes a scan allocated. Where go-message would take the encoding straight
// from the IANA MIME index (every name but its quirk table's), the word is
// decoded in one Decoder.Bytes call instead: a Transformer's output does
// not depend on how its input is cut (x/text's contract), so the text is
// the same (TestCharsetReaderIsGoMessage). Any other name goes to
// go-message, which also words the errors.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	if enc := mimeIndexEncoding(charset); enc != nil {
		return &wholeWord{enc: enc, src: input}, nil
	}
	r, err := gmcharset.Reader(charset, input)
	if err != nil {
		return nil, err
	}
	return wordReader{r}, nil
}

// goMessageQuirks are the names go-message's charset table maps itself
// (github.com/emersion/go-message/charset, var charsets) before it asks
// the IANA index.
var goMessageQuirks = map[string]bool{"ansi_x3.110-1983": true, "x-utf_8j": true}

// mimeIndexEncoding is the encoding go-message's charset.Reader uses for
// name when it is the IANA MIME index's own answer, else nil.
func mimeIndexEncoding(name string) encoding.Encoding {
	if goMessageQuirks[strings.ToLower(name)] {
		return nil
	}
	enc, err := ianaindex.MIME.Encoding(name)
	if err != nil {
		return nil
	}
	return enc
}

// wholeWord decodes an encoded word's bytes in one go, on first use.
type wholeWord struct {
	enc  encoding.Encoding
	src  io.Reader
	out  []byte
	err  error
	done bool
}

func (w *wholeWord) decode() {
	if w.done {
		return
	}
	w.done = true
	b := wordBuffers.Get().(*[512]byte)
	defer wordBuffers.Put(b)
	in := b[:0]
	for {
		if len(in) == cap(in) {
			in = append(in, 0)[:len(in)]
		}
		n, err := w.src.Read(in[len(in):cap(in)])
		in = in[:len(in)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			w.err = err
			return
		}
	}
	w.out, w.err = w.enc.NewDecoder().Bytes(in)
}

func (w *wholeWord) Read(p []byte) (int, error) {
	w.decode()
	if len(w.out) == 0 {
		if w.err != nil {
			return 0, w.err
		}
		return 0, io.EOF
	}
	n := copy(p, w.out)
	w.out = w.out[n:]
	return n, nil
}

func (w *wholeWord) WriteTo(dst io.Writer) (int64, error) {
	w.decode()
	if w.err != nil {
		return 0, w.err
	}
	n, err := dst.Write(w.out)
	w.out = w.out[n:]
	return int64(n), err
}

type wordReader struct{ io.Reader }

var wordBuffers = sync.Pool{New: func() any { return new([512]byte) }}

func (w wordReader) WriteTo(dst io.Writer) (int64, error) {
	b := wordBuffers.Get().(*[512]byte)
	defer wordBuffers.Put(b)
	return io.CopyBuffer(dst, w.Reader, b[:])
}

// DecodeHeaderValue decodes the RFC 2047 words of a header value to UTF-8.
// ok is false when a word could not be decoded (unknown charset, bad
// encoding); decoded is then the value as written.
func DecodeHeaderValue(value []byte) (decoded string, ok bool) {
	s := string(value)
	if !strings.Contains(s, "=?") {
		return s, true
	}
	d, err := headerDecoder.DecodeHeader(s)
	if err != nil {
		return s, false
	}
	return d, true
}
