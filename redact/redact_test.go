package redact

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/kbsample"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// planted are the fields added to every sample before redaction: an
// address (local part, domain), a display name and words, in an address
// field, an unstructured field and an encoded word.
const planted = "Reply-To: \"Quentin Zabriskie\" <qzabriskie@plantedmail.example>\r\n" +
	"Comments: Xylophone marmalade from Tegucigalpa\r\n" +
	"X-Note: =?utf-8?Q?Fjordstr=C3=B8m_Kumquat?=\r\n"

// secrets are the planted words and the samples' own people, places and
// words (From, To, Subject, body text, attachment names): none may be left.
var secrets = []string{"Quentin", "Zabriskie", "qzabriskie", "plantedmail", "Xylophone", "marmalade", "Tegucigalpa",
	"Fjordstr", "Kumquat", "alee", "bhill", "Hill", "contoso", "Quarterly", "figures", "please", "quarter", "Regards", "budget"}

// plant inserts the planted fields at the start of the RFC 822 header.
func plant(t *testing.T, raw []byte) []byte {
	t.Helper()
	m := parseRaw(t, raw)
	at := max(m.MessageOffset, 0)
	if m.Root() == nil || m.Scan.HeaderFields == 0 {
		return raw
	}
	return slices.Concat(raw[:at], []byte(planted), raw[at:])
}

