package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// WriteCorpus renders what corpus generated: the corpus record as JSON, or
// one line per fact for people.
func WriteCorpus(w io.Writer, f Format, s model.CorpusSummary) error {
	if f == JSON {
		return WriteJSONRecord(w, s)
	}
	ew := &errWriter{w: w}
	ew.printf("%-16s %s\n", "out", s.Out)
	ew.printf("%-16s %s (seed %d)\n", "layout", s.Layout, s.Seed)
	ew.printf("%-16s %d (%d poison)\n", "files", s.Files, s.Poison)
	for _, q := range []string{model.QueueIN, model.QueueINArchive, model.QueueOUT, model.QueueOUTArchive, model.QueuePickup} {
		if s.Queues[q] > 0 {
			ew.printf("  %-14s %d\n", q, s.Queues[q])
		}
	}
	sc := s.Scenario
	if sc == "" {
		sc = "(quiet day)"
	}
	ew.printf("%-16s %s\n", "scenario", sc)
	ew.printf("%-16s %s\n", "culprits", strings.Join(s.Culprits, ", "))
	ew.printf("%-16s %d file(s)\n", "evidence", len(s.Evidence))
	ew.printf("%-16s %s\n", "truth", s.Truth)
	if ew.err != nil {
		return fmt.Errorf("corpus: %w", ew.err)
	}
	return nil
}
