package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestShowSaysWhichMboxMessage: show FILE#N heads its page with the
// message's name, place and From-line offset (its size and offsets are
// the message's, not the file's); show FILE of an mbox of several is a
// usage error that names FILE#1 to FILE#N; and a file name with a newline
// is printed in the \xNN form, on one line.
func TestShowSaysWhichMboxMessage(t *testing.T) {
	dir := t.TempDir()
	mbox := filepath.Join(dir, "saved.mbox")
	one := "From a@b Thu Mar 15 10:00:00 2001\nFrom: a@b.example\nTo: c@d.example\nSubject: one\n\nhi\n\n"
	two := "From x@y Thu Mar 15 10:01:00 2001\nFrom: x@y.example\nTo: c@d.example\nSubject: two\n\nhello\n"
	if err := os.WriteFile(mbox, []byte(one+two), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", "show", mbox+"#2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "saved.mbox#2, mbox message 2, its From line at file offset " + strconv.Itoa(len(one)); !strings.Contains(out, want) {
		t.Errorf("want %q in:\n%s", want, out)
	}

	// The whole file is no message: show names the messages to show.
	out, errOut, code = runCLI(t, "", "show", mbox)
	if code != exitUsage || out != "" || !strings.Contains(errOut, "an mbox of 2 messages") || !strings.Contains(errOut, "saved.mbox#1' (#1 to #2)") {
		t.Errorf("show of the whole mbox: exit %d (want %d), stdout %q, stderr %q", code, exitUsage, out, errOut)
	}

	if runtime.GOOS == "windows" {
		return // no newline in a Windows file name
	}
	odd := filepath.Join(dir, "bad\nname")
	if err := os.WriteFile(odd, []byte(one[strings.Index(one, "\n")+1:]), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "", "show", odd)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if first, _, _ := strings.Cut(out, "\n"); !strings.HasSuffix(first, `bad\x0aname`) {
		t.Errorf("File line %q, want the name as bad\\x0aname", first)
	}
	if strings.Contains(out, "Message:") {
		t.Errorf("a one-message file has a Message line:\n%s", out)
	}
}
