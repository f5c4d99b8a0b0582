package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// WriteBisect writes bisect's result: the culprits (with what the rules
// and triage's ranking said of each), the messages the target could not
// test and how to test them, and the rounds against halving by hand.
func WriteBisect(w io.Writer, f Format, culprits []model.Culprit, untestable []model.Untestable, s model.BisectSummary) error {
	if f == JSON {
		enc := newJSONLines(w)
		for _, c := range culprits {
			if err := enc.Encode(c); err != nil {
				return fmt.Errorf("write json: %w", err)
			}
		}
		for _, u := range untestable {
			if err := enc.Encode(u); err != nil {
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
		ew.printf("No message crashed the target (%d message(s), %d round(s)).\n", s.Messages-s.Untestable, s.Rounds)
	} else {
		ew.printf("%d culprit(s) crash the target:\n", len(culprits))
	}
	for _, c := range culprits {
		rules := "no crash rule fires: the catalogue missed it"
		if len(c.Rules) > 0 {
			rules = c.TopClass.String() + ": " + strings.Join(c.Rules, " ")
		}
		rank := "not a triage suspect"
		if c.Rank > 0 {
			rank = fmt.Sprintf("triage rank %d", c.Rank)
		}
		ew.printf("  %s  (%s; %s) isolated in round %d\n", model.EscapeVisible(c.Path), rules, rank, c.Round)
	}
	if len(untestable) > 0 {
		ew.printf("\nNot testable here (%d): %s\n", len(untestable), untestable[0].Why)
		for _, u := range untestable {
			ew.printf("  %s  (%s)\n", model.EscapeVisible(u.Path), strings.Join(u.Rules, " "))
		}
		ew.printf("  How: %s.\n", untestable[0].How)
	}
	resumed := ""
	if s.Resumed > 0 {
		resumed = fmt.Sprintf(", %d read back from the journal", s.Resumed)
	}
	ew.printf("\n%d round(s)%s, %d message(s) sent.\n", s.Rounds, resumed, s.Sent)
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
