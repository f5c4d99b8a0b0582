package main

import (
	"net"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/replay"
)

// The tests' portable pieces: what differs between the Unix and the
// Windows test runs (scripts/wine-test.sh) is said here once.

// stateFolder makes dir the per-user state folder for the rest of t
// (XDG_STATE_HOME on Unix, LOCALAPPDATA on Windows: both are set) and
// returns the folder default journals go into, replay.StateDir's
// ($XDG_STATE_HOME/imsforensic, %LOCALAPPDATA%\imsforensic\journals).
func stateFolder(t *testing.T, dir string) string {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", dir)
	t.Setenv("LOCALAPPDATA", dir)
	d, err := replay.StateDir()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// trueProbe is a bisect --probe that always succeeds, in sh and in cmd
// alike (cmd has no true).
const trueProbe = "cd {}"

// unixSocketFile makes a unix socket file at path, the tests' special
// file: not a regular file, and one that an open refuses at once (a FIFO's
// would block). Windows has them since 10 1803 (AF_UNIX); Wine 8.0 has
// not (listen says "winapi error #10047", WSAEAFNOSUPPORT). There it
// returns false and the caller skips its special-file cases, saying so;
// anywhere else a failed listen fails the test.
func unixSocketFile(t *testing.T, path string) bool {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		if runtime.GOOS == "windows" {
			t.Logf("no unix socket file on this Windows (%v): the special-file cases are left out", err)
			return false
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return true
}

// underSample is a path under the golden files' $SAMPLE token in Windows
// spelling: backslashes, doubled where the output is JSON.
var underSample = regexp.MustCompile(`\$SAMPLE(?:\\{1,2}[A-Za-z0-9._-]+)+`)

// unixPaths gives Windows output the goldens' spelling (golden replaced
// tmp by $SAMPLE already): tmp as JSON writes it replaced too, and the
// separators of each path under it as slashes. Elsewhere out is as is.
func unixPaths(out, tmp string) string {
	if runtime.GOOS != "windows" {
		return out
	}
	out = strings.ReplaceAll(out, strings.ReplaceAll(tmp, `\`, `\\`), "$SAMPLE")
	return underSample.ReplaceAllStringFunc(out, func(p string) string {
		return strings.ReplaceAll(strings.ReplaceAll(p, `\\`, "/"), `\`, "/")
	})
}

// mustDo fails t on err.
func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
