//go:build !linux

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
)

// syncStep fsyncs the files of contents and extra (a checkpoint, whose
// error only makes it older), the calls issued together, then each folder
// of dirs once. (linked is always empty here: see openUnnamed.)
func syncStep(contents, linked []*Staged, dirs []string, extra *os.File) ([]error, error) {
	done := make(chan struct{})
	go func() {
		if extra != nil {
			extra.Sync()
		}
		close(done)
	}()
	cerrs := fsyncEach(contents)
	nerrs := fsyncEach(linked)
	for _, d := range dirs {
		nerrs = append(nerrs, SyncDir(d))
	}
	<-done
	return cerrs, errors.Join(nerrs...)
}

// Unnamed files are Linux's (O_TMPFILE): elsewhere Stage always names its
// temporary file.
func openUnnamed(string, fs.FileMode) *os.File { return nil }

func linkUnnamed(*os.File, string) error {
	return errors.New("atomicfile: unnamed files are Linux only")
}
