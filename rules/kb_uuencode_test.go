package rules

import (
	"slices"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestUuencodeContentTypeEQMimeVer: a top-level Content-Type without
// MIME-Version makes the message MIME by default (Q175704), so its text
// part is not uudecoded and Q164662 does not apply; with the registry
// value at 0 the body is uudecoded and the rule fires.
func TestUuencodeContentTypeEQMimeVer(t *testing.T) {
	raw := []byte("From: a@example.org\r\nSubject: sig\r\nContent-Type: text/plain\r\n\r\n" +
		"begin 644 sig.txt\r\n#86)C\r\n`\r\nend\r\n\r\nAnd now, some text after the end.\r\n")
	fires := func(c *Config) bool {
		fs := Check(parseBytes(t, raw, model.QueueIN), c)
		checkEvidence(t, raw, fs)
		return slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Rule == "uuencode-junk-after-end" })
	}
	if fires(nil) {
		t.Errorf("uuencode-junk-after-end fired with ContentTypeEQMimeVer at its default (1)")
	}
	zero := 0
	if !fires(&Config{ContentTypeEQMimeVer: &zero}) {
		t.Errorf("uuencode-junk-after-end did not fire with ContentTypeEQMimeVer 0")
	}
}
