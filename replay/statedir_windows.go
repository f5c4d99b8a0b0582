package replay

import (
	"errors"
	"os"
	"path/filepath"
)

// StateDir is the per-user folder where journals go by default:
// %LOCALAPPDATA%\imsforensic\journals (local, not roaming: a journal
// belongs to the machine whose queue it replayed). It is not created here.
func StateDir() (string, error) {
	d := os.Getenv("LOCALAPPDATA")
	if d == "" {
		return "", errors.New("replay: %LOCALAPPDATA% is not set: give --journal")
	}
	return filepath.Join(d, "imsforensic", "journals"), nil
}
