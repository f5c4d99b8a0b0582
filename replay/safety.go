package replay

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/model"
)

// The replay's share of the safety promise (DESIGN.md section 4) that does
// not belong to one target: outputs outside the evidence, what "selected
// by name" means for --include-suspects, and the --queue-dat policy. It
// lives here, not in the command, so a program calling Run gets it too.

// QueueDatRename is the one --queue-dat policy besides the default
// (refuse while Queue.dat exists): rename it to Queue.old (KB Q312443).
// Queue.dat is never deleted.
const QueueDatRename = "rename"

// CheckQueueDat validates a --queue-dat policy for a target scheme.
func CheckQueueDat(scheme, policy string) error {
	switch {
	case policy == "":
		return nil
	case policy != QueueDatRename:
		return fmt.Errorf("%w: --queue-dat: the only value is 'rename' (Queue.dat is never deleted)", ErrBadTarget)
	case scheme != SchemeImcdata:
		return fmt.Errorf("%w: --queue-dat applies to imcdata: targets only", ErrBadTarget)
	}
	return nil
}

// outputDirs is implemented by targets that write into folders: every
// folder they create files in (the target, its IN/OUT, the temporary
// folder).
type outputDirs interface{ outputDirs() []string }

func (f *folder) outputDirs() []string { return []string{f.dir, f.tmpDir} }

// tempDir is the folder target's temporary folder, which identifies its
// lock (targetLocks).
func (f *folder) tempDir() string { return f.tmpDir }

func (t *ImcdataTarget) outputDirs() []string {
	out := t.folder.outputDirs()
	for _, q := range []string{model.QueueIN, model.QueueOUT} {
		name := q
		if found, err := findFold(t.dir, q); err == nil && found != "" {
			name = found
		}
		out = append(out, filepath.Join(t.dir, name))
	}
	return out
}

// evidenceOf is what Run protects: the Sources the caller named and every
// message file; with no Sources, each message's queue folder too (a
// library caller that did not say which folders it read).
func evidenceOf(msgs []*model.Message, sources []string) *guard.Inputs {
	paths := make([]string, 0, len(msgs))
	for _, m := range msgs {
		paths = append(paths, m.Path)
	}
	if len(sources) == 0 {
		in := &guard.Inputs{}
		in.AddQueueFiles(paths...)
		return in
	}
	in := guard.New(sources...)
	in.AddFiles(paths...)
	return in
}

// checkOutputs refuses a target folder or journal among the evidence.
func checkOutputs(in *guard.Inputs, t Target, journal string) error {
	if od, ok := t.(outputDirs); ok {
		for _, d := range od.outputDirs() {
			if err := in.Check("the target folder", d); err != nil {
				return fmt.Errorf("replay to %s: %w", t, err)
			}
		}
	}
	if err := in.Check("the journal", journal); err != nil {
		return fmt.Errorf("replay: %w (give --journal elsewhere)", err)
	}
	return nil
}

// selectedByName is the list namedIn compares with: the Sources that are
// files (named as arguments or in --files-from) and the names the caller
// adds (--select name= and path= terms).
func selectedByName(sources, named []string) []string {
	out := append([]string(nil), named...)
	for _, p := range sources {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}
