package bisect_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/imsforensic/imsforensic/internal/testqueue"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/replay/bisect"
)

// TestProbeQuotesTheFolder runs a probe through the platform's shell (sh
// -c, cmd /C on Windows) with {} in a folder whose name holds a space, a
// quote and an ampersand: the probe must get the folder as one argument,
// as it is. The probe is this test binary (TestProbeChild), so the same
// probe runs on every platform. On Windows the folder reached cmd.exe as
// \"C:\...\" and every round "crashed" with exit status 9009 (cmd's
// "not a command") until shellCommand passed the line as written.
func TestProbeQuotesTheFolder(t *testing.T) {
	dir := t.TempDir()
	want := testqueue.Write(t, dir, 12, 5)
	ms, err := inventory.Scan(context.Background(), []string{dir}, inventory.Options{Slim: true})
	if err != nil {
		t.Fatal(err)
	}
	rounds := filepath.Join(t.TempDir(), "R&D's rounds")
	if err := os.Mkdir(rounds, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := os.Args[0]
	if runtime.GOOS == "windows" {
		exe = `"` + exe + `"`
	} else {
		exe = "'" + exe + "'"
	}
	t.Setenv("IMSF_BISECT_PROBE_CHILD", "1")
	var out bytes.Buffer
	p, err := bisect.NewProbeTester(exe + " -test.run=TestProbeChild {}")
	if err != nil {
		t.Fatal(err)
	}
	p.TempDir, p.Output = rounds, &out
	res, err := bisect.Find(context.Background(), ms, p, nil, bisect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(res.Culprits); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("found %v, want %v; the probe said:\n%s", got, want, out.String())
	}
}

// TestProbeChild is TestProbeQuotesTheFolder's probe, not a test of its
// own: run by the shell with the round's folder as its one argument, it
// exits 1 when a file there holds a blank charset (the culprits
// testqueue writes), 0 when none does, 2 when the folder is not one.
func TestProbeChild(t *testing.T) {
	if os.Getenv("IMSF_BISECT_PROBE_CHILD") != "1" {
		t.Skip("the probe of TestProbeQuotesTheFolder, run only by it")
	}
	if flag.NArg() != 1 {
		fmt.Printf("probe: %d arguments %q, want the folder alone\n", flag.NArg(), flag.Args())
		os.Exit(2)
	}
	crash := false
	err := filepath.WalkDir(flag.Arg(0), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		crash = crash || bytes.Contains(b, []byte(`charset=""`))
		return err
	})
	if err != nil {
		fmt.Printf("probe: %v\n", err)
		os.Exit(2)
	}
	if crash {
		os.Exit(1)
	}
	os.Exit(0)
}
