//go:build !unix

package readonly

import "os"

// pread is os.File.ReadAt where there is no pread(2) to call once: a read
// that ends at the end of file says io.EOF with its bytes.
func pread(f *os.File, p []byte, off int64) (int, error) { return f.ReadAt(p, off) }
