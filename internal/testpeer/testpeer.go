// Package testpeer is for tests that drive a real third-party program as
// the peer (Postfix's smtp-sink, swaks, Python's smtplib and aiosmtpd,
// headless Chromium, tmux, libyal's evtxexport, python-evtx): Debian
// programs that scripts/test.sh installs and CI fails without. The Windows
// build's tests (scripts/wine-test.sh, under Wine) have none of them, so
// such a test skips there, by GOOS and saying which peer, instead of
// failing on a missing program or passing without its peer. It also holds
// what such tests share per platform: Wine (under Wine, what the kernel
// does instead of Windows) and Atime (a file's access time as the file
// system keeps it).
package testpeer

import (
	"runtime"
	"testing"
)

// UnixOnly skips t on Windows: peer is a Unix program the test runs.
func UnixOnly(t testing.TB, peer string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skipf("needs %s, a Debian program (scripts/test.sh installs it); the Windows test run has none", peer)
	}
}
