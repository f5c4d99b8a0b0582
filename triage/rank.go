package triage

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Rank joins msgs (with their findings) and the evidence events into one
// suspect per message, ranked most likely poison first, and conclusions
// about the incident. events may hold the same record several times (read
// from the .evt and from its exports): copies are merged. Neither msgs nor
// events are modified. Without events the ranking is by findings alone
// (crash > stall > risk) and nobody is a prime suspect.
func Rank(msgs []*model.Message, events []model.Event, opts Options) Result {
	evs, dups, conflicts := mergeEvents(events)
	a := analyse(msgs, evs, opts)
	suspects := make([]model.Suspect, 0, len(msgs))
	for _, m := range msgs {
		suspects = append(suspects, a.judge(m))
	}
	SortSuspects(suspects)
	for i := range suspects {
		suspects[i].Rank = i + 1
	}
	return Result{Suspects: suspects, Conclusions: append(conflictConclusions(conflicts, opts.Zone), a.conclusions(len(events) > 0)...), Incident: a.incident(dups)}
}

// SortSuspects orders suspects by the one total order of triage: score
// descending, then verdict (heaviest first), then path, then name.
func SortSuspects(s []model.Suspect) {
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if va, vb := verdictOrder(a.Verdict), verdictOrder(b.Verdict); va != vb {
			return va < vb
		}
		// Equal evidence: the file the IMS takes first (oldest file time,
		// replay/simulate.Order) ranks first, since it is the one that
		// would crash the server first; simulate and bisect then tell the
		// same story as triage.
		if ta, tb := modTime(a), modTime(b); !ta.Equal(tb) {
			return ta.Before(tb)
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Name < b.Name
	})
}

func modTime(s model.Suspect) time.Time {
	if s.Message == nil {
		return time.Time{}
	}
	return s.Message.ModTime
}

func verdictOrder(v model.Verdict) int {
	switch v {
	case model.VerdictPrime:
		return 0
	case model.VerdictSuspect:
		return 1
	case model.VerdictRisky:
		return 2
	}
	return 3
}

// tally collects one message's reasons and what the verdict needs.
type tally struct {
	reasons []model.Reason
	content float64 // rule reasons
	proof   float64 // function, event, time, direction reasons
	named   bool    // an incident event names the file
	// near: the file is a content suspect written shortly before a crash.
	near bool
}

func (t *tally) add(kind, detail string, w float64, content bool) {
	w = round2(w)
	t.reasons = append(t.reasons, model.Reason{Kind: kind, Detail: detail, Weight: w})
	if content {
		t.content += w
	} else {
		t.proof += w
	}
}

