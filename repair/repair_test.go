package repair

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/kbsample"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
	"github.com/imsforensic/imsforensic/rules"
)

// notRepairable lists the firing samples of rules that have a repair
// where that repair rightly declines, with why.
var notRepairable = map[string]string{
	"imcea-malformed/fire-spool-envelope.eml":        "the address is in the envelope, which is kept",
	"header-8bit/fire-latin1-subject.eml":            "Latin-1 bytes under a us-ascii label: the charset cannot be told",
	"header-8bit/fire-spool.eml":                     "the same Subject in a spool file",
	"filename-over-246-bytes/fire-encoded-words.eml": "an RFC 2047-encoded name: shortening it means re-encoding it",
}

func parseRaw(t *testing.T, raw []byte) *model.Message {
	t.Helper()
	m, err := parse.Parse(bytes.NewReader(raw), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

// TestRepairKBSamples is the "Done when" for repair: over every
// firing sample, repair removes every crash-class finding where the rule
// has a repair, reports the rest "not repairable" with a reason, keeps the
// envelope, and changes nothing but the listed changes.
func TestRepairKBSamples(t *testing.T) {
	spools := 0
	for _, c := range kbsample.All(t, "..") {
		t.Run(c.Rule+"/"+c.Name, func(t *testing.T) {
			raw, err := os.ReadFile(c.Path)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Queue: c.Queue()}
			res, err := Bytes(raw, opts)
			if err != nil {
				t.Fatal(err)
			}
			orig := parseRaw(t, raw)
			orig.Queue = opts.Queue
			before := rules.Check(orig, nil)
			switch res.Status {
			case model.RepairClean:
				if hasTargets(before) {
					t.Fatalf("clean, but the original has crash/stall findings")
				}
				return
			case model.RepairNotRepairable:
				if res.Output != nil || len(res.Changes) != 0 || len(res.Remaining) == 0 {
					t.Fatalf("not repairable with output %v, %d changes, %d remaining", res.Output != nil, len(res.Changes), len(res.Remaining))
				}
				for _, r := range res.Remaining {
					if r.Reason == "" {
						t.Errorf("%s left without a reason", r.Rule)
					}
				}
				key := c.Rule + "/" + c.Name
				if c.Fire && rules.HasRepair(c.Rule) && notRepairable[key] == "" {
					t.Errorf("rule %s has a repair, but the sample is not repairable: %+v", c.Rule, res.Remaining)
				}
				return
			case model.RepairRepaired:
			default:
				t.Fatalf("status %q", res.Status)
			}
			// The byte diff is exactly the listed changes.
			got, err := Replay(raw, res.Changes)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, res.Output) {
				t.Fatalf("replaying the %d changes does not give the copy", len(res.Changes))
			}
			for _, ch := range res.Changes {
				if ch.Rule == "" || ch.Note == "" || ch.KB == nil {
					t.Errorf("change without rule, note or kb: %+v", ch)
				}
			}
			// Checked again with the same rules: no crash-class finding.
			m := parseRaw(t, res.Output)
			m.Queue = opts.Queue
			after := rules.Check(m, nil)
			for _, f := range after {
				if f.Class == model.ClassCrash {
					t.Errorf("crash finding left in the copy: %s at %d", f.Rule, f.Offset)
				}
				if c.Fire && f.Rule == c.Rule && rules.HasRepair(c.Rule) && f.Class >= model.ClassStall {
					t.Errorf("the sample's own rule %s still fires", c.Rule)
				}
			}
			// The envelope is kept byte for byte and the format is the same.
			if m.Format != orig.Format || m.MessageOffset != orig.MessageOffset ||
				!bytes.Equal(res.Output[:max(0, m.MessageOffset)], raw[:max(0, orig.MessageOffset)]) {
				t.Errorf("envelope changed: format %s -> %s, message offset %d -> %d", orig.Format, m.Format, orig.MessageOffset, m.MessageOffset)
			}
			if orig.Format == model.FormatIMSSpool {
				spools++
			}
		})
	}
	if spools == 0 {
		t.Errorf("no IMS spool sample was repaired: the envelope promise is untested")
	}
}

