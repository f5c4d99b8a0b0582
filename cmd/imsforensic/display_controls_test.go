package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputsForPeopleShowDisplayControls: a hostile sender's Subject and
// file name with a right-to-left override (U+202E), an isolate and a C1
// CSI reach no table, show, CSV or HTML output as the characters
// themselves (they would reorder or hide the text around them on the
// admin's screen) but as \xNN, while JSON keeps the exact characters.
func TestOutputsForPeopleShowDisplayControls(t *testing.T) {
	dir := t.TempDir()
	subject := "invoice \u202etxt.exe\u2066 \u009b31m"
	name := "pay\u202efdp.eml"
	msg := "From: a@example.com\r\nTo: b@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(t.TempDir(), "r.html")
	for _, args := range [][]string{
		{"scan", dir},
		{"scan", "--format", "csv", dir},
		{"show", filepath.Join(dir, name)},
		{"triage", "--html", html, dir},
	} {
		out, errOut, _ := runCLI(t, "", args...)
		for _, c := range []string{"\u202e", "\u2066", "\u009b"} {
			if strings.Contains(out+errOut, c) {
				t.Errorf("%v: output holds %U as itself:\n%s%s", args, []rune(c)[0], out, errOut)
			}
		}
		if !strings.Contains(out, `\xe2\x80\xae`) && args[0] != "triage" {
			t.Errorf("%v: the override is not shown as \\xe2\\x80\\xae:\n%s", args, out)
		}
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "\u202e") || !strings.Contains(string(b), `\xe2\x80\xae`) {
		t.Errorf("the HTML report shows the override as itself, or not at all (%d bytes)", len(b))
	}
	out, _, _ := runCLI(t, "", "scan", "--format", "json", dir)
	var rec struct {
		Name    string `json:"name"`
		Subject string `json:"subject"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Name != name || rec.Subject != subject {
		t.Errorf("JSON changed the text: name %q subject %q", rec.Name, rec.Subject)
	}
}
