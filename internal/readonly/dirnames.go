package readonly

import (
	"io"
	"sort"
)

// DirNames returns the names in the folder dir, sorted, read through
// OpenDir in batches of 4096 (a queue folder of 100,000 files costs no
// slice of 100,000 FileInfos). On a read error part way it returns the
// names read so far, sorted, with the error.
func DirNames(dir string) ([]string, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var names []string
	for {
		batch, err := d.Readdirnames(4096)
		names = append(names, batch...)
		if err == io.EOF {
			break
		}
		if err != nil {
			sort.Strings(names)
			return names, err
		}
	}
	sort.Strings(names)
	return names, nil
}
