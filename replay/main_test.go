package replay

import (
	"os"
	"testing"

	"github.com/imsforensic/imsforensic/internal/teststate"
)

// TestMain gives the tests a per-user state folder of their own
// (internal/teststate); child processes (the kill tests re-run this
// binary) inherit it.
func TestMain(m *testing.M) { os.Exit(teststate.Run(m)) }
