package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the tests a per-user state folder of their own: replay
// puts default journals and lock files there, and a test must never write
// into the user's. Child processes (the kill tests re-run this binary)
// inherit it.
func TestMain(m *testing.M) {
	// The terminal walk-through runs this binary as the command line
	// (terminal_linux_test.go): no test, main's exit code.
	if os.Getenv("IMSF_AS_MAIN") == "1" {
		os.Exit(mainExit(os.Args[1:]))
	}
	if os.Getenv("IMSF_TEST_STATE") == "" {
		dir, err := os.MkdirTemp("", "imsforensic-state-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv("IMSF_TEST_STATE", dir)
		os.Setenv("XDG_STATE_HOME", dir)
		os.Setenv("LOCALAPPDATA", dir)
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}
