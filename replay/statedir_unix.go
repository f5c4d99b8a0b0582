//go:build !windows

package replay

import (
	"errors"
	"os"
	"path/filepath"
)

// StateDir is the per-user folder where journals go by default:
// $XDG_STATE_HOME/imsforensic, or ~/.local/state/imsforensic when
// XDG_STATE_HOME is not set or not absolute (XDG Base Directory
// Specification 0.8). It is not created here.
func StateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "imsforensic"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.Join(errors.New("replay: no per-user state folder (set XDG_STATE_HOME or HOME, or give --journal)"), err)
	}
	return filepath.Join(home, ".local", "state", "imsforensic"), nil
}
