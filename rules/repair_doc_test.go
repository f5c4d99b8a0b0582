package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestReadmeRepairTable keeps the README's repair table identical to
// RepairDoc for every crash- and stall-class rule. Run
// `go test ./rules -update` after changing a repair.
func TestReadmeRepairTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("| rule | class | repair |\n|---|---|---|\n")
	for _, r := range Registry() {
		if r.Class < model.ClassStall {
			continue
		}
		b.WriteString("| `" + r.ID + "` | " + r.Class.String() + " | " + strings.ReplaceAll(RepairDoc(r.ID), "|", "\\|") + " |\n")
	}
	if !readmeBlock(t, "repairs", b.String()) {
		t.Errorf("README.md's repair table is out of date: run go test ./rules -update")
	}
}

// readmeBlock puts content between README.md's "<!-- NAME:begin -->" and
// "<!-- NAME:end -->" lines (with -update) or reports whether it is there.
func readmeBlock(t *testing.T, name, content string) bool {
	t.Helper()
	path := filepath.Join("..", "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	s := string(raw)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", strings.TrimSpace(begin), end)
	}
	got := s[:i+len(begin)] + content + s[j:]
	if got == s {
		return true
	}
	if *updateReadme {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return true
	}
	return false
}

// TestRepairDocs: every crash- and stall-class rule says what repair does
// or why it does nothing.
func TestRepairDocs(t *testing.T) {
	for _, r := range Registry() {
		if r.Class >= model.ClassStall {
			if _, ok := repairDocs[r.ID]; !ok {
				t.Errorf("%s (%s) has no entry in repairDocs: add what imsforensic repair changes for it, or \"none: \" and why, to rules/repair_doc.go (then go test ./rules -update)", r.ID, r.Class)
			}
		}
	}
}
