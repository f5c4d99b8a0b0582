package rules

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update", false, "rewrite the generated rule table in README.md")

// TestReadmeRuleTable keeps the README's rule table identical to the
// registry: every rule with its ID, class, direction, KB articles and what
// it detects. Run `go test ./rules -update` after changing a rule.
func TestReadmeRuleTable(t *testing.T) {
	path := filepath.Join("..", "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- rules:begin -->\n", "<!-- rules:end -->"
	s := string(raw)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", strings.TrimSpace(begin), end)
	}
	var b strings.Builder
	b.WriteString("| rule | class | dir | KB | detects |\n|---|---|---|---|---|\n")
	for _, r := range Registry() {
		kb := strings.Join(r.KB, " ")
		if kb == "" {
			kb = "-"
		}
		b.WriteString("| `" + r.ID + "` | " + r.Class.String() + " | " + r.Dir + " | " + kb + " | " + strings.ReplaceAll(r.Doc+offDirDoc(&r), "|", "\\|") + " |\n")
	}
	got := s[:i+len(begin)] + b.String() + s[j:]
	if got == s {
		return
	}
	if *updateReadme {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's rule table is out of date: run go test ./rules -update")
}
