//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// TestScanHostileQueue scans an evidence folder built to hurt: a FIFO
// (opening it would block forever), a symbolic link to /etc/passwd and a
// dangling one (a walk must not follow links below the root), a character
// device, a folder that cannot be listed, a file whose every read fails
// (/proc/self/mem named as a root), names with invalid UTF-8, a newline,
// a backslash and a leading dash, a file that grows and one that is cut
// and rewritten while the scan reads them. It checks that every entry is
// reported exactly once, each unreadable one with its error, that the
// JSON lines are all valid and keep odd name bytes apart, and that the
// exit code is 4 (partial).
//
// What root can and cannot prove: root bypasses file modes, so a chmod 000
// file or folder IS read when the test runs as root (CI does); the
// unreadable folder is then checked only when not root, and the read
// failure is proven with /proc/self/mem, which fails with EIO for anyone.
func TestScanHostileQueue(t *testing.T) {
	root := filepath.Join(t.TempDir(), "TempIMS")
	in := filepath.Join(root, "IN")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	plain := "From: a@example.com\r\nTo: b@example.com\r\nSubject: hostile queue\r\n\r\nbody\r\n"
	regular := map[string]string{ // name -> content
		"plain.eml":                             plain,
		"bad-\xff\xfe-utf8.eml":                 plain,
		"bad-\xfe\xff-utf8.eml":                 plain + "other\r\n",
		"new\nline.eml":                         plain,
		`back\slash.eml`:                        plain,
		"--help":                                plain,
		"tab\tand space .eml":                   plain,
		"\x01control\x7f.eml":                   plain,
		"empty":                                 "",
		"ctl-in-header.eml":                     "Subject: \x00\x1b[31mred\r\n\r\n\x00",
		"binary.dat":                            "\x00\x01\x02\xff\xfe",
		"long-name-" + strings.Repeat("x", 200): plain,
	}
	for name, content := range regular {
		if err := os.WriteFile(filepath.Join(in, name), []byte(content), 0o644); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
	}
	notRegular := map[string]bool{} // base name -> reported with an error
	mustDo(t, syscall.Mkfifo(filepath.Join(in, "fifo"), 0o644))
	notRegular["fifo"] = true
	mustDo(t, os.Symlink("/etc/passwd", filepath.Join(in, "passwd-link")))
	notRegular["passwd-link"] = true
	mustDo(t, os.Symlink(filepath.Join(in, "gone"), filepath.Join(in, "dangling-link")))
	notRegular["dangling-link"] = true
	mustDo(t, os.Symlink(in, filepath.Join(in, "loop-link")))
	notRegular["loop-link"] = true
	if err := syscall.Mknod(filepath.Join(in, "null-device"), syscall.S_IFCHR|0o666, int(mkdev(1, 3))); err == nil {
		notRegular["null-device"] = true
	} else {
		t.Logf("mknod not permitted (%v): the device-node case is not checked", err)
	}
	locked := filepath.Join(root, "OUT", "locked")
	mustDo(t, os.MkdirAll(locked, 0o755))
	mustDo(t, os.WriteFile(filepath.Join(locked, "inside.eml"), []byte(plain), 0o644))
	mustDo(t, os.Chmod(locked, 0))
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	asRoot := os.Geteuid() == 0
	if asRoot {
		regular[filepath.Join("..", "OUT", "locked", "inside.eml")] = plain
	}

	// Root PATHs that are links into /proc: /proc/self/mem is a regular
	// file of size 0 whose first read fails with EIO, even for root;
	// /proc/self/pagemap is listed with size 0 and reads on for hundreds
	// of GiB, the endless file a scan must not chase.
	procDir := t.TempDir()
	memLink := filepath.Join(procDir, "mem")
	mustDo(t, os.Symlink("/proc/self/mem", memLink))
	pagemapLink := filepath.Join(procDir, "pagemap")
	mustDo(t, os.Symlink("/proc/self/pagemap", pagemapLink))

	// A file that grows for as long as the scan runs, and one that is cut
	// and rewritten: the scan must not chase the writer.
	growing := filepath.Join(in, "growing.eml")
	mustDo(t, os.WriteFile(growing, []byte(plain), 0o644))
	regular["growing.eml"] = plain
	churning := filepath.Join(in, "churning.eml")
	mustDo(t, os.WriteFile(churning, []byte(plain), 0o644))
	regular["churning.eml"] = plain
	const growCap = 64 << 20
	ctx, stop := context.WithCancel(context.Background())
	var writers sync.WaitGroup
	var grown int64
	writers.Add(2)
	go func() {
		defer writers.Done()
		grown = growFile(ctx, growing, growCap)
	}()
	go func() {
		defer writers.Done()
		churnFile(ctx, churning)
	}()

	stdout, stderr, code := runCLI(t, "", "scan", "--format", "json", root, memLink, pagemapLink)
	stop()
	writers.Wait()

	if code != exitPartial {
		t.Errorf("exit code %d, want %d (partial)\nstderr: %s", code, exitPartial, stderr)
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Fatalf("panic:\n%s", stderr)
	}
	seen := map[string]int{}
	errs := map[string]string{}
	sizes := map[string]int64{}
	for i, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var rec struct {
			Type  string `json:"type"`
			Path  string `json:"path"`
			Size  int64  `json:"size"`
			Error string `json:"error"`
		}
		if !json.Valid([]byte(line)) {
			t.Fatalf("line %d is not valid JSON: %q", i+1, line)
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Type != "message" {
			t.Fatalf("line %d: %v %q", i+1, err, line)
		}
		seen[rec.Path]++
		errs[rec.Path] = rec.Error
		sizes[rec.Path] = rec.Size
	}
	key := func(p string) string { return model.Escape(p) }
	for name := range regular {
		p := key(filepath.Join(in, name))
		if seen[p] != 1 {
			t.Errorf("regular file %q reported %d times, want once", name, seen[p])
		} else if errs[p] != "" && !strings.Contains(errs[p], "changed while") {
			t.Errorf("regular file %q reported with error %q", name, errs[p])
		}
	}
	for name := range notRegular {
		p := key(filepath.Join(in, name))
		if seen[p] != 1 || errs[p] == "" {
			t.Errorf("%q reported %d times with error %q, want once with an error", name, seen[p], errs[p])
		}
	}
	if !asRoot {
		if p := key(locked); seen[p] != 1 || errs[p] == "" {
			t.Errorf("unlistable folder reported %d times with error %q, want once with an error", seen[p], errs[p])
		}
	}
	if seen[memLink] != 1 || errs[memLink] == "" {
		t.Errorf("/proc/self/mem reported %d times with error %q, want once with an error", seen[memLink], errs[memLink])
	}
	if seen[pagemapLink] != 1 || !strings.Contains(errs[pagemapLink], "listed") {
		t.Errorf("/proc/self/pagemap reported %d times with error %q, want once, read no further than listed", seen[pagemapLink], errs[pagemapLink])
	}
	want := len(regular) + len(notRegular) + 2
	if !asRoot {
		want++
	}
	if len(seen) != want {
		t.Errorf("%d distinct paths reported, want %d: %q", len(seen), want, keys(seen))
	}
	if g := sizes[key(growing)]; g > grown {
		t.Errorf("growing file reported at %d bytes, more than the writer wrote (%d)", g, grown)
	}
	t.Logf("%d entries reported; growing file read at %d bytes while the writer reached %d", len(seen), sizes[key(growing)], grown)
}

// mkdev is Linux's makedev for small major and minor numbers.
func mkdev(major, minor uint32) uint64 { return uint64(major)<<8 | uint64(minor) }

// growFile appends message lines to path until ctx is done or the file
// reaches limit bytes, and returns the size reached.
func growFile(ctx context.Context, path string, limit int64) int64 {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte("more body text, written while the scan reads\r\n"), 1400)
	size := int64(0)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	for ctx.Err() == nil && size < limit {
		n, err := f.Write(chunk)
		size += int64(n)
		if err != nil {
			break
		}
		time.Sleep(100 * time.Microsecond) // let the scan run on 2 cores
	}
	return size
}

// churnFile truncates path and writes it again until ctx is done.
func churnFile(ctx context.Context, path string) {
	for i := 0; ctx.Err() == nil; i++ {
		body := fmt.Sprintf("Subject: churn %d\r\n\r\n%s", i, strings.Repeat("x\r\n", i%5000))
		if os.WriteFile(path, []byte(body), 0o644) != nil {
			return
		}
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
