package rules

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestBlankMultipartIsNoProlog: a multipart whose body is empty or blank
// lines (a header kept without its body, as in mail's error_emails and
// MimeKit's empty-multipart) has no prolog for Q217155's endless loop: it
// is close-boundary-missing (risk), never missing-boundary-prolog (crash).
func TestBlankMultipartIsNoProlog(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "kb", "missing-boundary-prolog", "near-blank-body.eml"))
	if err != nil {
		t.Fatal(err)
	}
	fs := Check(parseBytes(t, raw, model.QueueIN), nil)
	checkEvidence(t, raw, fs)
	has := func(id string) bool {
		return slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Rule == id })
	}
	if has("missing-boundary-prolog") || !has("close-boundary-missing") {
		t.Errorf("findings: %v", summarize(fs))
	}
}
