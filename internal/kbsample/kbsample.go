// Package kbsample lists the rules package's test messages
// (rules/testdata/kb/<rule>/fire-*.eml and near-*.eml, a firing sample and
// a near miss for every KB rule, and the public parser suites), so the
// packages that transform messages (repair, redact) test over the same
// set the rules are proven on.
package kbsample

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// Sample is one test message.
type Sample struct {
	Rule, Name, Path string
	Fire             bool // a fire-* sample: Rule must fire on it
}

// All returns every sample under root (the module root, relative to the
// test's package folder: ".." for a top-level package).
func All(t testing.TB, root string) []Sample {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "rules", "testdata", "kb", "*", "*.eml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no KB samples under %s: %v", root, err)
	}
	var out []Sample
	for _, p := range paths {
		name := filepath.Base(p)
		out = append(out, Sample{Rule: filepath.Base(filepath.Dir(p)), Name: name, Path: p, Fire: strings.HasPrefix(name, "fire-")})
	}
	return out
}

// Queue follows the rules tests' convention: *-out-* samples are
// outbound, the rest are read as files outside any queue.
func (s Sample) Queue() string {
	if strings.Contains(s.Name, "-out-") {
		return model.QueueOUT
	}
	return model.QueueNone
}

// Suites returns the files of the public parser suites under
// root/rules/testdata/suites (real messages from CPython, enmime, mime4j,
// MimeKit, MIME-tools and mailparser; see its MANIFEST), the MANIFEST aside.
func Suites(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, "rules", "testdata", "suites"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && d.Name() != "MANIFEST" {
			out = append(out, p)
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no suite files under %s: %v", root, err)
	}
	return out
}
