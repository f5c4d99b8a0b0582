package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// TestBisectOverSMTPNamesCulpritsRanksAndWhatItCannotTest: a generated
// incident with evidence, bisected against the sink emulating the IMS.
// Every crash-class culprit is found with its triage rank, rank 1 first
// (in round 1), in at most k+1 rounds and fewer than by hand; the message
// whose only fault is in the IMS envelope is reported as not testable
// here, with the way to test it, instead of being cleared.
func TestBisectOverSMTPNamesCulpritsRanksAndWhatItCannotTest(t *testing.T) {
	sc, _ := corpus.ScenarioByName("blank-charset-12007")
	dir := t.TempDir()
	truth, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: 120, Seed: 8, Evidence: true, Scenario: sc,
		Poison: []string{"blank-charset", "tnef-corrupt", "x400-address-over-1024"}})
	if err != nil {
		t.Fatal(err)
	}
	var wantCrash, wantUntestable []string
	for _, f := range truth.Files {
		switch {
		case len(f.Rules) > 0 && f.Rules[0] == "x400-address-over-1024":
			wantUntestable = append(wantUntestable, filepath.Join(dir, filepath.FromSlash(f.Path)))
		case f.Class == "crash":
			wantCrash = append(wantCrash, filepath.Join(dir, filepath.FromSlash(f.Path)))
		}
	}
	sort.Strings(wantCrash)
	_, url := sinktest.Start(t, smtpsink.Config{Emulate: smtpsink.EmulateIMS, Lint: sinktest.Lint})
	out, errOut, code := runCLI(t, "", "bisect", "--format", "json", "--evidence-tz", "UTC-5", "--target", url,
		"--journal", filepath.Join(t.TempDir(), "b.jsonl"), dir)
	if code != 0 {
		t.Fatalf("bisect: exit %d: %s", code, errOut)
	}
	var culprits, untestable []string
	var rounds, byHand int
	rank1Round := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			Type, Path, How string
			Rank, Round     int
			Rounds          int
			ByHand          struct{ Rounds int } `json:"by_hand"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		switch rec.Type {
		case "culprit":
			culprits = append(culprits, rec.Path)
			if rec.Rank == 0 {
				t.Errorf("culprit %s carries no triage rank", rec.Path)
			}
			if rec.Rank == 1 {
				rank1Round = rec.Round
			}
		case "untestable":
			untestable = append(untestable, rec.Path)
			if !strings.Contains(rec.How, "--probe") || !strings.Contains(rec.How, "imcdata:") {
				t.Errorf("untestable %s without the way to test it: %q", rec.Path, rec.How)
			}
		case "bisect":
			rounds, byHand = rec.Rounds, rec.ByHand.Rounds
		}
	}
	sort.Strings(culprits)
	if strings.Join(culprits, " ") != strings.Join(wantCrash, " ") {
		t.Errorf("culprits %v, want the crash-class files %v", culprits, wantCrash)
	}
	if strings.Join(untestable, " ") != strings.Join(wantUntestable, " ") || len(untestable) == 0 {
		t.Errorf("not testable here: %v, want %v", untestable, wantUntestable)
	}
	if rank1Round != 1 {
		t.Errorf("triage's rank 1 was isolated in round %d, want 1 (suspects first)", rank1Round)
	}
	if rounds > len(wantCrash)+1 || rounds >= byHand {
		t.Errorf("%d rounds for %d culprits, by hand %d", rounds, len(wantCrash), byHand)
	}
}
