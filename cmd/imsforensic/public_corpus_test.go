package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// publicSuites is the labelled corpus of public parser test suites kept
// in the tree (rules/testdata/suites: CPython's email tests, enmime,
// mime4j, MIME-tools, MimeKit, mailparser; its MANIFEST names each file's
// source, commit and licence). rules.TestPublicSuites measures detection
// on it; here scan must read every file.
func publicSuites(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "rules", "testdata", "suites")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(dir, e.Name()))
		}
	}
	return dirs
}

// TestScanPublicParserSuites points scan at hundreds of real-world and
// deliberately broken messages: valid JSON lines for every file, no crash.
func TestScanPublicParserSuites(t *testing.T) {
	// Plus our own deliberately broken messages: one that fires each rule
	// and its near-miss, and the parser's format samples.
	dirs := append(publicSuites(t), filepath.Join("..", "..", "rules", "testdata", "kb"), filepath.Join("..", "..", "parse", "testdata"))
	files := 0
	for _, d := range dirs {
		_ = filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() {
				files++
			}
			return nil
		})
	}
	if files < 300 {
		t.Fatalf("only %d files in %v", files, dirs)
	}
	out, errOut, code := runCLI(t, "", append([]string{"scan", "--format", "json"}, dirs...)...)
	if code != exitOK && code != exitPartial {
		t.Fatalf("scan: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	rules, paths := map[string]int{}, map[string]bool{}
	for _, l := range lines {
		var rec struct {
			Type     string `json:"type"`
			Path     string `json:"path"`
			Findings []struct {
				Rule string `json:"rule"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Type != "message" || rec.Path == "" {
			t.Fatalf("invalid record %.120q: %v", l, err)
		}
		for _, f := range rec.Findings {
			rules[f.Rule]++
		}
		paths[rec.Path] = true
	}
	// One record per file, or per message of an mbox file
	// (parse/testdata/mbox).
	if len(paths) != files {
		t.Errorf("%d files in %d JSON lines for %d files (stderr: %s)", len(paths), len(lines), files, errOut)
	}
	t.Logf("%d files from %d public suites; findings by rule: %v", files, len(dirs), rules)
}
