package imsforensic

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMapsMatchTheTree: every package folder of the module is named in
// doc.go's map and in HACKING.md's Layout diagram, and neither names a
// folder that is gone, so the two documents describe the tree as it is.
func TestMapsMatchTheTree(t *testing.T) {
	pkgs := map[string]bool{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") && filepath.Dir(p) != "." {
			pkgs[filepath.ToSlash(filepath.Dir(p))] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	hacking, err := os.ReadFile("HACKING.md")
	if err != nil {
		t.Fatal(err)
	}
	// The diagram is the first fenced block of the Layout section.
	layout := string(hacking)
	i := strings.Index(layout, "## Layout")
	if i < 0 {
		t.Fatal("HACKING.md has no Layout section")
	}
	parts := strings.SplitN(layout[i:], "```", 3)
	if len(parts) < 3 {
		t.Fatal("HACKING.md's Layout section has no diagram")
	}
	layout = parts[1]
	// A package is named by its path at the start of a line, or as one of
	// "a, b" there; "bench, bench/..." names bench's programs.
	named := func(text, prefix string) map[string]bool {
		out := map[string]bool{}
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(prefix) + `\s*((?:[a-z0-9/]+(?:/\.\.\.)?,\s*)*[a-z0-9/]+(?:/\.\.\.)?)\s`)
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			for _, p := range strings.Split(m[1], ",") {
				out[strings.TrimSpace(p)] = true
			}
		}
		return out
	}
	for name, in := range map[string]map[string]bool{"doc.go": named(string(doc), "//\t"), "HACKING.md": named(layout, "")} {
		for p := range pkgs {
			if !in[p] && !(strings.HasPrefix(p, "bench/") && in["bench/..."]) {
				t.Errorf("%s does not name the package %s", name, p)
			}
		}
		for p := range in {
			if !pkgs[p] && p != "bench/..." && p != "bench" {
				t.Errorf("%s names %s, which is not a package of the tree", name, p)
			}
		}
	}
}
