package main

import (
	"os"
	"testing"

	"github.com/imsforensic/imsforensic/internal/teststate"
)

// TestMain gives the tests a per-user state folder of their own
// (internal/teststate); child processes (the kill tests re-run this
// binary) inherit it.
func TestMain(m *testing.M) {
	// The terminal walk-through runs this binary as the command line
	// (terminal_linux_test.go): no test, main's exit code.
	if os.Getenv("IMSF_AS_MAIN") == "1" {
		os.Exit(mainExit(os.Args[1:]))
	}
	os.Exit(teststate.Run(m))
}
