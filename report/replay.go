package report

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"github.com/imsforensic/imsforensic/model"
)

// ReplayOutput returns the record sink of replay (and replay --undo) for
// the format, and a flush that prints what was buffered when the run
// ends. JSON Lines are written as the records come, so a script sees each
// one at once; the table is printed at the end, aligned, with only the
// rows that need attention (held, refused, failed, deferred) unless
// verbose: a rerun of 2,000 messages is not 2,000 "skipped" lines.
func ReplayOutput(w io.Writer, f Format, verbose bool) (add func(model.ReplayRecord), flush func() error) {
	if f == JSON {
		// Each record's MarshalJSON bytes and a newline: what
		// newJSONLines writes for it (compact, no HTML escaping), without
		// encoding/json checking and compacting them again, three times a
		// replayed message.
		var werr error
		var line []byte
		return func(r model.ReplayRecord) {
				if werr != nil {
					return
				}
				b, err := r.AppendJSON(line[:0])
				if err != nil {
					werr = fmt.Errorf("write json: %w", err)
					return
				}
				line = append(b, '\n')
				_, werr = w.Write(line)
			}, func() error {
				return werr
			}
	}
	var recs []model.ReplayRecord
	hidden := 0
	return func(r model.ReplayRecord) {
			if verbose || needsAttention(r.Result) {
				recs = append(recs, r)
			} else {
				hidden++
			}
		}, func() error {
			if len(recs) > 0 || hidden == 0 {
				if err := writeReplayTable(w, recs); err != nil {
					return err
				}
			}
			if hidden > 0 {
				rows := "rows"
				if hidden == 1 {
					rows = "row"
				}
				_, err := fmt.Fprintf(w, "(%d %s written, skipped or planned not shown; --verbose lists every row)\n", hidden, rows)
				return err
			}
			return nil
		}
}

// needsAttention reports the results an admin must act on.
func needsAttention(r model.ReplayResult) bool {
	switch r {
	case model.ResultHeld, model.ResultRefused, model.ResultFailed, model.ResultDeferred:
		return true
	}
	return false
}

// writeReplayTable prints one row per record: plan lines, then results.
func writeReplayTable(w io.Writer, recs []model.ReplayRecord) error {
	if len(recs) == 0 {
		_, err := fmt.Fprintln(w, "no message selected")
		return err
	}
	t := newTable(w, "ACTION", "RESULT", "FILE", "DEST", "REASON")
	for _, r := range recs {
		dest := r.Dest
		if dest == "" {
			dest = "-"
		}
		if err := t.Append(string(r.Action), string(r.Result), text(filepath.Base(r.Path)), text(dest), text(r.Reason)); err != nil {
			return err
		}
	}
	return t.Render()
}

// WriteReplaySummary prints a replay's or an undo's counts for people,
// then the reasons by outcome, most frequent first.
func WriteReplaySummary(w io.Writer, s model.ReplaySummary) error {
	_, err := fmt.Fprintf(w, "planned %d, written %d, skipped %d, held %d, refused %d, failed %d", s.Planned, s.Written, s.Skipped, s.Held, s.Refused, s.Failed)
	if err != nil {
		return err
	}
	if s.Removed > 0 {
		fmt.Fprintf(w, ", removed %d", s.Removed)
	}
	fmt.Fprintln(w)
	if s.Journal != "" {
		fmt.Fprintf(w, "journal: %s\n", model.EscapeVisible(s.Journal))
	}
	outcomes := make([]model.ReplayOutcome, 0, len(s.Reasons))
	for o := range s.Reasons {
		outcomes = append(outcomes, o)
	}
	sort.Slice(outcomes, func(i, j int) bool { return outcomes[i] < outcomes[j] })
	for _, o := range outcomes {
		type rc struct {
			r string
			n int
		}
		var rs []rc
		for r, n := range s.Reasons[o] {
			rs = append(rs, rc{r, n})
		}
		sort.Slice(rs, func(i, j int) bool {
			if rs[i].n != rs[j].n {
				return rs[i].n > rs[j].n
			}
			return rs[i].r < rs[j].r
		})
		for _, x := range rs {
			if _, err := fmt.Fprintf(w, "  %-8s %4d  %s\n", o, x.n, x.r); err != nil {
				return err
			}
		}
	}
	return nil
}
