//go:build linux

package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// TestErrorsNameHostileFilesSafely: an unreadable evidence file (a FIFO)
// whose name holds an OSC escape sequence, a CR and a right-to-left
// override is named on stderr with those bytes as \xNN, so the message
// cannot retitle the admin's terminal, overwrite its own line or read
// reversed; a JSON error record gives the name back exactly.
func TestErrorsNameHostileFilesSafely(t *testing.T) {
	dir := t.TempDir()
	name := "evil\x1b]0;owned\x07\r\u202efdp.eml"
	if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"scan", dir}, {"show", filepath.Join(dir, name)}} {
		out, errOut, code := runCLI(t, "", args...)
		if code != exitPartial {
			t.Errorf("%s: exit %d, want %d", args[0], code, exitPartial)
		}
		for _, c := range []string{"\x1b", "\x07", "\r", "\u202e"} {
			if strings.Contains(out+errOut, c) {
				t.Errorf("%s: output holds %q as itself:\n%s%s", args[0], c, out, errOut)
			}
		}
		if args[0] == "show" && !strings.Contains(errOut, model.EscapeVisible(name)) {
			t.Errorf("show: stderr does not name the file as %s:\n%s", model.EscapeVisible(name), errOut)
		}
	}
	var errOut string
	_, errOut, _ = runCLI(t, "", "show", "--format", "json", filepath.Join(dir, name))
	var rec struct{ Error string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(errOut)), &rec); err != nil {
		t.Fatalf("%v: %q", err, errOut)
	}
	if !strings.Contains(model.Unescape(rec.Error), name) {
		t.Errorf("JSON error %q does not give the name back", rec.Error)
	}
}
