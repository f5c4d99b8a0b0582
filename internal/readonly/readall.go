package readonly

import (
	"fmt"
	"io"
	"os"
)

// ReadAll reads the file from its start to the size it had when opened
// into buf (a new slice when buf cannot hold that size and the end
// check's probe), and runs Read's end check: it returns what a caller
// reading with Read until the end would have got, the bytes and the error,
// nil instead of io.EOF for an unchanged file. Later Reads return io.EOF
// or that error.
//
// The data and the probe past the size are asked for in one positioned
// read (pread on Unix): a small file costs one read system call, not
// Read's two (the data, then the probe that finds the end). A read that
// stops short exactly at the size at open is the probe's end of file; the
// end check's fstat still compares the size and time. scan reads every
// file of a queue this way (issue 16).
func (f *File) ReadAll(buf []byte) ([]byte, error) {
	size := f.info.Size()
	if size > maxReadAll {
		return buf[:0], fmt.Errorf("read %s: %d bytes, more than ReadAll's %d", f.path, size, int64(maxReadAll))
	}
	need := int(size) + probeLen
	if cap(buf) < need {
		buf = make([]byte, need)
	}
	buf = buf[:need]
	got := 0
	for {
		asked := need - got
		n, err := f.h.pread(buf[got:], int64(got))
		if err != nil && err != io.EOF {
			err = &os.PathError{Op: "read", Path: f.path, Err: err} // as os.File.Read says it
		}
		got += n
		switch {
		case int64(got) > size:
			// The probe's bytes came with the data: it grew.
			f.read = size
			return buf[:size], f.judgeEnd(got-int(size), nil)
		case int64(got) == size && (err != nil || n < asked):
			// What the probe past the size would have met: the end (a
			// short read) or err.
			f.read = size
			if err == nil {
				err = io.EOF
			}
			if err := f.judgeEnd(0, err); err != io.EOF {
				return buf[:got], err
			}
			return buf[:got], nil
		case err == io.EOF || (err == nil && n == 0):
			// The end before the size at open: end reports it.
			f.read = int64(got)
			return buf[:got], f.end()
		case err != nil:
			f.read = int64(got)
			return buf[:got], err
		}
	}
}

// maxReadAll bounds ReadAll's one buffer.
const maxReadAll = 1 << 30
