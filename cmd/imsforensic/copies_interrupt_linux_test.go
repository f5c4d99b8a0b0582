package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRepairInterruptedLeavesNothing: SIGINT while repair writes a version
// of a big file (read through a window, its versions spilled next to the
// copy) ends the command with exit 130 and leaves nothing in the output
// folder: no copy, no temporary file. The signal is sent once the child
// holds its spilled version open.
func TestRepairInterruptedLeavesNothing(t *testing.T) {
	q := filepath.Join(t.TempDir(), "IN")
	mustDo(t, os.MkdirAll(q, 0o755))
	var b bytes.Buffer
	b.WriteString("From: <alee@example.org>\r\nTo: <bhill@contoso.com>\r\nSubject: figures\r\nDate: Mon, 5 Feb 2001 09:59:31 -0800\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\" \"\r\n\r\n")
	line := []byte("please find the figures for the last quarter below, in full.\r\n")
	for b.Len() < 96<<20 {
		b.Write(line)
	}
	mustDo(t, os.WriteFile(filepath.Join(q, "BIG.EML"), b.Bytes(), 0o644))
	out := filepath.Join(t.TempDir(), "fixed")
	p := startCLI(t, nil, "repair", q, "--out", out)
	// The spilled version is a file the child has open under out.
	deadline, spilling := time.Now().Add(20*time.Second), false
	for !spilling && time.Now().Before(deadline) {
		fds, _ := filepath.Glob("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/fd/*")
		for _, fd := range fds {
			if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, out) {
				spilling = true
			}
		}
		select {
		case <-p.done:
			t.Fatalf("repair ended (exit %d) before it was seen writing a version: %s", p.code, p.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if !spilling {
		t.Fatalf("repair never held a version open under %s", out)
	}
	mustDo(t, p.cmd.Process.Signal(syscall.SIGINT))
	if !p.wait(10 * time.Second) {
		t.Fatalf("still running 10 s after SIGINT")
	}
	if p.code != exitInterrupted {
		t.Errorf("exit %d, want %d; stderr %q", p.code, exitInterrupted, p.stderr.String())
	}
	var left []string
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, path)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("left in the output folder: %v", left)
	}
}
