package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The breaks TestFlagSweep found, one case each: the value, the exit
// code and what the one line must say. Each runs with sweepOne's
// deadline, so a regression that hangs fails instead of stalling CI.
func TestFlagSweepFindings(t *testing.T) {
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("my notes, not a journal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte("{"+strings.Repeat(" ", maxRulesFile)+"}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	sock := filepath.Join(t.TempDir(), "sock")
	haveSock := unixSocketFile(t, sock)
	for _, tc := range []struct {
		name string
		args func(evid string) []string
		want []string // substrings of stderr
	}{
		// A spool file given to --undo was "repaired" as a torn journal:
		// its bytes moved to .broken, the file truncated, a .lock beside it.
		{"undo-spool-file", func(e string) []string { return []string{"replay", "--undo", filepath.Join(e, "IN", "HBWK2Q2P")} }, []string{"--undo", "not a replay journal", "nothing was changed"}},
		{"journal-not-journal", func(e string) []string {
			return []string{"replay", e, "--to", "replay-dir:" + out, "--journal", notes}
		}, []string{"--journal", "not a replay journal"}},
		// --max-restarts 10^18: the crash loop ran until memory ran out.
		{"simulate-max-restarts", func(e string) []string { return []string{"simulate", e, "--max-restarts", "1000000000000000000"} }, []string{"--max-restarts", "want 0 to 1000"}},
		// --messages 10^18: makeslice panicked.
		{"corpus-messages", func(string) []string {
			return []string{"corpus", "--out", filepath.Join(out, "c"), "--messages", "1000000000000000000"}
		}, []string{"--messages", "want 1 to 1000000"}},
		// NaN passed "rate != 0"; -1 meant no cap; 1e-300 overflowed the gap.
		{"rate-nan", func(e string) []string { return []string{"replay", e, "--to", "smtp://127.0.0.1:1", "--rate", "NaN"} }, []string{"--rate", "want 0 (no cap)"}},
		{"rate-negative", func(e string) []string { return []string{"replay", e, "--to", "smtp://127.0.0.1:1", "--rate", "-1"} }, []string{"--rate"}},
		{"rate-tiny", func(e string) []string {
			return []string{"replay", e, "--to", "smtp://127.0.0.1:1", "--rate", "1e-300"}
		}, []string{"--rate"}},
		{"concurrency-huge", func(e string) []string {
			return []string{"replay", e, "--to", "replay-dir:" + out, "--concurrency", "1000000000000000000"}
		}, []string{"--concurrency", "want 1 to 256"}},
		// NaN passed "chaos < 0 || chaos > 1".
		{"sink-chaos-nan", func(string) []string { return []string{"sink", "--store", filepath.Join(out, "s"), "--chaos", "NaN"} }, []string{"--chaos"}},
		{"sink-exit-after", func(string) []string {
			return []string{"sink", "--store", filepath.Join(out, "s"), "--exit-after", "-1"}
		}, []string{"--exit-after", "want 0"}},
		{"sink-store-empty", func(string) []string { return []string{"sink", "--store", ""} }, []string{"--store", "want a folder"}},
		{"sink-listen", func(string) []string {
			return []string{"sink", "--store", filepath.Join(out, "s"), "--listen", "127.0.0.1"}
		}, []string{"--listen"}},
		// A write renamed over a special file: --map /dev/zero, run as
		// root, replaced the device for the whole machine.
		{"redact-map-special", func(e string) []string {
			return []string{"redact", e, "--out", filepath.Join(out, "red"), "--map", sock}
		}, []string{"--map", "socket", "not replaced"}},
		{"replay-journal-special", func(e string) []string {
			return []string{"replay", e, "--to", "replay-dir:" + out, "--journal", sock}
		}, []string{"--journal", "not a regular file"}},
		// /dev/zero was read whole (forever) by --auth and --rules.
		{"sink-auth-device", func(string) []string { return []string{"sink", "--store", filepath.Join(out, "s"), "--auth", sock} }, []string{"--auth", "socket"}},
		{"sink-auth-missing", func(string) []string {
			return []string{"sink", "--store", filepath.Join(out, "s"), "--auth", filepath.Join(out, "nope")}
		}, []string{"--auth", "no such file"}},
		{"rules-device", func(e string) []string { return []string{"scan", e, "--rules", sock} }, []string{"--rules", "socket"}},
		{"rules-huge", func(e string) []string { return []string{"scan", e, "--rules", big} }, []string{"--rules", "want at most"}},
		{"rules-missing", func(e string) []string { return []string{"scan", e, "--rules", filepath.Join(out, "nope")} }, []string{"--rules", "no such file"}},
		{"files-from-missing", func(e string) []string { return []string{"scan", e, "--files-from", filepath.Join(out, "nope")} }, []string{"--files-from", "no such file"}},
		// --settle 1000000h waited 114 years a round.
		{"bisect-settle", func(e string) []string {
			return []string{"bisect", e, "--target", "smtp://127.0.0.1:1", "--settle", "1000000h"}
		}, []string{"--settle", "want 0 to 1h"}},
		{"bisect-target", func(e string) []string { return []string{"bisect", e, "--target", "-"} }, []string{"--target"}},
		// pflag's "must be an integer" for a number too big, strconv's
		// words for a negative event ID.
		{"int-overflow", func(string) []string {
			return []string{"corpus", "--out", filepath.Join(out, "c2"), "--messages", "9223372036854775808"}
		}, []string{"--messages: want a whole number from -9223372036854775808 to 9223372036854775807"}},
		{"uint-negative", func(e string) []string { return []string{"events", e, "--id", "-1"} }, []string{"--id: want whole numbers from 0 to"}},
		{"duration", func(e string) []string { return []string{"triage", e, "--crash-window", "soon"} }, []string{"--crash-window: want a duration such as 30s"}},
		// It said "no readable message among the inputs".
		{"bisect-select-none", func(e string) []string { return []string{"bisect", e, "--probe", "true {}", "--select", "name=NOPE"} }, []string{"--select", "keeps no readable message"}},
		{"format", func(e string) []string {
			return []string{"repair", e, "--out", filepath.Join(out, "r"), "--format", "xml"}
		}, []string{"--format", "want table, json or csv"}},
		{"to-inside-evidence", func(e string) []string { return []string{"replay", e, "--to", "imcdata:" + e} }, []string{"--to", "inside the evidence"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !haveSock && slices.Contains(tc.args(""), sock) {
				t.Skip("no unix socket file here (see unixSocketFile)")
			}
			evid := sampleCopy(t)
			before := snapshot(t, evid)
			notesBefore, _ := os.ReadFile(notes)
			r := sweepOne(tc.args(evid), false)
			if r.panicked != "" || r.hung || r.deadline {
				t.Fatalf("panic %q, hung %v, deadline %v", r.panicked, r.hung, r.deadline)
			}
			want := exitUsage
			if tc.name == "redact-map-special" {
				want = exitError // an output that cannot be written
			}
			if r.code != want {
				t.Errorf("exit %d, want %d\nstderr %s", r.code, want, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if after := snapshot(t, evid); !cmp.Equal(before, after) {
				t.Errorf("the evidence changed: %s", cmp.Diff(before, after))
			}
			if b, _ := os.ReadFile(notes); string(b) != string(notesBefore) {
				t.Errorf("the file given as a journal changed: %q", b)
			}
			if fi, err := os.Lstat(sock); haveSock && (err != nil || fi.Mode()&os.ModeSocket == 0) {
				t.Errorf("the socket file was replaced (%v)", err)
			}
			if _, err := os.Stat(notes + ".lock"); err == nil {
				t.Errorf("a lock file was made beside the file given as a journal")
			}
		})
	}
}

// TestBisectRefusesANonJournal: a file that does not start as a bisect
// journal is not appended to (it used to be, when it had no newline).
func TestBisectRefusesANonJournal(t *testing.T) {
	evid := sampleCopy(t)
	notes := filepath.Join(t.TempDir(), "notes")
	os.WriteFile(notes, []byte("hello, no newline"), 0o644)
	_, stderr, code := runCLI(t, "", "bisect", evid, "--probe", "true {}", "--journal", notes)
	if code == exitOK || !strings.Contains(stderr, "not a bisect journal") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	if b, _ := os.ReadFile(notes); string(b) != "hello, no newline" {
		t.Errorf("the file given as a journal changed: %q", b)
	}
}
