package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// WriteBisect renders what bisect found: the culprits and the summary, as
// JSON Lines or as sentences for people.
func WriteBisect(w io.Writer, f Format, culprits []model.Culprit, s model.BisectSummary) error {
	if f == JSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, c := range culprits {
			if err := enc.Encode(c); err != nil {
				return fmt.Errorf("write json: %w", err)
			}
		}
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		return nil
	}
	ew := &errWriter{w: w}
	if len(culprits) == 0 {
		ew.printf("No message crashed the target (%d message(s), %d round(s)).\n", s.Messages, s.Rounds)
		return ew.err
	}
	ew.printf("%d culprit(s) crash the target:\n", len(culprits))
	for _, c := range culprits {
		rules := "no crash rule fires: the catalogue missed it"
		if len(c.Rules) > 0 {
			rules = c.TopClass.String() + ": " + strings.Join(c.Rules, " ")
		}
		ew.printf("  %s  (%s) isolated in round %d\n", model.Escape(c.Path), rules, c.Round)
	}
	ew.printf("\n%d round(s), %d message(s) sent (bound k*ceil(log2 n)+k = %d).\n", s.Rounds, s.Sent, s.Bound)
	ew.printf("Halving by hand: %d restart(s), %d message(s) (%s).\n", s.ByHand.Rounds, s.ByHand.Sent, s.ByHand.Method)
	return ew.err
}

// WriteBisectRound says one round for people watching: "round 3: 12
// message(s) (half): went through". A decision that took no round (a
// culprit isolated) prints nothing.
func WriteBisectRound(w io.Writer, st model.BisectStep) error {
	if st.Phase == model.PhaseIsolated {
		return nil
	}
	verdict := "went through"
	if st.Crashed {
		verdict = "CRASHED: " + st.Why
	}
	_, err := fmt.Fprintf(w, "round %d: %d message(s) (%s): %s\n", st.Round, st.Size, st.Phase, verdict)
	return err
}
