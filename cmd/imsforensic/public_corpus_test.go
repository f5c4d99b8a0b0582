package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// publicSuites are folders of real-world and deliberately broken messages
// from public parser test suites: CPython's email package tests and
// enmime's (good mail, low-quality mail, broken parts). They are found in
// the Python installation and fetched through the Go module proxy.
func publicSuites(t *testing.T) []string {
	t.Helper()
	var dirs []string
	out, err := exec.Command("python3", "-c", "import os, test.test_email as m; print(os.path.join(os.path.dirname(m.__file__), 'data'))").Output()
	if err != nil {
		t.Fatalf("CPython's email test data not found (python3 with its test package is needed; scripts/test.sh checks it): %v", err)
	}
	dirs = append(dirs, strings.TrimSpace(string(out)))
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/jhillyerd/enmime@v1.3.0")
	cmd.Dir = t.TempDir() // outside this module: go.mod is not touched
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go mod download enmime (its testdata is a public corpus of broken mail; the module proxy must be reachable): %v", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download: %v %s", err, out)
	}
	return append(dirs, filepath.Join(mod.Dir, "testdata"))
}

// TestScanPublicParserSuites points scan at hundreds of real-world and
// deliberately broken messages: one valid JSON line per file, no crash.
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
	if len(lines) != files {
		t.Errorf("%d JSON lines for %d files (stderr: %s)", len(lines), files, errOut)
	}
	rules := map[string]int{}
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
	}
	t.Logf("%d files from %d public suites; findings by rule: %v", files, len(dirs), rules)
}