func (a *analysis) judge(m *model.Message) model.Suspect {
	var t tally
	if m.Error != "" {
		t.add(KindError, "could not be read: "+m.Error, 0, false)
	}
	rulesHit := a.addRules(&t, m)

	// A faulting function that crashes on a rule this file carries
	// (poison-rules.md: risk-class rules become accusations only so).
	fnHit := false
	for _, c := range a.crashes {
		if !m.ModTime.IsZero() && c.Time.Add(clockSlack).Before(m.ModTime) {
			continue // the file was not there yet when this crash happened
		}
		for _, e := range c.Events {
			f, ok := lookupFunction(e.FaultingFunction)
			if !ok || fnHit {
				continue
			}
			if hit := a.carried(f.Rules, rulesHit); len(hit) > 0 {
				fnHit = true
				t.add(KindFunction, fmt.Sprintf("%s at %s (%s): %s faulted in %s, which crashes on %s (%s); this file carries %s",
					label(e), a.at(e.Time), e.Origin, programName(e), e.FaultingFunction, strings.Join(f.Rules, ", "), strings.Join(f.KB, " "), strings.Join(hit, ", ")),
					WeightFunction, false)
			}
		}
	}
	// Q193639: an outbound 4116 0x8007000E is the store failing to fetch
	// oversize headers; an OUT file that has them is the one.
	if outQueue(m.Queue) && len(a.outOfMemory) > 0 && !a.mtsOut {
		if hit := a.carried([]string{ruleHeaderBlock32k, ruleHeaderField21k}, rulesHit); len(hit) > 0 {
			e := a.outOfMemory[0]
			fnHit = true
			t.add(KindEvent, fmt.Sprintf("%s carries HRESULT 0x8007000E (out of memory fetching an outbound message's headers, Q193639); this OUT file carries %s",
				a.cite(e), strings.Join(hit, ", ")), WeightFunction, false)
		}
	}

	a.addNamed(&t, m)

	if m.Envelope.MTSID != "" {
		if e, ok := a.stuck[strings.ToUpper(m.Envelope.MTSID)]; ok {
			w, why := WeightTracking, "a candidate"
			if a.stuckInputs > MaxStuckDistinct {
				w, why = WeightTrackingCommon, fmt.Sprintf("one of %d such inputs, so hardly distinctive", a.stuckInputs)
			}
			t.add(KindEvent, fmt.Sprintf("%s: received (1012) but never transferred into the store (no 1013) for MTS-ID %s: %s (message tracking event IDs, Q173364)",
				a.cite(e), m.Envelope.MTSID, why), w, false)
		}
	}

	contentSuspect := m.TopClass() >= model.ClassStall || fnHit
	if c := a.nextCrash(m); c != nil {
		d := c.Time.Sub(m.ModTime)
		if w := a.opts.window(); d <= w {
			max := WeightTimeNoContent
			if contentSuspect {
				max = WeightTime
				t.near = true
			}
			weight := max * (1 - float64(d)/float64(w))
			if weight > 0 {
				t.add(KindTime, fmt.Sprintf("file time %s is %s before the crash at %s (%s)",
					a.at(m.ModTime), span(d), a.at(c.Time), crashEvents(c)), weight, false)
			}
		}
	}
	if contentSuspect {
		for _, c := range a.crashes {
			if !m.ModTime.IsZero() && c.Time.Add(clockSlack).Before(m.ModTime) {
				continue // the file was not there yet
			}
			if c.Direction == "IN" && inQueue(m.Queue) || c.Direction == "OUT" && outQueue(m.Queue) {
				t.add(KindDirection, fmt.Sprintf("queue %s matches the %s crash at %s: %s", m.Queue, c.Direction, a.at(c.Time), c.DirectionWhy),
					WeightDirection, false)
				break
			}
		}
	}

	verdict := verdictOf(&t)
	if verdict == model.VerdictPrime && a.mtsOut && !t.named {
		verdict = model.VerdictSuspect
		t.reasons = append(t.reasons, model.Reason{Kind: KindQueue,
			Detail: "not a prime suspect: the outbound 4116 0x8007000E with no oversize OUT file points at a message still in MTS-OUT (Q193639)"})
	}
	sortReasons(t.reasons)
	if t.reasons == nil {
		t.reasons = []model.Reason{}
	}
	return model.Suspect{Type: model.TypeSuspect, Schema: model.SchemaVersion, Path: m.Path, Name: m.Name, MboxOrdinal: m.MboxOrdinal, Queue: m.Queue,
		Score: round2(t.content + t.proof), Verdict: verdict, Reasons: t.reasons, Message: m}
}

// addRules adds one reason per rule that fired (its heaviest finding):
// the heaviest rule at full weight, the others at SecondaryRuleFactor.
// It returns the rule IDs.
func (a *analysis) addRules(t *tally, m *model.Message) map[string]bool {
	fs := append([]model.Finding(nil), m.Findings...)
	model.SortFindings(fs)
	hit := map[string]bool{}
	first := true
	for _, f := range fs {
		if hit[f.Rule] {
			continue
		}
		hit[f.Rule] = true
		w := f.Score()
		if !first {
			w *= SecondaryRuleFactor
		}
		first = false
		t.add(KindRule, ruleDetail(f), w, true)
	}
	return hit
}

