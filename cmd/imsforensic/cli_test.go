package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// runCLI runs the command line in-process with buffers, as main would,
// and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runCLIGlobals(&globals{stdin: strings.NewReader(stdin)}, args...)
}

// runCLIGlobals is runCLI with g's settings (its stdout and stderr are
// replaced by buffers).
func runCLIGlobals(g *globals, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	g.stdout, g.stderr = &out, &errb
	ctx := context.Background()
	err := run(ctx, g, args)
	code := exitCode(ctx, err)
	if err != nil && code != exitFindings {
		printExitError(g, err)
	}
	return out.String(), errb.String(), code
}

// sampleCopy copies the committed sample TempIMS to a temporary folder with
// fixed file times, so golden output does not depend on the checkout.
func sampleCopy(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "TempIMS")
	copyTreeTimes(t, filepath.Join("..", "..", "testdata", "sample-tempims"), dst)
	return dst
}

// golden compares got with testdata/golden/name, after replacing the
// temporary folder with a fixed token; -update rewrites the file.
func golden(t *testing.T, name, got, tmp string) {
	t.Helper()
	got = strings.ReplaceAll(got, filepath.ToSlash(tmp), "$SAMPLE")
	got = strings.ReplaceAll(got, tmp, "$SAMPLE")
	got = unixPaths(got, tmp)
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, d)
	}
}

func TestScanGolden(t *testing.T) {
	dir := sampleCopy(t)
	for _, f := range []string{"json", "table", "csv"} {
		out, errOut, code := runCLI(t, "", "scan", "--format", f, dir)
		if code != exitOK {
			t.Fatalf("scan --format %s: exit %d, stderr %s", f, code, errOut)
		}
		golden(t, "scan."+f, out, dir)
	}
}

func TestShowGolden(t *testing.T) {
	dir := sampleCopy(t)
	for _, f := range []string{"table", "json"} {
		out, errOut, code := runCLI(t, "", "show", "--format", f, filepath.Join(dir, "IN", "NQ1NQYQK"))
		if code != exitOK {
			t.Fatalf("show: exit %d, stderr %s", code, errOut)
		}
		golden(t, "show-NQ1NQYQK."+f, out, dir)
	}
}

func TestScanJSONHasOneRecordPerFile(t *testing.T) {
	dir := sampleCopy(t)
	out, _, _ := runCLI(t, "", "scan", "--format", "json", dir)
	var n int
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n++
		}
		return nil
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != n {
		t.Errorf("%d JSON lines for %d files", len(lines), n)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, `{"type":"message","schema":1,`) {
			t.Errorf("record does not start with type and schema: %.80s", l)
		}
	}
}

func TestExitCodes(t *testing.T) {
	dir := sampleCopy(t)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"unknown flag", []string{"scan", "--frob", dir}, exitUsage},
		{"unknown format", []string{"scan", "--format", "xml", dir}, exitUsage},
		{"bad select", []string{"scan", "--select", "size >", dir}, exitUsage},
		{"bad fail-on", []string{"scan", "--fail-on", "doom", dir}, exitUsage},
		{"missing input", []string{"scan", filepath.Join(dir, "nope")}, exitPartial},
		{"fail-on stall matches", []string{"scan", "--fail-on", "stall", dir}, exitFindings},
		{"select then nothing to fail on", []string{"scan", "--fail-on", "stall", "--select", "queue=OUT and class<risk", dir}, exitOK},
		{"version", []string{"--version"}, exitOK},
		{"help", []string{"scan", "--help"}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.want, errOut)
			}
		})
	}
}

func TestScanDoesNotWriteInputs(t *testing.T) {
	dir := sampleCopy(t)
	before := snapshot(t, dir)
	runCLI(t, "", "scan", "--format", "json", dir)
	runCLI(t, "", "show", filepath.Join(dir, "IN", "HBWK2Q2P"))
	if after := snapshot(t, dir); !cmp.Equal(before, after) {
		t.Errorf("inputs changed: %s", cmp.Diff(before, after))
	}
}

// snapshot maps every file under dir to its size, mtime and content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		var b []byte
		if info.Mode().IsRegular() {
			f, _ := os.Open(p)
			b, _ = io.ReadAll(f)
			f.Close()
		}
		m[p] = info.Mode().String() + info.ModTime().String() + string(b)
		return nil
	})
	return m
}
