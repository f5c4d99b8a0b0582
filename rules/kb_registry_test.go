package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// catalogueIDs are the rule IDs of poison-rules.md, both tables, in
// catalogue order.
var catalogueIDs = []string{
	// Known crash and stall triggers (the IMS catalogue).
	"blank-charset", "header-block-over-32k", "header-field-over-21k", "subject-over-20k",
	"filename-unbalanced-paren", "missing-boundary-prolog", "mime-nesting-over-30", "tnef-corrupt",
	"tnef-part", "binhex-part", "uuencode-no-end", "uuencode-junk-after-end", "base64-invalid",
	"rtf-corrupt", "html-href-leading-space", "content-type-invalid-chars", "address-comment-separator",
	"address-mixed-separators", "imcea-malformed", "filename-unicode-no-extension", "filename-over-246-bytes",
	"dbcs-invalid-sequence", "crlf-run-128", "qp-utf16-misaligned", "dsn-report",
	"embedded-message-with-attachments", "postscript-qp", "header-non-header-line", "received-comment-date",
	"mac-attributes-invalid", "recipients-over-32766", "recipients-over-limit", "recipients-over-100",
	"header-8bit", "multipart-digest-foreign-charset", "charset-unknown", "x400-address-over-1024",
	"no-final-crlf",
	// General malformation.
	"line-over-998", "bare-lf", "bare-cr", "nul-byte", "header-count-over-1000", "boundary-missing",
	"boundary-invalid", "close-boundary-missing", "truncated", "duplicate-unique-header",
	"encoded-word-invalid", "date-invalid", "date-missing", "parts-over-1000", "cte-invalid",
	"empty-file", "no-message", "envelope-missing-recipient", "envelope-markers-broken", "lone-dot-line",
}

func TestRegistryHasCatalogue(t *testing.T) {
	var ids []string
	for _, r := range Registry() {
		if slices.Contains(ids, r.ID) {
			t.Errorf("rule %s registered twice", r.ID)
		}
		ids = append(ids, r.ID)
		if r.Check == nil || r.Doc == "" || r.Class == model.ClassNone {
			t.Errorf("rule %s lacks Check, Doc or Class", r.ID)
		}
	}
	for _, id := range catalogueIDs {
		if !slices.Contains(ids, id) {
			t.Errorf("rule %s of poison-rules.md is not in Registry()", id)
		}
	}
	if len(kbRules) != 38 {
		t.Errorf("kbRules has %d rules, the IMS catalogue 38", len(kbRules))
	}
	for i, r := range kbRules {
		if r.ID != catalogueIDs[i] {
			t.Errorf("kbRules[%d] is %s, catalogue order says %s", i, r.ID, catalogueIDs[i])
		}
	}
}

// catalogueRowRE reads a table row of poison-rules.md: "| `id` | class | ...".
var catalogueRowRE = regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)`(?: / `([a-z0-9-]+)`)? \\| ([a-z]+) \\|(?: (IN/OUT|OUT \\(also IN\\)|IN|OUT) \\|)?")

// TestRegistryMatchesMarkdown compares against poison-rules.md itself
// when the shared reference is beside the repository (this workspace, and
// CI's clone beside shared/); elsewhere it is skipped.
func TestRegistryMatchesMarkdown(t *testing.T) {
	var doc []byte
	for _, p := range []string{"../../shared/reference/poison-rules.md", "../shared/reference/poison-rules.md", "../../../shared/reference/poison-rules.md"} {
		if b, err := os.ReadFile(filepath.FromSlash(p)); err == nil {
			doc = b
			break
		}
	}
	if doc == nil {
		t.Skip("poison-rules.md not found beside the repository")
	}
	var mdIDs []string
	for _, row := range catalogueRowRE.FindAllSubmatch(doc, -1) {
		class, err := model.ParseClass(string(row[3]))
		if err != nil {
			t.Errorf("row %s: %v", row[1], err)
			continue
		}
		for _, id := range [][]byte{row[1], row[2]} {
			if len(id) == 0 {
				continue
			}
			mdIDs = append(mdIDs, string(id))
			r, ok := Lookup(string(id))
			if !ok {
				t.Errorf("poison-rules.md rule %s is not registered", id)
				continue
			}
			if r.Class != class {
				t.Errorf("rule %s has class %s, poison-rules.md says %s", id, r.Class, class)
			}
			if dir := bytes.TrimSpace(row[4]); len(dir) > 0 && r.Dir != string(dir) {
				t.Errorf("rule %s has Dir %q, poison-rules.md says %q", id, r.Dir, dir)
			}
		}
	}
	if len(mdIDs) < len(catalogueIDs) {
		t.Errorf("read %d rule IDs from poison-rules.md, want at least %d", len(mdIDs), len(catalogueIDs))
	}
	for _, id := range catalogueIDs {
		if !slices.Contains(mdIDs, id) {
			t.Errorf("hard-coded ID %s is not in poison-rules.md", id)
		}
	}
}
