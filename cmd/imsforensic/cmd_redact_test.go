package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imsforensic/imsforensic/model"
)

// TestRedactCommand runs redact over the sample TempIMS: one record per
// input, copies of the same length under --out, the same rules firing on
// them, the mapping only in --map, deterministic under --key, inputs
// untouched, and --map inside --out refused.
func TestRedactCommand(t *testing.T) {
	dir := sampleCopy(t)
	tmp := t.TempDir()
	out, mapFile := filepath.Join(tmp, "shared"), filepath.Join(tmp, "private", "map.jsonl")
	if err := os.MkdirAll(filepath.Dir(mapFile), 0o700); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	stdout, stderr, code := runCLI(t, "", "redact", "--format", "json", "--key", "k", "--map", mapFile, dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := jsonLines[model.RedactRecord](t, stdout)
	if len(recs) != 8 {
		t.Fatalf("%d records, want 8", len(recs))
	}
	for _, r := range recs {
		if r.Type != "redact" || r.Status != model.RedactRedacted || r.Out == "" {
			t.Errorf("%s: %+v", r.Path, r)
			continue
		}
		a, _ := os.ReadFile(r.Path)
		b, _ := os.ReadFile(r.Out)
		if len(a) != len(b) || len(a) > 0 && string(a) == string(b) {
			t.Errorf("%s: copy of %d bytes (original %d), identical=%v", r.Path, len(b), len(a), string(a) == string(b))
		}
	}
	// The same rules fire on the copies as on the originals.
	rulesOf := func(path string) map[string]string {
		s, _, _ := runCLI(t, "", "scan", "--format", "json", path)
		got := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			var m struct {
				Name     string
				Queue    string
				Findings []struct{ Rule string }
			}
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range m.Findings {
				ids = append(ids, f.Rule)
			}
			got[m.Queue+"/"+m.Name] = strings.Join(ids, " ")
		}
		return got
	}
	if a, b := rulesOf(dir), rulesOf(out); !cmp.Equal(a, b) {
		t.Errorf("rules differ on the copies: %s", cmp.Diff(a, b))
	}
	m, err := os.ReadFile(mapFile)
	if err != nil || !strings.Contains(string(m), `"type":"redact-map"`) {
		t.Errorf("map file: %v %.200s", err, m)
	}
	if after := snapshot(t, dir); !cmp.Equal(before, after) {
		t.Errorf("inputs changed: %s", cmp.Diff(before, after))
	}
	// A second run under the same key finds the same copies.
	if _, stderr, code := runCLI(t, "", "redact", "--key", "k", dir, "--out", out); code != 0 {
		t.Errorf("second run: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "redact", "--map", filepath.Join(out, "m.jsonl"), dir, "--out", out); code != exitUsage || !strings.Contains(stderr, "--map") {
		t.Errorf("--map inside --out: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "redact", dir, "--out", filepath.Join(dir, "OUT", "x")); code != exitUsage || !strings.Contains(stderr, "inside the input folder") {
		t.Errorf("--out inside the input: exit %d, %s", code, stderr)
	}
}

// TestRedactMapFolderIsMade: --map in a folder that does not exist yet
// (the README's D:\private\map.jsonl) is written there, as --out is made.
func TestRedactMapFolderIsMade(t *testing.T) {
	dir := sampleCopy(t)
	tmp := t.TempDir()
	mapFile := filepath.Join(tmp, "private", "map.jsonl")
	if _, stderr, code := runCLI(t, "", "redact", "--map", mapFile, dir, "--out", filepath.Join(tmp, "shared")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(mapFile); err != nil || !strings.Contains(string(b), `"type":"redact-map"`) {
		t.Errorf("map %s: %v, %.80q", mapFile, err, b)
	}
}

// TestRedactKeyFile: --key-file gives the same copies as --key with the
// same secret; both at once is a usage error.
func TestRedactKeyFile(t *testing.T) {
	dir := sampleCopy(t)
	tmp := t.TempDir()
	key := filepath.Join(tmp, "key.txt")
	if err := os.WriteFile(key, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	if _, stderr, code := runCLI(t, "", "redact", "--key", "s3cret", dir, "--out", a); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runCLI(t, "", "redact", "--key-file", key, dir, "--out", b); code != 0 {
		t.Fatal(stderr)
	}
	x, _ := os.ReadFile(filepath.Join(a, "IN", "NQ1NQYQK"))
	y, _ := os.ReadFile(filepath.Join(b, "IN", "NQ1NQYQK"))
	if len(x) == 0 || string(x) != string(y) {
		t.Errorf("--key and --key-file with one secret give different copies")
	}
	if _, _, code := runCLI(t, "", "redact", "--key", "k", "--key-file", key, dir, "--out", a); code != exitUsage {
		t.Errorf("--key with --key-file: exit %d, want %d", code, exitUsage)
	}
}
