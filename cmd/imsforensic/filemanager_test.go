package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileManagerFilesAreNotMessages: a queue copied through Explorer or
// the Finder carries their files (Thumbs.db, desktop.ini, .DS_Store, "._"
// AppleDouble companions). They are no messages: scan and replay leave
// them out and say so by name, instead of ranking them as stalled
// messages above the real ones. A file bearing such a name whose bytes are
// a message is still scanned. The first bytes are those of real files:
// an Explorer Thumbs.db (0131mj/fraction_calc e51e62b3,
// bin/res/crunch/drawable-mdpi/Thumbs.db), a Finder .DS_Store
// (0-0-0/a af5be7dc, education-time/.DS_Store) and a desktop.ini
// (0x5bfa/FluentHub 5eb45c68); the rest of each is left out (thumbnails
// of others' images, file names).
func TestFileManagerFilesAreNotMessages(t *testing.T) {
	q := sampleCopy(t)
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	utf16 := []byte{0xFF, 0xFE}
	for _, c := range "[.ShellClassInfo]\r\n" {
		utf16 = append(utf16, byte(c), 0)
	}
	files := map[string][]byte{
		"IN/Thumbs.db":    ole,
		"OUT/ehthumbs.db": ole,
		"IN/desktop.ini":  []byte("[.ShellClassInfo]\nIconResource=C:\\Windows\\System32\\SHELL32.dll,317\n"),
		"OUT/Desktop.ini": utf16,
		".DS_Store":       append([]byte("\x00\x00\x00\x01Bud1\x00\x00\x10\x00"), make([]byte, 100)...),
		"IN/._HBWK2Q2P":   append([]byte{0, 5, 0x16, 7, 0, 2, 0, 0}, make([]byte, 80)...),
		"OUT/THUMBS.DB":   []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: named like a cache\r\n\r\nhello\r\n"),
		"IN/._not-apple":  []byte("From: a@example.org\r\nSubject: dot underscore\r\n\r\nx\r\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(q, filepath.FromSlash(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	skipped := []string{"IN/Thumbs.db", "OUT/ehthumbs.db", "IN/desktop.ini", "OUT/Desktop.ini", ".DS_Store", "IN/._HBWK2Q2P"}

	out, errOut, code := runCLI(t, "", "scan", "--format", "json", q)
	if code != exitOK && code != exitFindings {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Type, Path string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Type == "message" {
			rel, _ := filepath.Rel(q, r.Path)
			names[filepath.ToSlash(rel)] = true
		}
	}
	for _, s := range skipped {
		if names[s] {
			t.Errorf("%s was scanned as a message", s)
		}
		if !strings.Contains(errOut, filepath.Join(q, filepath.FromSlash(s))) {
			t.Errorf("stderr does not name %s:\n%s", s, errOut)
		}
	}
	for _, kept := range []string{"OUT/THUMBS.DB", "IN/._not-apple", "IN/HBWK2Q2P"} {
		if !names[kept] {
			t.Errorf("%s (a message) was not scanned", kept)
		}
	}
	if !strings.Contains(errOut, "6 file(s) among the inputs are Windows' or macOS's own") {
		t.Errorf("no notice of the six:\n%s", errOut)
	}

	// replay reads the queue the same way: none of them is planned.
	out, errOut, _ = runCLI(t, "", "replay", q, "--to", "pickup:"+t.TempDir(), "--dry-run", "--format", "json")
	planned := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Type, Path string }
		if json.Unmarshal([]byte(line), &r) == nil && r.Type == "replay" {
			rel, _ := filepath.Rel(q, r.Path)
			planned[filepath.ToSlash(rel)] = true
		}
	}
	if !planned["IN/HBWK2Q2P"] || !planned["OUT/THUMBS.DB"] {
		t.Fatalf("replay did not plan the messages: %v\n%s", planned, errOut)
	}
	for _, s := range skipped {
		if planned[s] {
			t.Errorf("replay planned %s", s)
		}
	}
	if !strings.Contains(errOut, "6 file(s) among the inputs are Windows' or macOS's own") {
		t.Errorf("replay: no notice:\n%s", errOut)
	}
}

// TestAnArchiveIsNoMessage: the queue as the customer sent it, zipped.
// scan reports the archive (exit 4: not read as a message), show refuses
// it as it refuses a folder (exit 2), each saying to extract a copy.
func TestAnArchiveIsNoMessage(t *testing.T) {
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "TempIMS.zip")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("TempIMS/IN/HBWK2Q2P")
	w.Write([]byte("From: a@example.org\r\nTo: b@example.org\r\n\r\nx\r\n"))
	zw.Close()
	if err := os.WriteFile(zipPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", "scan", zipPath)
	if code != exitPartial || !strings.Contains(out, "zip archive, not a message") || !strings.Contains(out, "extract") || strings.Contains(out, "no-message") {
		t.Errorf("scan: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "", "show", zipPath)
	if code != exitUsage || !strings.Contains(errOut, "is a zip archive, not a message: extract a copy") || out != "" {
		t.Errorf("show: exit %d\n%s\n%s", code, out, errOut)
	}
}
