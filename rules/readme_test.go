package rules

import (
	"flag"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update", false, "rewrite the generated rule and repair tables in README.md")

// TestReadmeRuleTable keeps the README's rule table identical to the
// registry: every rule with its ID, class, direction, KB articles and what
// it detects. Run `go test ./rules -update` after changing a rule.
func TestReadmeRuleTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("| rule | class | dir | KB | detects |\n|---|---|---|---|---|\n")
	for _, r := range Registry() {
		kb := strings.Join(r.KB, " ")
		if kb == "" {
			kb = "-"
		}
		b.WriteString("| `" + r.ID + "` | " + r.Class.String() + " | " + r.Dir + " | " + kb + " | " + strings.ReplaceAll(r.Doc+offDirDoc(&r), "|", "\\|") + " |\n")
	}
	if !readmeBlock(t, "rules", b.String()) {
		t.Errorf("README.md's rule table is out of date: run go test ./rules -update")
	}
}
