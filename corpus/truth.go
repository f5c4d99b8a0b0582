package corpus

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"os"

	"github.com/imsforensic/imsforensic/internal/readonly"
)

// TruthSchema is the version of truth.json.
const TruthSchema = 1

// Truth is the ground truth of a generated corpus, written as
// dir/truth.json. Paths use forward slashes, relative to dir.
type Truth struct {
	Schema   int         `json:"schema"`
	Seed     int64       `json:"seed"`
	Layout   string      `json:"layout"`
	Server   string      `json:"server"`
	Domain   string      `json:"domain"`
	Scenario string      `json:"scenario"`
	Story    Scenario    `json:"scenario_detail"`
	Incident time.Time   `json:"incident_time,omitzero"` // the crash/stall event time (UTC)
	Files    []TruthFile `json:"files"`
	// Culprits are the files the evidence points at (empty for the
	// non-content and MTS-OUT stories, whose culprit is in no file).
	Culprits []string `json:"culprits"`
	// Evidence lists the evidence files written, relative to dir.
	Evidence []string `json:"evidence"`
	// Conclusion says what a correct triage should conclude, in words.
	Conclusion string `json:"conclusion,omitempty"`
}

// TruthFile is one generated file. Rules are the rules the generator
// planted on purpose (for clean files: the realistic risk traits they
// carry, usually none); a correct rule engine reports at least these.
type TruthFile struct {
	Path   string    `json:"path"`
	Name   string    `json:"name"`
	Queue  string    `json:"queue"`
	Format string    `json:"format"` // ims-spool, x-sender, "" (empty file)
	Rules  []string  `json:"rules"`
	Class  string    `json:"class"` // heaviest class of Rules: crash, stall, risk, info or ""
	Role   string    `json:"role"`  // clean, poison or culprit
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
	MTime  time.Time `json:"mtime"`
}

func (g *gen) truth() *Truth {
	t := &Truth{
		Schema: TruthSchema, Seed: g.cfg.Seed, Layout: g.cfg.Layout, Server: g.server, Domain: g.domain,
		Scenario: g.cfg.Scenario.Name, Story: g.cfg.Scenario, Incident: g.crash,
		Culprits: []string{}, Evidence: []string{},
	}
	for _, m := range g.metas {
		t.Files = append(t.Files, m.TruthFile)
		if m.isCulprit {
			t.Culprits = append(t.Culprits, m.Path)
		}
	}
	slices.SortFunc(t.Files, func(a, b TruthFile) int { return strings.Compare(a.Path, b.Path) })
	switch g.cfg.Scenario.Kind {
	case KindNonContent:
		t.Conclusion = "4018 + 4116 at service start with no data: a service-account rights problem (Q186739, Q163243), not a message"
	case KindMTSOut:
		t.Conclusion = "4116 with HRESULT 0x8007000E on the outbound side and no OUT file with oversize headers: the culprit is likely still in MTS-OUT (Q193639)"
	case KindContent:
		t.Conclusion = fmt.Sprintf("the culprit is %s (%s)", strings.Join(t.Culprits, ", "), g.cfg.Scenario.Culprit)
	}
	return t
}

func writeTruth(dir string, t *Truth) error {
	b, err := json.MarshalIndent(t, "", " ")
	if err != nil {
		return fmt.Errorf("corpus: truth.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("corpus: truth.json: %w", err)
	}
	return nil
}

// ReadTruth reads a truth.json written by Generate.
func ReadTruth(path string) (*Truth, error) {
	b, err := readonly.ReadFile(path, 0)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("corpus: %s: %w", path, err)
	}
	return &t, nil
}
