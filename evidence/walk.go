package evidence

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/imsforensic/imsforensic/internal/readonly"
)

// walkFiles visits every regular file under dir, depth first, each
// folder's names sorted, without touching access times: folders are
// listed through readonly.OpenDir (DESIGN.md 4: the evidence is read-only,
// its access times included). Symbolic links are not followed and
// devices, pipes and sockets are not opened; both are told to skip. A
// folder that cannot be listed is told to fail, and the walk goes on.
func walkFiles(ctx context.Context, dir string, visit func(path string), skip func(path, why string), fail func(path string, err error)) error {
	names, err := readonly.DirNames(dir)
	if err != nil {
		fail(dir, fmt.Errorf("evidence: %w", err))
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(dir, name)
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			fail(p, fmt.Errorf("evidence: %w", err))
		case fi.IsDir():
			if err := walkFiles(ctx, p, visit, skip, fail); err != nil {
				return err
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			skip(p, "symbolic link not followed")
		case !fi.Mode().IsRegular():
			skip(p, "not a regular file")
		default:
			visit(p)
		}
	}
	return nil
}

// FindIn lists the evidence files (recognised by content) under the
// folders below root whose name within accepts, without touching access
// times. The CLI uses it to name the protocol logs in Imcdata\Log that the
// queue scan does not walk into.
func FindIn(ctx context.Context, root string, within func(dirName string) bool) []string {
	var out []string
	var search func(dir string)
	search = func(dir string) {
		for _, name := range subdirs(dir) {
			if ctx.Err() != nil {
				return
			}
			p := filepath.Join(dir, name)
			if !within(name) {
				search(p)
				continue
			}
			out = append(out, FindFiles(ctx, p)...)
		}
	}
	search(root)
	return out
}

// FindFiles lists the evidence files in dir and its folders, as FindIn
// does for each folder it searches: for a caller whose own walk met dir
// (scan's walk reports the folders it leaves out), so that dir's parents
// are not listed a second time.
func FindFiles(ctx context.Context, dir string) []string {
	var out []string
	_ = walkFiles(ctx, dir, func(q string) {
		if f, err := DetectFile(q); err == nil && f != FormatUnknown {
			out = append(out, q)
		}
	}, func(string, string) {}, func(string, error) {})
	return out
}

// subdirs lists the folders in dir from the directory entries' types, so
// a queue folder of 100,000 files costs no Lstat per file.
func subdirs(dir string) []string {
	d, err := readonly.OpenDir(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	var out []string
	for {
		batch, err := d.ReadDir(4096)
		for _, e := range batch {
			if e.IsDir() {
				out = append(out, e.Name())
			}
		}
		if err != nil {
			break
		}
	}
	sort.Strings(out)
	return out
}
