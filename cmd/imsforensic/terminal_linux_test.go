package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/report"
)

// asMainEnv makes the test binary run the command line as main does (see
// TestMain), so a shell in a pseudo-terminal can call it as imsforensic.
const asMainEnv = "IMSF_AS_MAIN"

// tmuxSession is a shell in a real pseudo-terminal of 120 columns
// (tmux), with every byte the programs write recorded (pipe-pane).
type tmuxSession struct {
	t    *testing.T
	sock string
	raw  string
	n    int
}

func startTmux(t *testing.T, cwd, pathDir string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed (scripts/test.sh installs it)")
		}
		t.Skip("tmux is not installed")
	}
	// tmux's socket path must be short: a folder of its own under /tmp.
	sockDir, err := os.MkdirTemp("", "imsf-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	s := &tmuxSession{t: t, sock: filepath.Join(sockDir, "s"), raw: filepath.Join(t.TempDir(), "pane.raw")}
	s.tmux("-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "50", "-c", cwd,
		"env", "PATH="+pathDir+":"+os.Getenv("PATH"), "PS1=$ ", "HISTFILE=/dev/null", "bash", "--norc", "--noprofile")
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	s.tmux("set-option", "-g", "history-limit", "100000")
	s.tmux("pipe-pane", "-o", "cat >> "+s.raw)
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// run types line into the shell and returns its exit code, once the
// shell has printed it.
func (s *tmuxSession) run(line string) int {
	s.t.Helper()
	s.n++
	mark := fmt.Sprintf("@@%d@@", s.n)
	s.tmux("send-keys", "-l", line+`; echo "`+mark+`$?"`)
	s.tmux("send-keys", "Enter")
	re := regexp.MustCompile(regexp.QuoteMeta(mark) + `(\d+)`)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.screen()); m != nil {
			var code int
			fmt.Sscan(m[1], &code)
			return code
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("%s: no exit after 60 s:\n%s", line, s.screen())
	return -1
}

// screen is the whole pane, history included, as a person sees it.
func (s *tmuxSession) screen() string {
	return s.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-")
}

// since returns the screen text after the command line holding mark.
func since(screen, mark string) string {
	if i := strings.LastIndex(screen, mark); i >= 0 {
		return screen[i:]
	}
	return screen
}

// TestTerminalWalkthrough drives the README's incident walk-through in a
// real pseudo-terminal (tmux), on a small generated incident: progress appears
// on the terminal and is gone when the command ends, every table line
// fits 120 columns and no reason is cut, each exit code is the table's,
// and nothing is written into the current folder.
func TestTerminalWalkthrough(t *testing.T) {
	base := t.TempDir()
	bin := filepath.Join(base, "bin")
	cwd := filepath.Join(base, "cwd")
	for _, d := range []string{bin, cwd, filepath.Join(base, "lab")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' \"$@\"\n", asMainEnv, self)
	if err := os.WriteFile(filepath.Join(bin, "imsforensic"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, cwd, bin)
	inc := filepath.Join(base, "incident")
	steps := []struct {
		line string
		want int
	}{
		{"imsforensic corpus --out " + inc + " --messages 600 --evidence --scenario blank-charset-12007 > /dev/null", exitOK},
		{"imsforensic scan " + inc + "/IN " + inc + "/OUT", exitOK},
		{"imsforensic triage " + inc + "/IN " + inc + "/OUT --evidence " + inc + "/evidence/AppEvent.evt --evidence " + inc + "/evidence/Drwtsn32.log --evidence-tz UTC --top 5", exitOK},
		{"imsforensic events " + inc + "/evidence --evidence-tz UTC > /dev/null", exitOK},
		{"imsforensic show " + inc + "/IN", exitUsage},
		{"imsforensic show " + inc + "/IN/NO-SUCH", exitPartial},
		{"imsforensic scan --fail-on crash " + inc + "/IN > /dev/null", exitFindings},
		{"imsforensic replay " + inc + "/IN " + inc + "/OUT --to replay-dir:" + base + "/lab --dry-run", exitOK},
		{"imsforensic replay " + inc + "/IN " + inc + "/OUT --to replay-dir:" + base + "/lab", exitRefused},
		{"imsforensic replay " + inc + "/IN " + inc + "/OUT --to replay-dir:" + base + "/lab", exitRefused},
		{"imsforensic replay " + inc + "/IN/NO-SUCH --to smtp://127.0.0.1:1", exitPartial},
		{"imsforensic scan --select 'size>' " + inc, exitUsage},
	}
	for i, st := range steps {
		if code := s.run(st.line); code != st.want {
			t.Errorf("step %d: %s: exit %d, want %d\n%s", i+1, st.line, code, st.want, since(s.screen(), st.line))
		}
	}
	screen := s.screen()

	// Progress appeared (on the terminal only: the bytes written) and is
	// gone from what the person sees.
	raw, err := os.ReadFile(s.raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"scanning ", "replaying", "writing the corpus", "reading evidence"} {
		if !strings.Contains(string(raw), p) {
			t.Errorf("no %q progress written to the terminal", p)
		}
		if strings.Contains(screen, p) {
			t.Errorf("%q progress left on the screen:\n%s", p, screen)
		}
	}

	// Tables fit 120 columns (-J joins lines the terminal wrapped), and
	// the triage reasons are whole.
	for _, l := range strings.Split(screen, "\n") {
		// Command lines and error lines are prose the
		// terminal wraps; the rest is tables and must fit.
		prose := strings.Contains(l, "imsforensic ") || strings.HasPrefix(l, "imsforensic: ")
		if w := len([]rune(l)); w > report.DefaultTableWidth && !prose {
			t.Errorf("a line of %d columns:\n%q", w, l)
		}
	}
	triage := since(screen, "--top 5")
	if strings.Contains(triage, "…") {
		t.Errorf("a cut cell in triage:\n%s", triage)
	}
	folded := strings.Join(strings.Fields(triage), " ")
	if !regexp.MustCompile(`time: \S+ before the crash at 2001-03-14 \d\d:\d\d:\d\d UTC`).MatchString(folded) {
		t.Errorf("the time reason is not whole:\n%s", triage)
	}
	for _, want := range []string{"Totals: 600 messages", "prime-suspect", "imsforensic scan " + inc + "/IN'", "no such file or folder",
		"--verbose lists every row", "skipped"} {
		if !strings.Contains(strings.Join(strings.Fields(screen), " "), want) {
			t.Errorf("the walk-through lacks %q:\n%s", want, screen)
		}
	}

	// Nothing in the current folder: journals go to the state folder.
	if ents, err := os.ReadDir(cwd); err != nil || len(ents) != 0 {
		t.Errorf("the current folder holds %v (%v)", ents, err)
	}
}
