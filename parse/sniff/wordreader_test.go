package sniff

import (
	"bytes"
	"io"
	"math/rand"
	"mime"
	"runtime"
	"strings"
	"testing"

	gmcharset "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// charsetNames are the names of every x/text encoding in the IANA and
// WHATWG indexes, their "cs" spellings, go-message's quirks and labels
// from mail that no index knows.
func charsetNames() []string {
	names := map[string]bool{}
	var all []encoding.Encoding
	for _, set := range [][]encoding.Encoding{charmap.All, japanese.All, korean.All, simplifiedchinese.All, traditionalchinese.All, unicode.All} {
		all = append(all, set...)
	}
	for _, e := range all {
		for _, name := range []func(encoding.Encoding) (string, error){ianaindex.MIME.Name, ianaindex.IANA.Name, htmlindex.Name} {
			if n, err := name(e); err == nil {
				names[strings.ToLower(n)] = true
				names["cs"+strings.ToLower(n)] = true
			}
		}
	}
	for n := range goMessageQuirks {
		names[n] = true
	}
	for _, n := range []string{"iso-2022-jp", "shift_jis", "sjis", "euc-kr", "ks_c_5601-1987", "gb2312", "gbk", "big5",
		"koi8-r", "windows-1252", "cp1252", "latin1", "l1", "iso-8859-15", "utf-16", "utf-7", "x-unknown", "", "default",
		"iso8859-1", "ibm437", "cp850", "macintosh", "x-mac-roman", "tis-620", "windows-874", "replacement", "hz-gb-2312"} {
		names[n] = true
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	return out
}

// TestCharsetReaderIsGoMessage holds charsetReader to go-message's
// charset.Reader: for every name, on every sample, the same text or an
// error from both.
func TestCharsetReaderIsGoMessage(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	samples := [][]byte{nil, []byte("plain ascii"), []byte("\x1b$B$3$s$K$A$O\x1b(B"), []byte("\x1b$B$3"), []byte("\x82\xa0\x82"),
		[]byte("\xa4\xa4\xa4"), []byte("\xff\xfe\x00\x00a\x00"), []byte("+AGEAYgBj-"), bytes.Repeat([]byte("\xc4\xe3\xba\xc3"), 700)}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	samples = append(samples, all)
	for i := 0; i < 20; i++ {
		b := make([]byte, rng.Intn(40))
		rng.Read(b)
		samples = append(samples, b)
	}
	fast := 0
	for _, name := range charsetNames() {
		if mimeIndexEncoding(name) != nil {
			fast++
		}
		for _, in := range samples {
			var want, got strings.Builder
			var werr, gerr error
			if r, err := gmcharset.Reader(name, bytes.NewReader(in)); err != nil {
				werr = err
			} else {
				_, werr = io.Copy(&want, r)
			}
			if r, err := charsetReader(name, bytes.NewReader(in)); err != nil {
				gerr = err
			} else {
				_, gerr = io.Copy(&got, r)
			}
			if (werr != nil) != (gerr != nil) || (werr == nil && want.String() != got.String()) {
				t.Fatalf("%q on %q: %q, %v; go-message %q, %v", name, in, got.String(), gerr, want.String(), werr)
			}
			if r, err := charsetReader(name, bytes.NewReader(in)); err == nil {
				if b, err := io.ReadAll(r); (err != nil) != (werr != nil) || (err == nil && string(b) != want.String()) {
					t.Fatalf("%q on %q by Read: %q, %v; go-message %q, %v", name, in, b, err, want.String(), werr)
				}
			}
		}
	}
	if fast < 50 {
		t.Fatalf("only %d names take the one-call decode", fast)
	}
	// Through mime.WordDecoder, as DecodeHeaderValue uses it.
	gm := &mime.WordDecoder{CharsetReader: gmcharset.Reader}
	for _, v := range []string{"=?iso-2022-jp?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?= x", "=?x-utf_8j?Q?caf=C3=A9?=",
		"=?windows-1252?Q?=80?= =?gb2312?B?xOO6ww==?=", "=?nonesuch?Q?x?=", "=?shift_jis?B?gqA=?="} {
		want, werr := gm.DecodeHeader(v)
		got, gerr := headerDecoder.DecodeHeader(v)
		if got != want || (werr != nil) != (gerr != nil) {
			t.Errorf("%q: %q, %v; go-message %q, %v", v, got, gerr, want, werr)
		}
	}
}

// TestDecodeHeaderValueAllocatesLittle: a word costs less than the 8 KiB
// of a transform.Reader.
func TestDecodeHeaderValueAllocatesLittle(t *testing.T) {
	v := []byte("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=")
	var before, after runtimeMem
	before.read()
	for i := 0; i < 100; i++ {
		DecodeHeaderValue(v)
	}
	after.read()
	if per := (after.bytes - before.bytes) / 100; per > 2048 {
		t.Fatalf("DecodeHeaderValue of one koi8-r word allocates %d bytes", per)
	}
}

type runtimeMem struct{ bytes uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.bytes = s.TotalAlloc
}
