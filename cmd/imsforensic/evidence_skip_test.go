package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/evidence"
)

// isEvidenceNotMessageDetectFirst is isEvidenceNotMessage as it was
// written before its cheap tests were moved in front: the reference.
func isEvidenceNotMessageDetectFirst(head []byte) bool {
	if evidence.Detect(head) == evidence.FormatUnknown {
		return false
	}
	if bytes.Contains(head[:min(len(head), 512)], []byte("ImCr")) {
		return false
	}
	lower := bytes.ToLower(head)
	for _, h := range messageHeaderNames {
		if bytes.HasPrefix(lower, []byte(h)) || bytes.Contains(lower, []byte("\n"+h)) {
			return false
		}
	}
	return true
}

// TestIsEvidenceNotMessageOrderFree checks the reordered test against the
// reference on the heads of real evidence files, of a generated queue with
// its evidence, and of edits of them that move the verdict: header names
// in upper case, behind a CR, after U+0130 (which bytes.ToLower lowers to
// "i"), a spool marker, invalid UTF-8.
func TestIsEvidenceNotMessageOrderFree(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: 40, Seed: 3, Poison: corpus.PoisonAll(), Evidence: true}); err != nil {
		t.Fatal(err)
	}
	var heads [][]byte
	for _, root := range []string{dir, filepath.Join("..", "..", "evidence", "testdata")} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			heads = append(heads, b[:min(len(b), 512)])
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	edits := []func([]byte) []byte{
		func(b []byte) []byte { return b },
		bytes.ToUpper,
		func(b []byte) []byte { return append([]byte("MESSAGE-ID: <a@b>\n"), b...) },
		func(b []byte) []byte { return append(append([]byte{}, b...), "\nRece\u0130ved: x"...) },
		func(b []byte) []byte { return append(append([]byte{}, b...), "\nRece\u0131ved: x"...) },
		func(b []byte) []byte { return append(append([]byte{}, b...), "\r\nSubject: x"...) },
		func(b []byte) []byte { return append(append([]byte{}, b...), "\n\xffFrom: x\nDate: y"...) },
		func(b []byte) []byte { return append([]byte("ImCr"), b...) },
	}
	evidenceSeen, messageSeen := 0, 0
	for _, h := range heads {
		for i, edit := range edits {
			e := edit(h)
			got, want := isEvidenceNotMessage(e), isEvidenceNotMessageDetectFirst(e)
			if got != want {
				t.Fatalf("edit %d of %q: got %v, the reference says %v", i, e, got, want)
			}
			if want {
				evidenceSeen++
			} else {
				messageSeen++
			}
		}
	}
	if evidenceSeen == 0 || messageSeen == 0 {
		t.Fatalf("the heads reached only one verdict (%d evidence, %d message): the test proves nothing", evidenceSeen, messageSeen)
	}
}