// TestRepairDocsMatchFixers keeps the documentation honest: a rule whose
// RepairDoc promises a repair has a fixer, and a fixer's rule documents it.
func TestRepairDocsMatchFixers(t *testing.T) {
	for id := range fixers {
		if _, ok := rules.Lookup(id); !ok {
			t.Errorf("fixer for unknown rule %s", id)
		}
		if !rules.HasRepair(id) {
			t.Errorf("%s has a fixer but its RepairDoc says none", id)
		}
	}
	for _, r := range rules.Registry() {
		if rules.HasRepair(r.ID) && fixers[r.ID] == nil {
			t.Errorf("%s: RepairDoc promises a repair, no fixer", r.ID)
		}
		if r.Class >= model.ClassStall && strings.TrimSpace(rules.RepairDoc(r.ID)) == "" {
			t.Errorf("%s: no repair text", r.ID)
		}
	}
}

// TestRepairCrashWithoutRepair: a crash rule with no repair leaves the
// file not repairable, the reason being the rule's RepairDoc.
func TestRepairCrashWithoutRepair(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "rules", "testdata", "kb", "mime-nesting-over-30", "fire-34-levels.eml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Bytes(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Remaining, func(r model.RepairRemaining) bool { return r.Rule == "mime-nesting-over-30" })
	if res.Status != model.RepairNotRepairable || i < 0 || res.Remaining[i].Reason != rules.RepairDoc("mime-nesting-over-30") {
		t.Fatalf("got %s %+v", res.Status, res.Remaining)
	}
}

