//go:build linux || windows

package readonly

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/testpeer"
)

// TestReadKeepsAccessTime: reading through Open leaves a file's access
// time as it was. On Linux with relatime (an access time not after the
// modification time is updated on read) that is O_NOATIME's doing; on
// Windows, the handle's "never update the access time" (SetFileTime with
// 0xFFFFFFFF, open_windows.go).
func TestReadKeepsAccessTime(t *testing.T) {
	if testpeer.Wine() {
		// Wine reads through the Linux file, whose access time the kernel
		// updates whatever the Windows handle asked (scripts/wine-test.sh).
		t.Skip("Wine 8.0 does not keep an access time for a handle")
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("evidence"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 3, 14, 15, 30, 0, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile(p, 0)
	if err != nil || string(b) != "evidence" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(make([]byte, 3)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got := testpeer.Atime(t, p); !got.Equal(old) {
		t.Fatalf("access time %s after the reads, want %s", got, old)
	}
}
