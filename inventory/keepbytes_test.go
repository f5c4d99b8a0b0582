package inventory

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestKeepBytesKeepsWhatWasHashed: with KeepBytes, a file of at most that
// size comes with its bytes (those its sha256 is of), a larger one and
// an mbox of several messages without, and without KeepBytes none does.
func TestKeepBytesKeepsWhatWasHashed(t *testing.T) {
	dir := t.TempDir()
	small := "From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n\r\nbody\r\n"
	large := small + strings.Repeat("x", 4096) + "\r\n"
	mbox := "From a@example.com Mon Jan  1 00:00:00 2001\n" + strings.ReplaceAll(small, "\r\n", "\n") +
		"\nFrom a@example.com Mon Jan  1 00:00:00 2001\n" + strings.ReplaceAll(small, "\r\n", "\n")
	files := map[string]string{"small.eml": small, "large.eml": large, "box.mbox": mbox}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, keep := range []int64{0, 1024} {
		got := map[string][]byte{}
		err := ScanEach(context.Background(), []string{dir}, Options{Slim: true, KeepBytes: keep}, func(m *model.Message) error {
			got[filepath.Base(m.Path)+string(rune('0'+m.MboxOrdinal))] = m.Raw
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if keep > 0 && !bytes.Equal(got["small.eml0"], []byte(small)) {
			t.Errorf("KeepBytes %d: small.eml kept %q", keep, got["small.eml0"])
		}
		for name, raw := range got {
			if raw != nil && (keep == 0 || name != "small.eml0") {
				t.Errorf("KeepBytes %d: %s kept %d bytes", keep, name, len(raw))
			}
		}
	}
}
