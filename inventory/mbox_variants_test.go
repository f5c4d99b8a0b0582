package inventory

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
)

// The mbox variants of parse/testdata/mbox (MANIFEST there) give one
// record per message as parse.SplitMbox splits them, the same whether the
// worker parses them or ScanEach's consumer does in turn (mboxRest), and
// FILE#N parses the same bytes; the split's choices are findings
// (mbox-content-length, mbox-prologue) whose evidence is the file's bytes.
func TestScanMboxVariants(t *testing.T) {
	src := filepath.Join("..", "parse", "testdata", "mbox")
	dir := t.TempDir()
	files := map[string]string{
		"mboxcl2.mbox":  "handmade-mboxcl2.mbox",
		"unmunged.mbox": "mimekit-unmunged.mbox",
		"netscape.mbox": "mimekit-content-length.mbox",
		"solaris.mbox":  "mailbox-mbox.src",
		"windows.mbox":  "mailbox-mbox.win",
	}
	raws := map[string][]byte{}
	for name, from := range files {
		raw, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			t.Fatal(err)
		}
		raws[name] = raw
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A one-message mbox after a byte-order mark is still an mbox (its
	// message starts at byte 3); without one it stays one file.
	one := "\xEF\xBB\xBFFrom a@example.org Tue Mar  4 10:00:00 2003\nSubject: bom\n\nbody\n"
	raws["bom1.mbox"] = []byte(one)
	if err := os.WriteFile(filepath.Join(dir, "bom1.mbox"), []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	records := func(eager int) ([]string, []*model.Message) {
		t.Helper()
		defer func(old int) { mboxEager = old }(mboxEager)
		mboxEager = eager
		var out []string
		var ms []*model.Message
		err := ScanEach(context.Background(), []string{dir}, Options{Workers: 2}, func(m *model.Message) error {
			var fs []string
			for _, f := range m.Findings {
				fs = append(fs, fmt.Sprintf("%s@%d", f.Rule, f.Offset))
			}
			out = append(out, fmt.Sprintf("%s %d %d %s %q %v", m.Name, m.FileOffset, m.Size, m.SHA256, m.Error, fs))
			ms = append(ms, m)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, ms
	}
	whole, ms := records(1000)
	streamed, _ := records(2)
	if strings.Join(whole, "\n") != strings.Join(streamed, "\n") {
		t.Fatalf("parsed at once:\n%s\nthe rest in turn:\n%s", strings.Join(whole, "\n"), strings.Join(streamed, "\n"))
	}
	counts := map[string]int{}
	found := map[string][]string{}
	for _, m := range ms {
		file := filepath.Base(m.Path)
		counts[file]++
		raw := raws[file]
		split, err := parse.SplitMbox(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		p := split[m.MboxOrdinal-1]
		if m.MboxOrdinal < 1 || m.FileOffset != p.Offset || m.Size != p.Length {
			t.Errorf("%s: offset %d size %d, the split's %+v", m.Name, m.FileOffset, m.Size, p)
		}
		for _, f := range m.Findings {
			if !bytes.HasPrefix(raw[f.Offset:], []byte(f.Evidence)) {
				t.Errorf("%s: %s evidence %q is not the file's bytes at %d", m.Name, f.Rule, f.Evidence, f.Offset)
			}
			if strings.HasPrefix(f.Rule, "mbox-") {
				found[m.Name] = append(found[m.Name], f.Rule+": "+f.Detail)
			}
		}
		// show FILE#N parses the same bytes.
		again, err := ParseFile(filepath.Join(dir, m.Name), nil)
		if again == nil || again.SHA256 != m.SHA256 || again.FileOffset != m.FileOffset || len(again.Anomalies) != len(m.Anomalies) {
			t.Errorf("ParseFile(%s): %v, %+v", m.Name, err, again)
		}
	}
	want := map[string]int{"mboxcl2.mbox": 3, "unmunged.mbox": 4, "netscape.mbox": 29, "solaris.mbox": 45, "windows.mbox": 45, "bom1.mbox": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("records per file %v, want %v", counts, want)
	}
	for name, prefix := range map[string]string{
		"mboxcl2.mbox#1":  `mbox-content-length: Content-Length: 108 holds (its end, file offset 354, is at a message separator): the message is read to there (mboxcl2), over 2 "From " line(s)`,
		"mboxcl2.mbox#2":  "mbox-content-length: Content-Length: 40 (its end, file offset 607) is not used: it ends neither at a From line",
		"mboxcl2.mbox#3":  "mbox-content-length: Content-Length: 5000 (its end, file offset 5774) is not used: it runs 4958 bytes past the end of the file",
		"unmunged.mbox#1": "mbox-prologue: 3 bytes before the first From line (a UTF-8 byte-order mark): part of no message",
		"bom1.mbox#1":     "mbox-prologue: 3 bytes",
		"netscape.mbox#1": "mbox-content-length: Content-Length: 1213 (its end, file offset 1870) is not used",
	} {
		if len(found[name]) != 1 || !strings.HasPrefix(found[name][0], prefix) {
			t.Errorf("%s: mbox findings %q, want one starting %q", name, found[name], prefix)
		}
	}
	// show FILE of a one-message mbox that scan names FILE#1 shows that
	// message, its finding too.
	if m, err := ParseFile(filepath.Join(dir, "bom1.mbox"), nil); err != nil || m.Name != "bom1.mbox#1" || m.FileOffset != 3 || len(m.Anomalies) == 0 {
		t.Errorf("ParseFile(bom1.mbox): %v, %+v", err, m)
	}
	if n := len(found); n != 9 {
		t.Errorf("%d messages with an mbox finding, want 9: %q", n, found)
	}
}
