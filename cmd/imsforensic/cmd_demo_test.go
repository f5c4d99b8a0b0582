package main

import (
	"strings"
	"testing"
)

// TestDemoTellsTheWholeStory runs the README's main command in-process:
// the sample incident is generated, triage names the ground-truth culprit
// as rank 1, the rest is replayed into the emulating sink, and the culprit
// alone makes the emulated store crash.
func TestDemoTellsTheWholeStory(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "", "demo", "--dir", dir, "--messages", "120")
	if code != exitOK {
		t.Fatalf("demo: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"== 1. The incident",
		"== 2. Triage",
		"prime-suspect",
		"ground truth (truth.json) names IN/",
		": matches.",
		"== 3. Replay the rest",
		"held",
		"Proof: the prime suspect",
		"The emulated store died on it",
		"== 4. Where everything is",
		// The next step, as the README's: a text log needs the zone.
		"--evidence Drwtsn32.log --evidence-tz ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "does NOT match") {
		t.Errorf("triage rank 1 is not the culprit:\n%s", out)
	}
}

func TestDemoRejectsBadFlags(t *testing.T) {
	if _, _, code := runCLI(t, "", "demo", "--scenario", "no-such-story"); code != exitUsage {
		t.Errorf("unknown scenario: exit %d, want %d", code, exitUsage)
	}
	if _, _, code := runCLI(t, "", "demo", "extra"); code != exitUsage {
		t.Errorf("argument: exit %d, want %d", code, exitUsage)
	}
}
