//go:build linux

package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// syncStep makes durable the contents and inodes of contents, the names
// in dirs and the link counts of linked (unnamed files just linked: a
// folder fsync alone would not write their inodes on ext4 without a
// journal) with one syncfs(2) per folder involved, in practice one file
// system, instead of one fsync per file and folder. On ext4 without a
// journal, as on this project's benchmark machine, each fsync writes its
// inode's table block and its folder synchronously and concurrent fsyncs
// queue on the same blocks; syncfs writes each dirty block once. Since
// Linux 5.8 syncfs reports a writeback error of any file of the file
// system; on an error the folder's files and the folder are fsynced one
// by one, so that only what really failed fails. extra (a checkpoint) is
// made durable by the syncfs of its folder's file system, or fsynced; its
// error is not reported (a checkpoint that did not reach the disk is only
// older than it could be).
//
// QUIRK: syncfs also writes back other programs' dirty data on the same
// file system, so a step waits for it too: a sink store should not share
// its file system with a heavy writer.
func syncStep(contents, linked []*Staged, dirs []string, extra *os.File) ([]error, error) {
	type group struct {
		contents []*Staged
		at       []int // contents' indexes
		linked   []*Staged
		names    bool
	}
	groups := map[string]*group{}
	var order []string
	get := func(d string) *group {
		g := groups[d]
		if g == nil {
			g = &group{}
			groups[d] = g
			order = append(order, d)
		}
		return g
	}
	for i, s := range contents {
		g := get(s.dir)
		g.contents, g.at = append(g.contents, s), append(g.at, i)
	}
	for _, s := range linked {
		g := get(filepath.Dir(s.dest))
		g.linked = append(g.linked, s)
	}
	for _, d := range dirs {
		get(d).names = true
	}
	var extraDir string
	if extra != nil {
		extraDir = filepath.Dir(extra.Name())
		get(extraDir)
	}
	cerrs := make([]error, len(contents))
	var nerrs []error
	for _, d := range order {
		g := groups[d]
		var f *os.File
		switch {
		case len(g.contents) > 0:
			f = g.contents[0].f
		case len(g.linked) > 0:
			f = g.linked[0].f
		case d == extraDir:
			f = extra
		}
		if syncfsIn(d, f) == nil {
			continue
		}
		if d == extraDir {
			extra.Sync()
		}
		for j, err := range fsyncEach(g.contents) {
			cerrs[g.at[j]] = err
		}
		if g.names {
			nerrs = append(append(nerrs, fsyncEach(g.linked)...), SyncDir(d))
		}
	}
	return cerrs, errors.Join(nerrs...)
}

// syncfsIn runs syncfs on f, or on dir when f is nil.
func syncfsIn(dir string, f *os.File) error {
	if f == nil {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		defer d.Close()
		f = d
	}
	return syncfs(f)
}

func syncfs(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Syncfs(int(fd)) }); err != nil {
		return err
	}
	return serr
}

// procFD is where an unnamed file is found to be linked where linkat's
// AT_EMPTY_PATH is refused (ENOENT: kernels that ask for
// CAP_DAC_READ_SEARCH; this one allows it to an unprivileged user too).
// AT_EMPTY_PATH is tried first: it saves the path lookup in /proc, a fifth
// of linkat's time in the sink's profile.
const procFD = "/proc/self/fd/"

// emptyPathRefused is set once AT_EMPTY_PATH was refused (ENOENT without
// the capability) where the /proc path worked.
var emptyPathRefused atomic.Bool

var haveProcFD = sync.OnceValue(func() bool {
	_, err := os.Stat(procFD + "0")
	return err == nil
})

// openUnnamed creates an unnamed file in dir (O_TMPFILE), or returns nil
// where that cannot be done or linked later (no O_TMPFILE support in the
// file system, no /proc); the caller then uses a temporary name, which
// also reports a real error (a missing folder) in its own words.
func openUnnamed(dir string, perm fs.FileMode) *os.File {
	if !haveProcFD() {
		return nil
	}
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(fd), dir)
}

// linkUnnamed gives an unnamed file its name; it fails with fs.ErrExist
// when the name exists (link never replaces).
func linkUnnamed(f *os.File, path string) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		if !emptyPathRefused.Load() {
			lerr = unix.Linkat(int(fd), "", unix.AT_FDCWD, path, unix.AT_EMPTY_PATH)
			if !errors.Is(lerr, unix.ENOENT) {
				return
			}
		}
		perr := unix.Linkat(unix.AT_FDCWD, procFD+strconv.Itoa(int(fd)), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
		if lerr != nil && perr == nil {
			emptyPathRefused.Store(true)
		}
		lerr = perr
	}); err != nil {
		return err
	}
	if errors.Is(lerr, unix.EEXIST) {
		return fs.ErrExist
	}
	if lerr != nil {
		return fmt.Errorf("linkat: %w", lerr)
	}
	return nil
}
