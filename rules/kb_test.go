package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
)

// kbCase is one test message of testdata/kb/<rule>/: fire-*.eml must
// carry the rule, near-*.eml must not.
type kbCase struct {
	rule, name, path string
	fire             bool
}

func kbCases(t testing.TB) []kbCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "kb", "*", "*.eml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata/kb messages: %v", err)
	}
	var out []kbCase
	for _, p := range paths {
		name := filepath.Base(p)
		out = append(out, kbCase{rule: filepath.Base(filepath.Dir(p)), name: name, path: p, fire: strings.HasPrefix(name, "fire-")})
	}
	return out
}

// queueFor gives messages named fire-out-* / near-out-* the OUT queue
// (recipients-over-100 is outbound only) and near-in-* the IN queue.
func queueFor(name string) string {
	switch {
	case strings.Contains(name, "-out-"):
		return model.QueueOUT
	case strings.Contains(name, "-in-"):
		return model.QueueIN
	}
	return model.QueueNone
}

// parseBytes parses raw as a file of the given queue.
func parseBytes(t testing.TB, raw []byte, queue string) *model.Message {
	t.Helper()
	m, err := parse.Parse(bytes.NewReader(raw), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	m.Queue = queue
	return m
}

// evidenceExempt lists rules outside this file set whose evidence is
// known not to match when ImCr is not the file's first bytes, with why.
var evidenceExempt = map[string]string{}

// checkEvidence asserts that every finding quotes the file's bytes at its
// offset (an acceptance criterion: offsets are exact).
func checkEvidence(t testing.TB, raw []byte, fs []model.Finding) {
	t.Helper()
	for _, f := range fs {
		if _, ok := evidenceExempt[f.Rule]; ok && !bytes.HasPrefix(raw, []byte("ImCr")) {
			continue
		}
		if f.Offset < 0 || f.Offset > int64(len(raw)) {
			t.Errorf("%s: offset %d outside the file (%d bytes)", f.Rule, f.Offset, len(raw))
			continue
		}
		if !bytes.HasPrefix(raw[f.Offset:], []byte(f.Evidence)) {
			end := min(int64(len(raw)), f.Offset+int64(len(f.Evidence)))
			t.Errorf("%s: evidence %q is not the file's bytes at %d (%q)", f.Rule, f.Evidence, f.Offset, raw[f.Offset:end])
		}
	}
}

func TestKBRulesFireAndNearMiss(t *testing.T) {
	fired := map[string]bool{}
	for _, c := range kbCases(t) {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			raw, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			m := parseBytes(t, raw, queueFor(c.name))
			fs := Check(m, nil)
			got := slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Rule == c.rule })
			if got != c.fire {
				t.Errorf("rule %s fired=%v, want %v; findings: %v", c.rule, got, c.fire, summarize(fs))
			}
			if got {
				fired[c.rule] = true
			}
			checkEvidence(t, raw, fs)
		})
	}
	// Every KB rule has a message that fires it (recipients-over-32766
	// has a generated one: TestRecipientsOver32766).
	for _, r := range kbRules {
		if !fired[r.ID] && r.ID != "recipients-over-32766" {
			t.Errorf("no testdata/kb/%s/fire-*.eml fires %s", r.ID, r.ID)
		}
	}
}

func summarize(fs []model.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s@%d %q %s", f.Rule, f.Offset, f.Evidence, f.Detail)
	}
	return b.String()
}

// spoolFile builds an IMS spool file in the model layout of the corpus
// (0xF7 "ImCr", tagged NUL-terminated fields, the recipients, "EwLs") in
// front of msg; the parser relies only on the markers and on <addr>.
func spoolFile(from string, rcpts []string, msg string) []byte {
	var e bytes.Buffer
	e.WriteString("\xF7ImCr\x05\x05\x00\x00\x20\x8b\x7e\x3a\x00\x00")
	field := func(tag byte, s string) {
		e.WriteByte(tag)
		e.WriteByte(byte(len(s) + 2))
		e.WriteByte(byte((len(s) + 2) >> 8))
		e.WriteString(s)
		e.WriteString("\x00\x00")
	}
	field(1, "mail.example.org")
	field(3, "<"+from+">")
	for _, r := range rcpts {
		field(6, "<"+r+">")
	}
	e.WriteString("EwLs")
	e.WriteString(msg)
	return e.Bytes()
}

const plainMessage = "Message-ID: <1@example.org>\r\nFrom: alee@example.org\r\nTo: undisclosed-recipients:;\r\n" +
	"Subject: Newsletter\r\nDate: Mon, 5 Feb 2001 09:59:31 -0800\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=\"us-ascii\"\r\n\r\nHello.\r\n"

// TestRecipientsOver32766 generates the ~1 MB envelope of Q272672 (32,767
// recipients, far beyond parse's 64 KiB envelope window) instead of
// keeping it in testdata.
func TestRecipientsOver32766(t *testing.T) {
	rcpts := make([]string, 32767)
	for i := range rcpts {
		rcpts[i] = fmt.Sprintf("user%05d@contoso.com", i)
	}
	raw := spoolFile("alee@example.org", rcpts, plainMessage)
	m := parseBytes(t, raw, model.QueueIN)
	if len(m.Envelope.To) != 32767 {
		t.Fatalf("envelope has %d recipients, want 32767", len(m.Envelope.To))
	}
	fs := Check(m, nil)
	for _, id := range []string{"recipients-over-32766", "recipients-over-limit"} {
		if !m.HasRule(id) && !slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Rule == id }) {
			t.Errorf("%s did not fire: %v", id, summarize(fs))
		}
	}
	for _, f := range fs {
		if f.Class == model.ClassCrash {
			t.Errorf("unexpected crash finding on a clean big-envelope message: %s", summarize([]model.Finding{f}))
		}
	}
	checkEvidence(t, raw, fs)

	// One recipient fewer than the limit: no finding.
	raw = spoolFile("alee@example.org", rcpts[:32766], plainMessage)
	fs = Check(parseBytes(t, raw, model.QueueIN), nil)
	if slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Rule == "recipients-over-32766" }) {
		t.Errorf("recipients-over-32766 fired on 32,766 recipients")
	}
}

// TestRecipientBoundBoundsUnique: recipientBound is never below
// uniqueRecipients (duplicates, case variants, angle brackets, header and
// envelope addresses mixed), so the rules' early return changes nothing.
func TestRecipientBoundBoundsUnique(t *testing.T) {
	addrs := []string{"a@x.example", "A@X.example", "<b@x.example>", " c@x.example ", "", "<>", "d@x.example"}
	for n := 0; n < 200; n++ {
		var to []string
		for i := 0; i < n%9; i++ {
			to = append(to, addrs[(n+i*3)%len(addrs)])
		}
		hdr := fmt.Sprintf("Message-ID: <1@example.org>\r\nTo: %s\r\nCc: \"Q\" <%s>, %s\r\nSubject: s\r\n\r\nbody\r\n",
			strings.Join(to, ", "), addrs[n%len(addrs)], addrs[(n/3)%len(addrs)])
		raw := spoolFile("alee@example.org", to, hdr)
		m := parseBytes(t, raw, model.QueueOUT)
		if b, u := recipientBound(m), uniqueRecipients(m); b < u {
			t.Fatalf("case %d: bound %d below %d unique recipients", n, b, u)
		}
	}
}