// carried returns the rules of ids that the message carries and the rule
// configuration has not disabled.
func (a *analysis) carried(ids []string, hit map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if hit[id] && (a.opts.Rules == nil || !a.opts.Rules.Disabled[id]) {
			out = append(out, id)
		}
	}
	return out
}

func (a *analysis) addNamed(t *tally, m *model.Message) {
	if m.Name == "" {
		return
	}
	seen := map[string]bool{}
	for _, e := range a.named[strings.ToUpper(m.Name)] {
		w := namingWeight(e.Event)
		l := label(e.Event)
		if seen[l] {
			continue // the same event logged again (a retry) adds nothing
		}
		seen[l] = true
		switch {
		case w == WeightReceipt:
			// 2002 is logged for every inbound message: it weighs only
			// when the file arrived shortly before a crash.
			if c := a.crashAfter(e.Time); c == nil || c.Time.Sub(e.Time) > a.opts.window() {
				w = 0
			}
			t.add(KindEvent, fmt.Sprintf("received as spool file %s: %s (a receipt notice, not an error)", e.SpoolFile, a.cite(e)), w, false)
		case t.named:
			t.add(KindEvent, fmt.Sprintf("named again by %s: spool file %s", a.cite(e), e.SpoolFile), WeightNamedAgain, false)
		default:
			t.named = true
			t.add(KindEvent, fmt.Sprintf("named by %s: spool file %s", a.cite(e), e.SpoolFile), WeightNamed, false)
		}
	}
}

// verdictOf applies the thresholds of docs/triage.md.
func verdictOf(t *tally) model.Verdict {
	score := t.content + t.proof
	switch {
	case t.named:
		return model.VerdictPrime
	case t.content > 0 && t.near && t.proof >= PrimeEvidence:
		return model.VerdictPrime
	case score >= SuspectScore:
		return model.VerdictSuspect
	case score >= RiskyScore:
		return model.VerdictRisky
	}
	return model.VerdictClean
}

func sortReasons(rs []model.Reason) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Weight != rs[j].Weight {
			return rs[i].Weight > rs[j].Weight
		}
		if rs[i].Kind != rs[j].Kind {
			return rs[i].Kind < rs[j].Kind
		}
		return rs[i].Detail < rs[j].Detail
	})
}

// ruleDetail is `rule blank-charset (crash, Q278320 Q293288) at offset 1834
// in part 1.2: charset = ""`.
func ruleDetail(f model.Finding) string {
	var b strings.Builder
	b.WriteString("rule " + f.Rule + " (" + f.Class.String())
	if len(f.KB) > 0 {
		b.WriteString(", " + strings.Join(f.KB, " "))
	}
	b.WriteString(fmt.Sprintf(") at offset %d", f.Offset))
	if f.Part != "" {
		b.WriteString(" in part " + f.Part)
	}
	if f.Evidence != "" {
		b.WriteString(": " + model.Escape(string(f.Evidence)))
	}
	if f.Detail != "" {
		b.WriteString(" (" + f.Detail + ")")
	}
	return b.String()
}

func programName(e model.Event) string {
	if p := program(e); p != "" {
		return p + ".exe"
	}
	return "the program"
}

// crashEvents lists a crash's events: "DrWatson 4097, MSExchangeIMC 3039,
// MSExchangeIMC 4116".
func crashEvents(c *Crash) string {
	var ls []string
	for _, e := range c.Events {
		l := label(e)
		if !containsFold(ls, l) {
			ls = append(ls, l)
		}
	}
	if len(ls) > 4 {
		ls = append(ls[:4], fmt.Sprintf("+%d more", len(ls)-4))
	}
	return strings.Join(ls, ", ")
}

// span is a duration for people: "51s", "12m05s", "1h02m".
func span(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
