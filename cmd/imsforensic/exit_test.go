package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/report"
)

// TestHelpShowsTheOneExitTable: every command's --help ends with the one
// exit table, only the lines that apply to it: 3 with --fail-on, 5 for
// replay, swaks's codes only in replay's help (under --exit-codes).
func TestHelpShowsTheOneExitTable(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			out, _, code := runCLI(t, "", c.name, "--help")
			if code != exitOK {
				t.Fatalf("exit %d", code)
			}
			_, table, ok := strings.Cut(out, "Exit status:\n")
			if !ok {
				t.Fatalf("no exit table:\n%s", out)
			}
			for _, want := range []string{"  0 ", "  1 ", "  2 ", "  130 "} {
				if !strings.Contains(table, want) {
					t.Errorf("exit table lacks %q:\n%s", want, table)
				}
			}
			if has := strings.Contains(table, "  3 "); has != (c.flags.Lookup("fail-on") != nil) {
				t.Errorf("line 3 shown %v, but --fail-on present %v", has, !has)
			}
			if has := strings.Contains(table, "--select"); has != (c.flags.Lookup("select") != nil) {
				t.Errorf("usage line names --select %v, but --select present %v:\n%s", has, !has, table)
			}
			if has := strings.Contains(table, "  5 "); has != (c.name == "replay") {
				t.Errorf("line 5 shown %v for %s", has, c.name)
			}
			if strings.Contains(out, "swaks") != (c.name == "replay") {
				t.Errorf("swaks's exit codes in the help of %s", c.name)
			}
			if j := c.flags.Lookup("journal"); j != nil {
				for _, dir := range []string{"$XDG_STATE_HOME/imsforensic", "~/.local/state/imsforensic", `%LOCALAPPDATA%\imsforensic\journals`} {
					if !strings.Contains(j.Usage, dir) {
						t.Errorf("--journal's help does not name the state folder %s: %q", dir, j.Usage)
					}
				}
			}
			if ff := c.flags.Lookup("format"); ff != nil && strings.Contains(ff.Usage, "csv") {
				if _, errOut, code := runCLI(t, "", c.name, "--format", "csv"); strings.Contains(errOut, "csv is not supported") {
					t.Errorf("--format's help offers csv, but %s refuses it: exit %d, %s", c.name, code, errOut)
				}
			}
			if tableCommands[c.name] != strings.Contains(out, "--wide") {
				t.Errorf("--wide shown %v for %s", !tableCommands[c.name], c.name)
			}
		})
	}
	out, _, _ := runCLI(t, "", "--help")
	if !strings.Contains(out, "  5    some messages were refused or failed") {
		t.Errorf("the overview lacks the whole table:\n%s", out)
	}
}

// TestShowFolderIsAUsageError: show of a folder is exit 2 and points to scan.
func TestShowFolderIsAUsageError(t *testing.T) {
	src := sampleCopy(t)
	out, errOut, code := runCLI(t, "", "show", src)
	if code != exitUsage || !strings.Contains(errOut, "imsforensic scan") || out != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing on stdout, a pointer to scan", code, out, errOut)
	}
	if n := strings.Count(strings.TrimSpace(errOut), "\n"); n != 0 {
		t.Errorf("error takes %d lines, want one:\n%s", n+1, errOut)
	}
}

// TestMissingPathIsSaidOnce: a missing path is "no such file" once, exit
// 4, and scan prints no empty table.
func TestMissingPathIsSaidOnce(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	for _, cmd := range []string{"show", "scan", "triage"} {
		t.Run(cmd, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", cmd, missing)
			if code != exitPartial {
				t.Errorf("exit %d, want %d", code, exitPartial)
			}
			if n := strings.Count(errOut, "no such file"); n != 1 {
				t.Errorf("'no such file' %d times, want once:\n%s", n, errOut)
			}
			if strings.Contains(out, "QUEUE") || strings.Contains(errOut, "see the records") {
				t.Errorf("an empty table or a dangling note:\n%s\n%s", out, errOut)
			}
		})
	}
}

// TestExplainPrintsTheExpressionOnce covers a single term and a tree.
func TestExplainPrintsTheExpressionOnce(t *testing.T) {
	src := sampleCopy(t)
	for _, expr := range []string{"size>30K", "size>30K and queue=IN"} {
		_, errOut, code := runCLI(t, "", "scan", "--select", expr, "--explain", src)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if n := strings.Count(errOut, `size > "30K"`); n != 1 {
			t.Errorf("%s: the expression %d times:\n%s", expr, n, errOut)
		}
	}
}

