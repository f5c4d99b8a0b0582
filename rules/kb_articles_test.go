package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// kbArticleFile is a test message built from a KB article's own example:
// testdata/kb/<rule>/fire-kb-Q<number>.eml or near-kb-Q<number>.eml.
var kbArticleFile = regexp.MustCompile(`^(fire|near)-kb-(Q[0-9]{6})\.eml$`)

// TestKBArticleExamples holds every message built from a KB article's own
// example (testdata/kb/MANIFEST.md) to the rule table: the article's rule
// fires with the table's class in the table's direction (both queues for
// IN/OUT), as a plain file and as an IMS spool file behind an envelope, the article is one the rule
// cites, and no other rule raises a crash; the harmless form the article
// shows raises no crash at all.
func TestKBArticleExamples(t *testing.T) {
	manifest, err := os.ReadFile(filepath.Join("testdata", "kb", "MANIFEST.md"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Rule{}
	for _, r := range kbRules {
		byID[r.ID] = r
	}
	n := 0
	for _, c := range kbCases(t) {
		sm := kbArticleFile.FindStringSubmatch(c.name)
		if sm == nil {
			continue
		}
		n++
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			r, ok := byID[c.rule]
			if !ok {
				t.Fatalf("%s is no KB rule", c.rule)
			}
			if !slices.Contains(r.KB, sm[2]) {
				t.Errorf("%s cites %v, not %s", r.ID, r.KB, sm[2])
			}
			if !strings.Contains(string(manifest), "`"+c.rule+"/"+c.name+"`") {
				t.Errorf("MANIFEST.md does not name %s/%s", c.rule, c.name)
			}
			raw, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			queues := []string{model.QueueIN}
			switch r.Dir {
			case "OUT":
				queues = []string{model.QueueOUT}
			case "IN/OUT":
				queues = []string{model.QueueIN, model.QueueOUT}
			}
			spool := spoolFile("alee@example.org", []string{"bhill@contoso.com"}, string(raw))
			for _, qi := range []struct {
				queue string
				in    []byte
			}{{queues[0], raw}, {queues[0], spool}, {queues[len(queues)-1], spool}} {
				queue, in := qi.queue, qi.in
				fs := Check(parseBytes(t, in, queue), nil)
				checkEvidence(t, in, fs)
				got := false
				for _, f := range fs {
					switch {
					case f.Rule == r.ID:
						got = true
						if f.Class != r.Class {
							t.Errorf("%s in %s: class %s, the table says %s", r.ID, queue, f.Class, r.Class)
						}
					case f.Class == model.ClassCrash:
						t.Errorf("another crash beside %s: %s", r.ID, summarize([]model.Finding{f}))
					}
				}
				if want := sm[1] == "fire"; got != want {
					t.Errorf("%s fired=%v on the article's example, want %v: %s", r.ID, got, want, summarize(fs))
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no fire-kb-Q*.eml / near-kb-Q*.eml in testdata/kb")
	}
}
