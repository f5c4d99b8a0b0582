package guard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrInsideEvidence is wrapped by every refusal of Check.
var ErrInsideEvidence = errors.New("output inside the evidence")

// Inputs is the evidence a command reads: files and folders. The zero
// value (and nil) holds nothing. It is safe for concurrent use.
type Inputs struct {
	mu    sync.Mutex
	dirs  []entry
	files []entry
}

type entry struct {
	path string
	info fs.FileInfo // nil until stat'ed (files are stat'ed on first need)
}

// New returns the Inputs of paths (files or folders; symbolic links are
// followed, as the readers follow a named path). Paths that do not exist
// hold nothing to protect and are left out.
func New(paths ...string) *Inputs {
	in := &Inputs{}
	in.Add(paths...)
	return in
}

// Add adds paths to the inputs.
func (in *Inputs) Add(paths ...string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		abs := absPath(p)
		if st.IsDir() {
			in.dirs = append(in.dirs, entry{abs, st})
		} else {
			in.files = append(in.files, entry{abs, st})
		}
	}
}

// AddFiles adds input files without stat'ing them now: a replay of 100,000
// messages adds each one, and only an output that already exists is
// compared with them.
func (in *Inputs) AddFiles(paths ...string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range paths {
		in.files = append(in.files, entry{path: absPath(p)})
	}
}

// Dirs returns the input folders, absolute.
func (in *Inputs) Dirs() []string {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]string, len(in.dirs))
	for i, d := range in.dirs {
		out[i] = d.path
	}
	return out
}

// Check returns nil when out (a file or folder to be written, which need
// not exist yet) is neither an input file nor inside an input folder (nor
// the folder itself). Otherwise it returns an error wrapping
// ErrInsideEvidence that names what (the flag or role of the output, such
// as "--html" or "the journal") and the input it would touch.
func (in *Inputs) Check(what, out string) error {
	if in == nil || out == "" {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	abs := absPath(out)
	first := true
	for p := abs; ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil {
			for _, d := range in.dirs {
				if os.SameFile(st, d.info) {
					if first {
						return fmt.Errorf("%w: %s %s is the input folder %s: write it outside the evidence", ErrInsideEvidence, what, out, d.path)
					}
					return fmt.Errorf("%w: %s %s is inside the input folder %s: write it outside the evidence", ErrInsideEvidence, what, out, d.path)
				}
			}
			if first && !st.IsDir() {
				if f := in.sameFile(st); f != "" {
					return fmt.Errorf("%w: %s %s is the input file %s: write it elsewhere", ErrInsideEvidence, what, out, f)
				}
			}
		}
		first = false
		if parent := filepath.Dir(p); parent == p {
			return nil
		}
	}
}

// sameFile returns the input file that is st, stat'ing lazily added files.
func (in *Inputs) sameFile(st fs.FileInfo) string {
	for i := range in.files {
		f := &in.files[i]
		if f.info == nil {
			fi, err := os.Stat(f.path)
			if err != nil {
				continue
			}
			f.info = fi
		}
		if os.SameFile(st, f.info) {
			return f.path
		}
	}
	return ""
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// AddQueueFiles adds message files (lazily, as AddFiles) and the folder
// that holds each one's queue: the parent of IN, OUT, their Archive
// subfolders or Pickup (the TempIMS or Imcdata folder), else the file's
// own folder. It is for library callers that hand replay or bisect parsed
// messages without naming the folders they read: those folders are
// protected as if they had been named.
func (in *Inputs) AddQueueFiles(paths ...string) {
	in.AddFiles(paths...)
	seen := map[string]bool{}
	var dirs []string
	for _, p := range paths {
		d := queueRoot(filepath.Dir(absPath(p)))
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	in.Add(dirs...)
}

// AddNamed adds the inputs as a user names them, before any is read: each
// path, and the queue folder each belongs to (a file of IN, or the folder
// IN itself, protects the folder that holds IN, as AddQueueFiles protects
// the queue folder of each message read).
func (in *Inputs) AddNamed(paths ...string) {
	in.Add(paths...)
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.IsDir() {
			in.Add(queueRoot(absPath(p)))
		} else {
			in.Add(queueRoot(filepath.Dir(absPath(p))))
		}
	}
}

// queueRoot climbs from a message's folder to the folder of its queue.
func queueRoot(dir string) string {
	if strings.EqualFold(filepath.Base(dir), "Archive") {
		dir = filepath.Dir(dir)
	}
	switch strings.ToUpper(filepath.Base(dir)) {
	case "IN", "OUT", "PICKUP":
		return filepath.Dir(dir)
	}
	return dir
}
