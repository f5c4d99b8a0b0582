package readonly

import (
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// DirNames returns the names in the folder dir, sorted, read through
// OpenDir in batches of 4096 (a queue folder of 100,000 files costs no
// slice of 100,000 FileInfos). On a read error part way it returns the
// names read so far, sorted, with the error.
func DirNames(dir string) ([]string, error) {
	return listSorted(dir, func(d *os.File) ([]string, error) { return d.Readdirnames(4096) }, strings.Compare)
}

// Entry is one name of a folder with its type as the folder listing gave
// it (fs.FileMode type bits: 0 for a regular file, fs.ModeDir, ...). The
// type is the one lstat would give, not followed through a link.
type Entry struct {
	Name string
	Type fs.FileMode
}

// DirEntries is DirNames with each name's type, sorted by name. The type
// comes from the listing itself where the file system puts it there
// (d_type on Linux; os.File.ReadDir asks lstat where it does not), so a
// walk needs no lstat to tell a regular file from a folder or a link: one
// system call per file less in a scan of a large queue. An entry costs a
// name and a type, not an fs.DirEntry.
func DirEntries(dir string) ([]Entry, error) {
	return listSorted(dir, func(d *os.File) ([]Entry, error) {
		batch, err := d.ReadDir(4096)
		es := make([]Entry, len(batch))
		for i, e := range batch {
			es[i] = Entry{Name: e.Name(), Type: e.Type()}
		}
		return es, err
	}, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
}

// listSorted reads the folder dir in batches with read, then sorts.
func listSorted[T any](dir string, read func(*os.File) ([]T, error), cmp func(a, b T) int) ([]T, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var out []T
	for {
		batch, err := read(d)
		out = append(out, batch...)
		if err == io.EOF {
			break
		}
		if err != nil {
			slices.SortFunc(out, cmp)
			return out, err
		}
	}
	slices.SortFunc(out, cmp)
	return out, nil
}
