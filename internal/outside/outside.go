// Package outside writes the copies repair and redact make: each one is
// checked against the evidence with the one output guard (package guard,
// DESIGN.md section 4, item 1) and written through internal/atomicfile, so
// a copy is never an input, never inside an input folder, and either
// whole or absent.
package outside

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
)

// WriteCopy writes data to dest (creating its folder) after in.Check
// (what names the output in a refusal). A dest that already holds exactly
// data is accepted (the same run again: repair and redact are
// deterministic); one that holds anything else is an error wrapping
// atomicfile.ErrExist. It returns the sha256 of what dest holds.
func WriteCopy(in *guard.Inputs, what, dest string, data []byte) (string, error) {
	if err := in.Check(what, dest); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", err
	}
	// The folder exists now: check again by identity, in case a link in
	// the new path leads into the evidence.
	if err := in.Check(what, dest); err != nil {
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
