package replay

import (
	"fmt"
	"io"
	"sort"
)

// Summary counts what a Run or Undo did. Reasons holds, per outcome
// ("skipped", "held", "refused", "failed", ...), how many messages had each
// reason.
type Summary struct {
	Planned int // planned writes (dry run) or writes attempted
	Written int // written or sent, durably (done ok)
	Skipped int
	Held    int
	Refused int
	Failed  int
	Removed int // Undo: files removed

	Reasons map[string]map[string]int
}

func (s *Summary) note(outcome, reason string) {
	switch outcome {
	case "planned":
		s.Planned++
	case "written":
		s.Written++
	case "skipped":
		s.Skipped++
	case "held":
		s.Held++
	case "refused":
		s.Refused++
	case "failed":
		s.Failed++
	case "removed":
		s.Removed++
	}
	if reason == "" {
		return
	}
	if s.Reasons == nil {
		s.Reasons = map[string]map[string]int{}
	}
	if s.Reasons[outcome] == nil {
		s.Reasons[outcome] = map[string]int{}
	}
	s.Reasons[outcome][reason]++
}

// Incomplete reports whether some message was refused or failed (exit 4).
func (s Summary) Incomplete() bool { return s.Refused > 0 || s.Failed > 0 }

// WriteText prints the summary for people: counts, then reasons by
// outcome, most frequent first.
func (s Summary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "planned %d, written %d, skipped %d, held %d, refused %d, failed %d", s.Planned, s.Written, s.Skipped, s.Held, s.Refused, s.Failed)
	if err != nil {
		return err
	}
	if s.Removed > 0 {
		fmt.Fprintf(w, ", removed %d", s.Removed)
	}
	fmt.Fprintln(w)
	outcomes := make([]string, 0, len(s.Reasons))
	for o := range s.Reasons {
		outcomes = append(outcomes, o)
	}
	sort.Strings(outcomes)
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