// TestRepairPublicSuites: over the public parser suites' real messages, a
// repaired copy is the original plus exactly its changes and keeps no
// crash-class finding; a file with a crash finding is repaired or says why
// not.
func TestRepairPublicSuites(t *testing.T) {
	n := 0
	for _, p := range kbsample.Suites(t, "..") {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Bytes(raw, Options{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		switch res.Status {
		case model.RepairRepaired:
			n++
			if got, err := Replay(raw, res.Changes); err != nil || !bytes.Equal(got, res.Output) {
				t.Errorf("%s: the changes do not give the copy (%v)", p, err)
			}
			m := parseRaw(t, res.Output)
			for _, f := range rules.Check(m, nil) {
				if f.Class == model.ClassCrash {
					t.Errorf("%s: crash finding %s left", p, f.Rule)
				}
			}
		case model.RepairNotRepairable:
			for _, r := range res.Remaining {
				if r.Reason == "" {
					t.Errorf("%s: %s without a reason", p, r.Rule)
				}
			}
		}
	}
	if n == 0 {
		t.Errorf("nothing repaired in the public suites")
	}
}

// mboxOf joins messages into an mbox file (RFC 4155: a "From " line before
// each, an empty line between them).
func mboxOf(t *testing.T, paths ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	for i, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("From alee@example.org Mon Feb  5 09:59:31 2001\r\n")
		b.Write(raw)
	}
	return b.Bytes()
}

// TestRepairMbox: an mbox of several messages is repaired message by
// message; the changes replay over the whole file, every message of the
// copy is free of its crash finding; one unrepairable message means no
// copy.
func TestRepairMbox(t *testing.T) {
	kb := filepath.Join("..", "rules", "testdata", "kb")
	raw := mboxOf(t, filepath.Join(kb, "blank-charset", "near-us-ascii.eml"), filepath.Join(kb, "blank-charset", "fire-blank.eml"),
		filepath.Join(kb, "uuencode-no-end", "fire-no-end.eml"))
	res, err := Bytes(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != model.RepairRepaired {
		t.Fatalf("status %s: %+v", res.Status, res.Remaining)
	}
	if got, err := Replay(raw, res.Changes); err != nil || !bytes.Equal(got, res.Output) {
		t.Fatalf("the changes do not give the copy: %v", err)
	}
	segs, err := parse.SplitMbox(bytes.NewReader(res.Output))
	if err != nil || len(segs) != 3 {
		t.Fatalf("the copy holds %d messages, want 3", len(segs))
	}
	for _, sg := range segs {
		m := parseRaw(t, res.Output[sg.Offset:sg.Offset+sg.Length])
		for _, f := range rules.Check(m, nil) {
			if f.Class == model.ClassCrash {
				t.Errorf("message %d keeps %s", sg.Ordinal, f.Rule)
			}
		}
	}
	raw = mboxOf(t, filepath.Join(kb, "blank-charset", "fire-blank.eml"), filepath.Join(kb, "mime-nesting-over-30", "fire-34-levels.eml"))
	if res, err := Bytes(raw, Options{}); err != nil || res.Status != model.RepairNotRepairable || res.Output != nil {
		t.Fatalf("an mbox with an unrepairable message: %v %+v", err, res)
	}
}

// TestRepairBoundaryInRFC2231Pieces: a multipart whose boundary is written
// as RFC 2231 pieces (boundary*0=, boundary*1=) while the body uses another
// boundary cannot have its boundary replaced as one span. CI's fuzz pass
// found this panicking (a nil parameter); it is now not repairable, with
// the reason.
func TestRepairBoundaryInRFC2231Pieces(t *testing.T) {
	raw := []byte("From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary*0=\"abc\"; boundary*1=\"def\"\r\n\r\n" +
		"--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n--X--\r\n")
	res, err := Bytes(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != model.RepairNotRepairable || len(res.Remaining) != 1 ||
		res.Remaining[0].Rule != "missing-boundary-prolog" || !strings.Contains(res.Remaining[0].Reason, "RFC 2231") {
		t.Fatalf("got %s, remaining %+v", res.Status, res.Remaining)
	}
	// With one plain boundary parameter the same message is repaired: the
	// boundary is set to the one the body uses.
	plain := bytes.Replace(raw, []byte(`boundary*0="abc"; boundary*1="def"`), []byte(`boundary="abcdef"`), 1)
	res, err = Bytes(plain, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != model.RepairRepaired || !bytes.Contains(res.Output, []byte(`boundary="X"`)) {
		t.Fatalf("plain parameter: %s, %q", res.Status, res.Output)
	}
}

// TestRepairFilenameInRFC2231Pieces: a file name over 246 bytes written in
// RFC 2231 pieces, each under the limit, is not repairable, and says why
// (it said "no change found").
func TestRepairFilenameInRFC2231Pieces(t *testing.T) {
	a := strings.Repeat("a", 150)
	raw := []byte("From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n--X\r\n" +
		"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*0=\"" + a + "\"; filename*1=\"" + a + ".exe\"\r\n\r\nAAAA\r\n--X--\r\n")
	res, err := Bytes(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != model.RepairNotRepairable || len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Reason, "RFC 2231 pieces") {
		t.Fatalf("got %s, remaining %+v", res.Status, res.Remaining)
	}
}

// TestRepairRefusesToMoveHugeHeaderText: the header text a repair would
// move into a text part is held in memory a few times over; past
// movedTextLimit the repair declines with the reason instead (a 200 MiB
// Subject took 630 MB to find it had no blank to cut at).
func TestRepairRefusesToMoveHugeHeaderText(t *testing.T) {
	big := strings.Repeat("word ", (movedTextLimit+1<<20)/5)
	for _, field := range []string{"Subject", "X-Big"} {
		raw := []byte("From: a@b.example\r\nTo: c@d.example\r\n" + field + ": " + big + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi\r\n")
		res, err := Bytes(raw, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != model.RepairNotRepairable || res.Output != nil {
			t.Fatalf("%s: got %s", field, res.Status)
		}
		for _, r := range res.Remaining {
			if !strings.Contains(r.Reason, "holds in memory") && !strings.Contains(r.Reason, "route or describe") {
				t.Errorf("%s: %s: %s", field, r.Rule, r.Reason)
			}
		}
	}
}
