package guard

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestCheck(t *testing.T) {
	root := t.TempDir()
	ev := filepath.Join(root, "TempIMS")
	mk := func(p string) string {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spool := mk(filepath.Join(ev, "IN", "KPFYCMQB"))
	single := mk(filepath.Join(root, "elsewhere", "one.eml"))
	in := New(ev, single, filepath.Join(root, "missing"))

	refused := map[string]string{
		"the folder itself":        ev,
		"a new file in it":         filepath.Join(ev, "report.html"),
		"deep and not yet there":   filepath.Join(ev, "IN", "new", "x", "journal.jsonl"),
		"a spool file":             spool,
		"dot-dot spelling":         filepath.Join(ev, "IN", "..", "OUT", "r.html"),
		"a named input file":       single,
		"a temp folder inside":     filepath.Join(ev, ".imsforensic-tmp"),
		"relative from inside (.)": filepath.Join(ev, "IN", "."),
	}
	if runtime.GOOS != "windows" {
		link := filepath.Join(root, "link")
		if err := os.Symlink(ev, link); err != nil {
			t.Fatal(err)
		}
		refused["through a symbolic link"] = filepath.Join(link, "IN", "r.html")
	}
	for why, p := range refused {
		if err := in.Check("--html", p); !errors.Is(err, ErrInsideEvidence) {
			t.Errorf("%s (%s): Check = %v, want ErrInsideEvidence", why, p, err)
		}
	}
	for why, p := range map[string]string{
		"beside the evidence":      filepath.Join(root, "report.html"),
		"the parent (holds it)":    root,
		"beside the single file":   filepath.Join(root, "elsewhere", "report.html"),
		"a name that starts alike": filepath.Join(root, "TempIMS-report.html"),
		"an empty output":          "",
	} {
		if err := in.Check("--html", p); err != nil {
			t.Errorf("%s (%s): Check = %v, want nil", why, p, err)
		}
	}
	var none *Inputs
	if err := none.Check("--html", spool); err != nil {
		t.Errorf("nil Inputs: %v", err)
	}
	lazy := &Inputs{}
	lazy.AddFiles(spool)
	if err := lazy.Check("the journal", spool); !errors.Is(err, ErrInsideEvidence) {
		t.Errorf("AddFiles: Check = %v, want ErrInsideEvidence", err)
	}
}

func TestAddQueueFilesProtectsTheQueueFolder(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "TempIMS", "IN", "Archive", "X")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	in := &Inputs{}
	in.AddQueueFiles(p)
	if err := in.Check("the target folder", filepath.Join(root, "TempIMS", "OUT")); !errors.Is(err, ErrInsideEvidence) {
		t.Fatalf("Check = %v, want the TempIMS folder protected", err)
	}
	if err := in.Check("the target folder", filepath.Join(root, "Pickup")); err != nil {
		t.Fatalf("Check beside TempIMS = %v", err)
	}
}

// AddNamed protects what AddQueueFiles would once the messages are read:
// a named spool folder or spool file protects the folder holding its
// queue; a named queue folder protects itself, not its parent.
func TestAddNamedProtectsTheQueueFolderOfWhatIsNamed(t *testing.T) {
	root := t.TempDir()
	spool := filepath.Join(root, "TempIMS", "IN", "X")
	if err := os.MkdirAll(filepath.Dir(spool), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spool, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	beside := filepath.Join(root, "TempIMS", "fixed")
	for _, named := range []string{filepath.Join(root, "TempIMS"), filepath.Join(root, "TempIMS", "IN"), spool, filepath.Join(root, "TempIMS", "in")} {
		in := &Inputs{}
		in.AddNamed(named)
		err := in.Check("--out", beside)
		if _, serr := os.Stat(named); serr != nil {
			// "in": not there on a case-sensitive file system: nothing named.
			if err != nil {
				t.Errorf("named %s (absent): Check = %v, want nothing protected", named, err)
			}
			continue
		}
		if !errors.Is(err, ErrInsideEvidence) {
			t.Errorf("named %s: Check(%s) = %v, want the TempIMS folder protected", named, beside, err)
		}
		if err := in.Check("--out", filepath.Join(root, "Repaired")); err != nil {
			t.Errorf("named %s: Check beside TempIMS = %v", named, err)
		}
	}
}
