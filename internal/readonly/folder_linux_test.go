package readonly

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openOutcome is what a caller sees of an open and a read to the end:
// the error text, or the bytes, the information and the status flags.
func openOutcome(t *testing.T, f *File, err error) string {
	t.Helper()
	if err != nil {
		return "error: " + err.Error()
	}
	defer f.Close()
	flags, ferr := unix.FcntlInt(uintptr(f.h.fd), unix.F_GETFL, 0)
	if ferr != nil {
		t.Fatal(ferr)
	}
	b, rerr := f.ReadAll(nil)
	fi, _ := f.Stat()
	return fmt.Sprintf("%q %v name=%s size=%d mode=%v mtime=%v flags=%#x path=%s", b, rerr, fi.Name(), fi.Size(), fi.Mode(), fi.ModTime(), flags&^unix.O_LARGEFILE, f.Name())
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// TestFolderOpenIsOpen holds Folder.Open to Open on every kind of path a
// walk or a user gives: files of two folders in turn (the descriptor
// changes folder), a FIFO (not blocked on), a folder, links (to a file,
// dangling, through a linked folder), missing files and folders, a file
// under a file, names "." and "..", a trailing slash, relative paths, and
// a path of PATH_MAX bytes or more (refused by open(2) with ENAMETOOLONG,
// which a relative open of its name would not be). No descriptor is left
// open after Close.
func TestFolderOpenIsOpen(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"IN", "OUT", "IN/sub"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("IN/a", "first")
	write("IN/b", "")
	write("OUT/c", "third\r\n")
	write("top", "top")
	if err := syscall.Mkfifo(filepath.Join(root, "IN/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"IN/link": "a", "IN/dangling": "nowhere", "linked": "IN", "IN/loop": "loop"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	// Paths of PATH_MAX bytes or more: folders of 100-byte names made one
	// inside the other by descriptor; in one whose path is shorter than
	// PATH_MAX a file whose name takes the whole path past it, in the
	// deepest (its path past PATH_MAX) a file "deep".
	long, longName := root, ""
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	put := func(fd int, name string) {
		wfd, err := unix.Openat(fd, name, unix.O_WRONLY|unix.O_CREAT, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		unix.Write(wfd, []byte(name[:4]))
		unix.Close(wfd)
	}
	seg := strings.Repeat("d", 100)
	for len(long) < pathMax+300 {
		if longName == "" && len(long)+1+100+1+110 > pathMax {
			longName = strings.Repeat("n", pathMax+10-len(long)-1)
			put(fd, longName)
			longName = long + "/" + longName
		}
		if err := unix.Mkdirat(fd, seg, 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, seg, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd, long = next, long+"/"+seg
	}
	put(fd, "deep")
	unix.Close(fd)
	if len(longName) < pathMax || len(filepath.Dir(longName)) >= pathMax || len(filepath.Base(longName)) > 255 {
		t.Fatalf("the long name's path has %d bytes, its folder's %d: not the case meant", len(longName), len(filepath.Dir(longName)))
	}

	var paths []string
	for _, p := range []string{"IN/a", "IN/b", "OUT/c", "IN/a", "IN/fifo", "IN/sub", "IN/link", "IN/dangling", "IN/loop", "linked/a", "linked/b",
		"IN/missing", "NONE/x", "IN/a/x", "top", "OUT/c"} {
		paths = append(paths, filepath.Join(root, p))
	}
	// Forms filepath.Join would have cleaned, and the long path.
	paths = append(paths, root+"/IN/", root+"/IN//a", root+"/IN/./b", root+"/IN/.", root+"/IN/..", root+"/linked/../top", "/", long+"/deep", longName, root+"/OUT/c")
	before := openFDs(t)
	var d Folder
	for _, p := range paths {
		f, err := d.Open(p)
		got := openOutcome(t, f, err)
		f, err = Open(p)
		if want := openOutcome(t, f, err); got != want {
			t.Errorf("Folder.Open(%q):\n got %s\nwant %s", p, got, want)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open after Close, %d before", after, before)
	}
	// Relative paths: from the current folder, as Open.
	t.Chdir(filepath.Join(root, "IN"))
	for _, p := range []string{"a", "b", "sub/none", "fifo", "../OUT/c", "missing"} {
		f, err := d.Open(p)
		got := openOutcome(t, f, err)
		f, err = Open(p)
		if want := openOutcome(t, f, err); got != want {
			t.Errorf("Folder.Open(%q):\n got %s\nwant %s", p, got, want)
		}
	}
	d.Close()
}

// TestFolderOpensRelative shows the descriptor in use: once a file of a
// folder was opened, the folder's next file is opened through it even
// after the folder was renamed (where Open by path finds nothing), and a
// Folder closed and used again resolves the path afresh.
func TestFolderOpensRelative(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "IN")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var d Folder
	defer d.Close()
	f, err := d.Open(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Rename(dir, filepath.Join(root, "IN.old")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "b")
	if _, err := Open(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open(%s) after the rename: %v, want not found", p, err)
	}
	f, err = d.Open(p)
	if err != nil {
		t.Fatalf("Folder.Open(%s) after the rename: %v, want the file through the folder's descriptor", p, err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if string(b) != "b" || err != nil {
		t.Fatalf("read %q, %v", b, err)
	}
	d.Close()
	if _, err := d.Open(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Folder.Open(%s) after Close: %v, want not found", p, err)
	}
}
