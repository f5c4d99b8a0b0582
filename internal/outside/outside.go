// Package outside enforces the first promise of DESIGN.md section 4 for
// the commands that write copies (repair, redact): no output may lie
// inside an input folder, so the evidence is never written to.
//
// QUIRK: a stop-gap. Issue #14 builds the one output guard every command
// will use; until it is on main, repair and redact call this one, and they
// switch to #14's guard when it lands.
//
// Paths are compared after filepath.Abs and, where they exist, symlink
// resolution, and case-insensitively: the users' folders are NTFS folders
// (IN, In, in are one folder), and refusing a case-only twin on Linux is
// the safe mistake.
package outside

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
)

// ErrInsideInput is returned (wrapped) when an output path lies inside an
// input folder or is an input itself.
var ErrInsideInput = errors.New("outside: output inside an input folder")

// Check returns an error wrapping ErrInsideInput when out (a folder or a
// file, existing or not) is an input, lies inside an input folder, or is
// the folder holding an input file.
func Check(out string, inputs []string) error {
	o, err := canonical(out)
	if err != nil {
		return fmt.Errorf("outside: %s: %w", out, err)
	}
	for _, in := range inputs {
		c, err := canonical(in)
		if err != nil {
			return fmt.Errorf("outside: %s: %w", in, err)
		}
		folder := c
		if fi, err := os.Stat(in); err == nil && !fi.IsDir() {
			if same(o, c) {
				return fmt.Errorf("%w: %s is the input file %s", ErrInsideInput, out, in)
			}
			folder = filepath.Dir(c)
			if same(o, folder) {
				return fmt.Errorf("%w: %s is the folder of the input %s", ErrInsideInput, out, in)
			}
			continue
		}
		if within(o, folder) {
			return fmt.Errorf("%w: %s is inside the input folder %s", ErrInsideInput, out, in)
		}
	}
	return nil
}

// canonical is p made absolute, with the symlinks of its longest existing
// prefix resolved (the rest may not exist yet).
func canonical(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for dir := abs; ; {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

func same(a, b string) bool { return strings.EqualFold(filepath.Clean(a), filepath.Clean(b)) }

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	if same(p, dir) {
		return true
	}
	rel, err := filepath.Rel(strings.ToLower(dir), strings.ToLower(p))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// WriteCopy writes data to dest (creating its folder) through atomicfile,
// after checking that dest's folder is outside every input. A dest that
// already holds exactly data is accepted (the same run again); one that
// holds anything else is an error wrapping atomicfile.ErrExist. It returns
// the sha256 of what dest holds.
func WriteCopy(dest string, data []byte, inputs []string) (string, error) {
	if err := Check(filepath.Dir(dest), inputs); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", err
	}
	res, err := atomicfile.Write(dest, bytes.NewReader(data), atomicfile.Options{NoReplace: true})
	if errors.Is(err, atomicfile.ErrExist) {
		old, rerr := os.ReadFile(dest)
		if rerr != nil || !bytes.Equal(old, data) {
			return "", fmt.Errorf("%s exists with other content: %w", dest, err)
		}
		sum := sha256.Sum256(old)
		return hex.EncodeToString(sum[:]), nil
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", dest, err)
	}
	return res.SHA256, nil
}
