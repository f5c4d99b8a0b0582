package corpus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// writeEvidence writes what the administrator would hold after the
// incident and returns the paths written, relative to dir, sorted.
func (g *gen) writeEvidence(ctx context.Context, dir string) ([]string, error) {
	evDir := filepath.Join(dir, "evidence")
	logRel := "Log"
	if g.cfg.Layout == LayoutTempIMS {
		logRel = "evidence/Log"
	}
	for _, d := range []string{evDir, filepath.Join(evDir, "tracking"), filepath.Join(dir, filepath.FromSlash(logRel))} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
	}
	byTime := make([]*msgMeta, len(g.metas))
	for i := range g.metas {
		byTime[i] = &g.metas[i]
	}
	slices.SortStableFunc(byTime, func(a, b *msgMeta) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		return compareStrings(a.Path, b.Path)
	})

	out := []string{}
	evs := g.buildEvents()
	first := uint32(1000 + g.rng.IntN(50000))
	steps := []struct {
		rel string
		fn  func(path string) error
	}{
		{"evidence/AppEvent.evt", func(p string) error { return writeEVT(p, evs, first, g.server, false) }},
		{"evidence/AppEvent-live.evt", func(p string) error { return writeEVT(p, evs, first, g.server, true) }},
		{"evidence/AppEvent.csv", func(p string) error { return writeCSV(p, evs, g.server, g.cfg.TZ) }},
		{"evidence/AppEvent.txt", func(p string) error { return writeTXT(p, evs, g.server, g.cfg.TZ) }},
		{"evidence/dumpel.txt", func(p string) error { return writeDumpel(p, evs, g.server, g.cfg.TZ) }},
		{"evidence/Drwtsn32.log", g.writeDrWatson},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("corpus: evidence: %w", err)
		}
		if err := s.fn(filepath.Join(dir, filepath.FromSlash(s.rel))); err != nil {
			return nil, err
		}
		out = append(out, s.rel)
	}
	logs, err := g.writeProtocolLogs(filepath.Join(dir, filepath.FromSlash(logRel)), byTime)
	if err != nil {
		return nil, err
	}
	for _, l := range logs {
		out = append(out, logRel+"/"+l)
	}
	tr, err := g.writeTracking(filepath.Join(evDir, "tracking"), byTime)
	if err != nil {
		return nil, err
	}
	for _, l := range tr {
		out = append(out, "evidence/tracking/"+l)
	}
	slices.Sort(out)
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
