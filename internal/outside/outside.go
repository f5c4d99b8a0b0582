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
	"io"
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
	return WriteCopyFrom(in, what, dest, bytes.NewReader(data), int64(len(data)))
}

// Prepare checks dest against the evidence and creates its folder,
// checked again by identity once it exists: what WriteCopy does before
// writing, for a caller that stages temporary files next to dest first.
func Prepare(in *guard.Inputs, what, dest string) error {
	if err := in.Check(what, dest); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	// The folder exists now: check again by identity, in case a link in
	// the new path leads into the evidence.
	return in.Check(what, dest)
}

// WriteCopyFrom is WriteCopy of the n bytes of r, streamed (a copy too big
// to hold in memory).
func WriteCopyFrom(in *guard.Inputs, what, dest string, r io.ReaderAt, n int64) (string, error) {
	if err := Prepare(in, what, dest); err != nil {
		return "", err
	}
	res, err := atomicfile.Write(dest, io.NewSectionReader(r, 0, n), atomicfile.Options{NoReplace: true})
	if errors.Is(err, atomicfile.ErrExist) {
		sum, same, rerr := sameContent(dest, io.NewSectionReader(r, 0, n))
		if rerr != nil || !same {
			return "", fmt.Errorf("%s exists with other content: %w", dest, err)
		}
		return sum, nil
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", dest, err)
	}
	return res.SHA256, nil
}

// sameContent reports whether the file at path holds exactly what r
// reads, and the file's sha256, a buffer at a time.
func sameContent(path string, r io.Reader) (string, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	h := sha256.New()
	a, b := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		n, ferr := io.ReadFull(f, a)
		m, rerr := io.ReadFull(r, b)
		if n != m || !bytes.Equal(a[:n], b[:m]) {
			return "", false, nil
		}
		h.Write(a[:n])
		fend, rend := ferr == io.EOF || ferr == io.ErrUnexpectedEOF, rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		switch {
		case ferr != nil && !fend:
			return "", false, ferr
		case rerr != nil && !rend:
			return "", false, rerr
		case fend || rend:
			if fend != rend {
				return "", false, nil
			}
			return hex.EncodeToString(h.Sum(nil)), true, nil
		}
	}
}

// StopReader reads R until Stop returns an error, then returns that
// error: repair's and redact's parses of a 1 GiB version or message stop
// at an interrupt instead of reading to the end first.
type StopReader struct {
	R    io.Reader
	Stop func() error
}

func (s StopReader) Read(p []byte) (int, error) {
	if err := s.Stop(); err != nil {
		return 0, err
	}
	return s.R.Read(p)
}
