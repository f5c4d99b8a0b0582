package atomicfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "HBWK2Q2P")
	data := []byte("ImCr\x00\x01EwLsSubject: x\r\n\r\nbody\r\n")
	n, s, err := WriteFile(p, bytes.NewReader(data), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(data)) || s != sum(data) {
		t.Fatalf("got n=%d sha=%s, want %d %s", n, s, len(data), sum(data))
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, data) {
		t.Fatalf("content differs")
	}
	if _, _, err := WriteFile(p, strings.NewReader("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(p)
	if string(got) != "second" {
		t.Fatalf("WriteFile did not replace: %q", got)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("temporary files left: %v", names)
	}
}

func TestCreateExclusiveRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "VMS95LCZ")
	if err := os.WriteFile(p, []byte("original"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := CreateExclusive(p, strings.NewReader("intruder"), 0o644)
	if !errors.Is(err, ErrExist) || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want ErrExist", err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "original" {
		t.Fatalf("existing file changed: %q", got)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("temporary files left: %v", names)
	}
	p2 := filepath.Join(dir, "NEWFILE1")
	if _, _, err := CreateExclusive(p2, strings.NewReader("new"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCreateExclusiveConcurrentOneWins(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "RACE0001")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := CreateExclusive(p, strings.NewReader(strings.Repeat("x", i+1)), 0o644)
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, ErrExist) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d writers won, want exactly 1", wins)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("temporary files left: %v", names)
	}
}

func TestWriteTempDirAndSuffix(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "Pickup")
	tmp := filepath.Join(root, "tmp")
	os.Mkdir(dst, 0o755)
	os.Mkdir(tmp, 0o755)
	res, err := Write(filepath.Join(dst, "A.eml"), strings.NewReader("hello"), Options{NoReplace: true, TempDir: tmp, TempSuffix: ".part"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != 5 || res.SHA256 != sum([]byte("hello")) {
		t.Fatalf("result %+v", res)
	}
	if names := listDir(t, tmp); len(names) != 0 {
		t.Fatalf("temp dir not empty: %v", names)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestWriteErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "X")
	if _, _, err := WriteFile(p, failingReader{}, 0); err == nil {
		t.Fatal("want error")
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Fatalf("left behind: %v", names)
	}
}

// TestWriteMissingFolderNamesTheFolder: writing into a folder that does
// not exist fails with a path error on that folder, never on the
// temporary name, which is all the user would read.
func TestWriteMissingFolderNamesTheFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nodir")
	for _, write := range []func() error{
		func() error {
			_, err := Write(filepath.Join(dir, "x.html"), strings.NewReader("x"), Options{})
			return err
		},
		func() error { _, err := Stage(dir, Options{}); return err },
	} {
		err := write()
		var pe *fs.PathError
		if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Path != dir {
			t.Errorf("error %v (path error %+v), want a not-exist path error on %s", err, pe, dir)
		}
		if strings.Contains(err.Error(), TempPrefix) {
			t.Errorf("error names the temporary file: %v", err)
		}
	}
}

func TestIsTempAndRemoveTemps(t *testing.T) {
	for name, want := range map[string]bool{
		".imsf-0123456789abcdef.tmp":  true,
		".imsf-0123456789abcdef.part": true,
		".imsf-0123456789ABCDEF.tmp":  false,
		".imsf-short.tmp":             false,
		"HBWK2Q2P":                    false,
		"imsf-0123456789abcdef.tmp":   false,
	} {
		if IsTemp(name) != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, !want, want)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".imsf-0123456789abcdef.tmp"), []byte("torn"), 0o644)
	os.WriteFile(filepath.Join(dir, "KEEPME01"), []byte("spool"), 0o644)
	os.WriteFile(filepath.Join(dir, ".imsf-notours.tmp"), []byte("x"), 0o644)
	removed, err := RemoveTemps(dir)
	if err != nil || len(removed) != 1 {
		t.Fatalf("removed %v, %v", removed, err)
	}
	names := listDir(t, dir)
	if len(names) != 2 {
		t.Fatalf("left %v", names)
	}
}

func TestJSONLWriterAppendsLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j.jsonl")
	w, err := OpenJSONL(p)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Append(map[string]any{"i": i, "pad": strings.Repeat("y", 500)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	w.Close()
	if err := w.Append(1); err == nil {
		t.Fatal("append after close succeeded")
	}
	// Reopen appends rather than truncates.
	w2, _ := OpenJSONL(p)
	w2.Append(map[string]int{"i": 50})
	w2.Close()
	f, _ := os.Open(p)
	defer f.Close()
	seen := map[int]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct{ I int }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		seen[rec.I] = true
	}
	if len(seen) != 51 {
		t.Fatalf("saw %d records, want 51", len(seen))
	}
}

// TestWriteDoesNotReplaceASpecialFile: a socket (as a device or a named
// pipe) at the path is refused and left in place, never renamed over.
func TestWriteDoesNotReplaceASpecialFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a unix socket file needs AF_UNIX, which Wine 8.0 lacks; TestWriteRefusesAReservedName holds the device case on Windows")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, _, err = WriteFile(sock, strings.NewReader("x"), 0o644)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "socket") {
		t.Fatalf("err = %v, want ErrNotRegular naming a socket", err)
	}
	if fi, err := os.Lstat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("the socket was replaced: %v %v", fi, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}