// TestSinkRefusalNamesNoGoField: the refusal of a non-loopback listen
// address says the flag, not the Config field.
func TestSinkRefusalNamesNoGoField(t *testing.T) {
	_, errOut, code := runCLI(t, "", "sink", "--listen", "0.0.0.0:0", "--store", t.TempDir())
	if code == exitOK || strings.Contains(errOut, "AllowNonLoopback") || !strings.Contains(errOut, "--allow-remote") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestReplayExitCodesAndAttentionRows: the sample holds suspects (held)
// and files Replay refuses (no recipient, empty): --dry-run exits 0, the
// run exits 5 listing only those rows, a rerun still 5 with the written
// ones skipped, --verbose lists every row.
func TestReplayExitCodesAndAttentionRows(t *testing.T) {
	src := sampleCopy(t)
	dest := filepath.Join(t.TempDir(), "Replay")
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	args := []string{"replay", src, "--to", "replay-dir:" + dest, "--journal", journal}
	out, errOut, code := runCLI(t, "", append(args, "--dry-run")...)
	if code != exitOK {
		t.Fatalf("--dry-run: exit %d, want 0\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "", args...)
	if code != exitRefused || !strings.Contains(errOut, "refused") {
		t.Fatalf("replay: exit %d, want %d\n%s\n%s", code, exitRefused, out, errOut)
	}
	if !strings.Contains(out, "held") || !strings.Contains(out, "refused") || strings.Contains(out, " ok ") {
		t.Errorf("want only the rows needing attention:\n%s", out)
	}
	if !strings.Contains(out, "--verbose lists every row") {
		t.Errorf("no note of the rows left out:\n%s", out)
	}
	out, _, code = runCLI(t, "", append(args, "--verbose")...)
	if code != exitRefused || !strings.Contains(out, "skipped") {
		t.Errorf("--verbose rerun: exit %d, want every row:\n%s", code, out)
	}
}

// TestTablesWrapToTheWidthWithoutCutting: at 120 columns (not a
// terminal) no line of the triage or scan table is wider and no cell is
// cut; --wide gives each row one line.
func TestTablesWrapToTheWidthWithoutCutting(t *testing.T) {
	dir, _ := triageCorpus(t)
	for _, cmd := range []string{"scan", "triage"} {
		out, errOut, code := runCLI(t, "", cmd, "--evidence-tz", "-05:00", dir)
		if cmd == "scan" {
			out, errOut, code = runCLI(t, "", cmd, dir)
		}
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", cmd, code, errOut)
		}
		for _, l := range strings.Split(out, "\n") {
			if w := len([]rune(l)); w > report.DefaultTableWidth {
				t.Errorf("%s: line of %d columns:\n%s", cmd, w, l)
			}
		}
		if strings.Contains(out, "…") {
			t.Errorf("%s: a cell was cut:\n%s", cmd, out)
		}
		if !strings.Contains(out, "Totals: ") {
			t.Errorf("%s: no totals line", cmd)
		}
	}
	out, errOut, _ := runCLI(t, "", "triage", "--evidence-tz", "-05:00", "--wide", dir)
	if !strings.Contains(out, "RANK") {
		t.Fatalf("--wide: no table:\n%s\n%s", out, errOut)
	}
}

// TestReplayKeepsModificationTimes: every folder target writes each file
// with its source's modification time (the IMS and Pickup take files in
// time order); sampleCopy dates every source 2001-03-14 15:30 UTC.
func TestReplayKeepsModificationTimes(t *testing.T) {
	src := sampleCopy(t)
	want := time.Date(2001, 3, 14, 15, 30, 0, 0, time.UTC)
	for _, scheme := range []string{"replay-dir", "pickup", "imcdata"} {
		t.Run(scheme, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "target")
			if err := os.Mkdir(dest, 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{"replay", filepath.Join(src, "IN", "HBWK2Q2P"), filepath.Join(src, "OUT"), "--to", scheme + ":" + dest, "--journal", filepath.Join(t.TempDir(), "j.jsonl")}
			if scheme == "imcdata" {
				args = append(args, "--queue", "IN")
			}
			out, errOut, code := runCLI(t, "", args...)
			if code != exitOK && code != exitRefused {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			n := 0
			err := filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				info, err := d.Info()
				if err != nil {
					return err
				}
				n++
				if !info.ModTime().Equal(want) {
					t.Errorf("%s: mtime %v, want the source's %v", p, info.ModTime().UTC(), want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("nothing written:\n%s\n%s", out, errOut)
			}
		})
	}
}

// TestHelpHasOneExitTable: no command's help says its exit codes a
// second time beside the table.
func TestHelpHasOneExitTable(t *testing.T) {
	for _, c := range commands() {
		out, _, _ := runCLI(t, "", c.name, "--help")
		if n := strings.Count(out, "Exit status"); n != 1 {
			t.Errorf("%s --help says 'Exit status' %d times", c.name, n)
		}
	}
}

// TestErrorLineNamesWhatAPersonCanAct: an output into a folder that does
// not exist names that folder, never the temporary file written first; an
// interruption is said as one, not as Go's "context canceled".
func TestErrorLineNamesWhatAPersonCanAct(t *testing.T) {
	src := sampleCopy(t)
	missing := filepath.Join(t.TempDir(), "nodir")
	_, errOut, code := runCLI(t, "", "triage", src, "--html", filepath.Join(missing, "incident.html"))
	if code != exitError || !strings.Contains(errOut, missing+": no such file or folder") || strings.Contains(errOut, ".imsf-") {
		t.Errorf("--html into a missing folder: exit %d, stderr %q; want 1 and the folder named", code, errOut)
	}
	if got := humanError(fmt.Errorf("replay to smtp://127.0.0.1:2525: %w", context.Canceled)); got != "interrupted" {
		t.Errorf("a cancelled run reads %q, want \"interrupted\"", got)
	}
}

// TestSelectErrorSaysSelectOnce: a bad --select is exit 2 and names the
// flag and the column once ("--select: column 6: ..."), not "--select:
// select: column 6".
func TestSelectErrorSaysSelectOnce(t *testing.T) {
	_, errOut, code := runCLI(t, "", "scan", "--select", "size>", sampleCopy(t))
	if code != exitUsage || !strings.Contains(errOut, "--select: column 6: ") || strings.Count(errOut, "select") != 1 {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestMissingEvidenceIsSaidAsAnyMissingPath: a missing --evidence file is
// "X: no such file or folder; check the path", as a missing PATH is, and
// exit 4.
func TestMissingEvidenceIsSaidAsAnyMissingPath(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "AppEvent.evt")
	_, errOut, code := runCLI(t, "", "triage", sampleCopy(t), "--evidence", missing)
	if code != exitPartial || !strings.Contains(errOut, missing+": no such file or folder; check the path") || strings.Contains(errOut, "stat ") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
