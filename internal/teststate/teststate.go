// Package teststate gives a test binary a per-user state folder of its
// own: replay puts default journals and lock files in the user's state
// folder (XDG_STATE_HOME, LOCALAPPDATA), and a test must never write into
// the user's. One TestMain body for every package whose tests replay
// (replay, the CLI), instead of a copy in each.
package teststate

import (
	"fmt"
	"os"
	"testing"
)

// Run runs m's tests with IMSF_TEST_STATE, XDG_STATE_HOME and LOCALAPPDATA
// set to a new temporary folder, removed afterwards, and returns their
// exit code for os.Exit. When IMSF_TEST_STATE is set already (a child
// process that a kill test started from this binary) the tests run with
// the parent's folder.
func Run(m *testing.M) int {
	if os.Getenv("IMSF_TEST_STATE") != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "imsforensic-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, k := range []string{"IMSF_TEST_STATE", "XDG_STATE_HOME", "LOCALAPPDATA"} {
		os.Setenv(k, dir)
	}
	return m.Run()
}

// Set makes dir the per-user state folder for the rest of t on every
// platform: XDG_STATE_HOME (Unix) and LOCALAPPDATA (Windows). A test that
// set XDG_STATE_HOME alone shared, on Windows, the binary's one folder
// (Run's) with every other test, and read their journals as its own.
func Set(t testing.TB, dir string) {
	t.Setenv("XDG_STATE_HOME", dir)
	t.Setenv("LOCALAPPDATA", dir)
}