func parseRaw(t *testing.T, raw []byte) *model.Message {
	t.Helper()
	m, err := parse.Parse(bytes.NewReader(raw), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

func ruleSet(t *testing.T, raw []byte, queue string) []string {
	t.Helper()
	m := parseRaw(t, raw)
	m.Queue = queue
	return ruleIDs(rules.Check(m, nil))
}

// TestRedactKBSamples is the "Done when" for redact: over every
// sample of every KB rule (with planted addresses and words added), the
// copy has the same length, the same rule IDs fire on it at the same
// offsets, and none of the planted or the samples' own words is left.
func TestRedactKBSamples(t *testing.T) {
	r, err := New(Options{Key: []byte("test key")})
	if err != nil {
		t.Fatal(err)
	}
	fired := map[string]bool{}
	for _, c := range kbsample.All(t, "..") {
		t.Run(c.Rule+"/"+c.Name, func(t *testing.T) {
			orig, err := os.ReadFile(c.Path)
			if err != nil {
				t.Fatal(err)
			}
			raw := plant(t, orig)
			q := c.Queue()
			res, err := r.Bytes(raw, q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != model.RedactRedacted {
				t.Fatalf("status %s: changed %+v, left %+v", res.Status, res.Changed, res.Left)
			}
			if len(res.Output) != len(raw) {
				t.Fatalf("copy of %d bytes, original %d", len(res.Output), len(raw))
			}
			want, got := ruleSet(t, raw, q), ruleSet(t, res.Output, q)
			if !slices.Equal(want, got) || !slices.Equal(want, res.Rules) {
				t.Errorf("rules %v on the original, %v on the copy (record says %v)", want, got, res.Rules)
			}
			if c.Fire && slices.Contains(got, c.Rule) {
				fired[c.Rule] = true
			}
			for _, w := range secrets {
				if regexp.MustCompile(`(?i)\b`+w).Match(res.Output) && regexp.MustCompile(`(?i)\b`+w).Match(raw) {
					t.Errorf("%q is left in the copy", w)
				}
			}
			if bytes.Contains(raw, []byte("Zabriskie")) && bytes.Equal(raw, res.Output) {
				t.Errorf("nothing redacted")
			}
		})
	}
	for _, id := range []string{"blank-charset", "tnef-part", "tnef-corrupt", "html-href-leading-space", "imcea-malformed", "x400-address-over-1024", "dbcs-invalid-sequence", "received-comment-date"} {
		if !fired[id] {
			t.Errorf("%s: no redacted firing sample still fires it", id)
		}
	}
}

// TestRedactDeterministic: under one key the same address gets the same
// placeholder in two files and two runs; another key gives another.
func TestRedactDeterministic(t *testing.T) {
	a, _ := os.ReadFile(filepath.Join("..", "rules", "testdata", "kb", "blank-charset", "fire-blank.eml"))
	b, _ := os.ReadFile(filepath.Join("..", "rules", "testdata", "kb", "uuencode-no-end", "fire-no-end.eml"))
	redactWith := func(key string, raw []byte) []byte {
		r, err := New(Options{Key: []byte(key)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Bytes(raw, "")
		if err != nil {
			t.Fatal(err)
		}
		return res.Output
	}
	from := regexp.MustCompile(`(?m)^From: .*$`)
	fa, fb := from.Find(redactWith("k1", a)), from.Find(redactWith("k1", b))
	if len(fa) == 0 || !bytes.Equal(fa, fb) {
		t.Errorf("the same From in two files: %q and %q", fa, fb)
	}
	if !bytes.Equal(redactWith("k1", a), redactWith("k1", a)) {
		t.Errorf("two runs under one key differ")
	}
	if fc := from.Find(redactWith("k2", a)); bytes.Equal(fa, fc) {
		t.Errorf("another key gives the same placeholder %q", fc)
	}
	r, _ := New(Options{Key: []byte("k1")})
	if _, err := r.Bytes(a, ""); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(r.Mapping(), func(m model.RedactMapping) bool { return m.Original == "alee" })
	if i < 0 || !bytes.Contains(fa, []byte(r.Mapping()[i].Placeholder)) {
		t.Errorf("the mapping has no entry for alee matching %q", fa)
	}
}

// TestRedactLeftUnexplained: a word the redaction cannot change (here a
// legacy 8-bit word, which it leaves alone) is caught by the check; a copy
// holding it is not written.
func TestRedactLeftCheck(t *testing.T) {
	raw := []byte("From: a@b.example\r\nSubject: hi\r\n\r\nHello Gr\xfc\xdfeland\r\n")
	r, _ := New(Options{Key: []byte("k")})
	res, err := r.Bytes(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(res.Output, []byte("Hello")) {
		t.Errorf("Hello left: %q", res.Output)
	}
	// The word check reads only ASCII/UTF-8 words: here all are replaced.
	if res.Status != model.RedactRedacted {
		t.Errorf("status %s, left %+v", res.Status, res.Left)
	}
	left := leftWords([]byte("Hello world"), []byte("Hello xqzvw"), make([]bool, 11), nil)
	if len(left) != 1 || left[0].Word != "hello" || left[0].Rule != "" {
		t.Errorf("leftWords = %+v, want hello, unexplained", left)
	}
}

// suiteRedactOutcomes are the suite files (the later sweep's, see
// rules/testdata/suites/MANIFEST) whose copy is not redacted whole, by
// design: the words a finding stands on are kept (kept-for-finding), or
// the message is too broken to copy safely (not-safe).
var suiteRedactOutcomes = map[string]string{
	// An invalid encoded word in a file name (encoded-word-invalid).
	"rubymail/attachment_emails_attachment_with_quoted_filename.eml": model.RedactKeptForFinding,
	"webklex/attachment_encoded_filename.eml":                        model.RedactKeptForFinding,
	"webklex/issue-410b.eml":                                         model.RedactKeptForFinding,
	// Raw 8-bit bytes that are not valid Big5 / GB2312
	// (dbcs-invalid-sequence): the bytes are the evidence.
	"rubymail/error_emails_content_transfer_encoding_empty.eml": model.RedactKeptForFinding,
	"spamscope/mail_test_12":                                    model.RedactKeptForFinding,
	// A Content-Type parameter two parsers read differently (param-ambiguous).
	"spamscope/mail_test_1": model.RedactKeptForFinding,
	// A fuzzed header ("Fro :uMmlti Sender <...>", lines cut and
	// repeated): an address in it is no header field the redactor
	// reads, so it is left, and no copy is written.
	"stalwart/malformed_019.eml": model.RedactNotSafe,
}

// TestRedactPublicSuites: over the public parser suites' real messages,
// every copy has the original's length and the same findings at the same
// offsets, and no word of the original is left (suiteRedactOutcomes names
// the files where that is not the outcome, and which outcome it is).
func TestRedactPublicSuites(t *testing.T) {
	r, err := New(Options{Key: []byte("suites")})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range kbsample.Suites(t, "..") {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Bytes(raw, "")
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		rel := filepath.ToSlash(p[strings.Index(filepath.ToSlash(p), "suites/")+len("suites/"):])
		if want, ok := suiteRedactOutcomes[rel]; ok {
			if res.Status != want {
				t.Errorf("%s: %s, want %s (suiteRedactOutcomes)", p, res.Status, want)
			}
			continue
		}
		if res.Status != model.RedactRedacted || len(res.Output) != len(raw) {
			t.Errorf("%s: %s, %d bytes of %d: changed %+v left %+v", p, res.Status, len(res.Output), len(raw), res.Changed, res.Left)
		}
	}
}

// TestRedactMbox: each message of an mbox is redacted on its own and the
// same rules fire on each message of the copy.
func TestRedactMbox(t *testing.T) {
	kb := filepath.Join("..", "rules", "testdata", "kb")
	var raw []byte
	for i, p := range []string{filepath.Join(kb, "blank-charset", "fire-blank.eml"), filepath.Join(kb, "tnef-part", "fire-valid.eml")} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			raw = append(raw, "\r\n"...)
		}
		raw = append(append(raw, "From alee@example.org Mon Feb  5 09:59:31 2001\r\n"...), b...)
	}
	r, _ := New(Options{Key: []byte("k")})
	res, err := r.Bytes(raw, "")
	if err != nil || res.Status != model.RedactRedacted || len(res.Output) != len(raw) {
		t.Fatalf("%v %s %d/%d %+v", err, res.Status, len(res.Output), len(raw), res.Changed)
	}
	segs, _ := parse.SplitMbox(bytes.NewReader(raw))
	if len(segs) != 2 {
		t.Fatalf("%d messages", len(segs))
	}
	for _, sg := range segs {
		a, b := raw[sg.Offset:sg.Offset+sg.Length], res.Output[sg.Offset:sg.Offset+sg.Length]
		if !slices.Equal(ruleSet(t, a, ""), ruleSet(t, b, "")) {
			t.Errorf("message %d: rules %v -> %v", sg.Ordinal, ruleSet(t, a, ""), ruleSet(t, b, ""))
		}
		if bytes.Contains(b, []byte("alee")) || bytes.Contains(b, []byte("example")) {
			t.Errorf("message %d keeps the address: %.80q", sg.Ordinal, b)
		}
	}
}

// TestRedactEnvelopeLines: the X-Sender lines of a Pickup file and the
// commands of an SMTP transcript keep their keywords and lose their
// addresses and HELO host.
func TestRedactEnvelopeLines(t *testing.T) {
	r, _ := New(Options{Key: []byte("k")})
	for _, raw := range []string{
		"x-sender: alee@example.org\r\nx-receiver: <bhill@contoso.com> NOTIFY=SUCCESS ORCPT=rfc822;bhill@contoso.com\r\nFrom: Ann <alee@example.org>\r\nSubject: secret plans\r\n\r\nhello world\r\n",
		"HELO mail.example.org\r\nMAIL FROM:<alee@example.org> SIZE=1234\r\nRCPT TO:<bhill@contoso.com>\r\nDATA\r\nFrom: Ann <alee@example.org>\r\nSubject: secret plans\r\n\r\nhello world\r\n.\r\n",
	} {
		res, err := r.Bytes([]byte(raw), "")
		if err != nil || res.Status != model.RedactRedacted {
			t.Fatalf("%v %+v", err, res)
		}
		out := string(res.Output)
		for _, w := range []string{"alee", "bhill", "example", "contoso", "secret", "hello"} {
			if strings.Contains(out, w) {
				t.Errorf("%q left in %q", w, out)
			}
		}
		for _, w := range []string{"x-sender:", "NOTIFY=SUCCESS", "ORCPT=rfc822;", "MAIL FROM:<", "RCPT TO:<", "HELO ", "\r\nDATA\r\n"} {
			if strings.Contains(raw, w) && !strings.Contains(out, w) {
				t.Errorf("keyword %q lost: %q", w, out)
			}
		}
	}
}

// TestLeftEnvelope: the envelope check finds every address, the HELO host
// and the MTS-ID of a spool file left as written (here: not redacted).
func TestLeftEnvelope(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "sample-tempims", "IN", "HBWK2Q2P"))
	if err != nil {
		t.Fatal(err)
	}
	m := parseRaw(t, raw)
	if got, want := len(leftEnvelope(m, raw, nil)), 2+len(m.Envelope.To)+1; got != want {
		t.Errorf("%d left, want %d (from, helo, mts-id and each recipient)", got, want)
	}
	r, _ := New(Options{Key: []byte("k")})
	res, err := r.Bytes(raw, "")
	if err != nil || len(leftEnvelope(m, res.Output, nil)) != 0 {
		t.Errorf("the redacted copy keeps envelope strings: %v", err)
	}
}

// A word of 1 MiB (a line of letters with no break) is redacted in
// linear time: each block of its placeholder stream hashed the whole word,
// 37 s for this one and no end for 50 MB. Its placeholder keeps length
// and class, and one key gives it the same in two runs.
func TestRedactLongWordLinear(t *testing.T) {
	word := bytes.Repeat([]byte("Secretword"), 1<<20/10)
	raw := append([]byte("From: a@b.example\r\nSubject: s\r\n\r\n"), word...)
	raw = append(raw, "\r\n"...)
	start := time.Now()
	var outs [][]byte
	for range 2 {
		r, err := New(Options{Key: []byte("k1")})
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Bytes(raw, "")
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, res.Output)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("two redactions of a 1 MiB word took %v", d)
	}
	if !bytes.Equal(outs[0], outs[1]) || len(outs[0]) != len(raw) || bytes.Contains(outs[0], []byte("Secretword")) {
		t.Fatalf("the long word: runs equal %v, %d bytes for %d, original left %v",
			bytes.Equal(outs[0], outs[1]), len(outs[0]), len(raw), bytes.Contains(outs[0], []byte("Secretword")))
	}
	body := outs[0][len(raw)-len(word)-2 : len(raw)-2]
	for i, c := range body {
		if ('A' <= word[i] && word[i] <= 'Z') != ('A' <= c && c <= 'Z') || ('a' <= word[i] && word[i] <= 'z') != ('a' <= c && c <= 'z') {
			t.Fatalf("byte %d: %q for %q: class not kept", i, c, word[i])
		}
	}
}
