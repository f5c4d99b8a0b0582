package triage

import (
	"fmt"
	"sort"

	"github.com/imsforensic/imsforensic/model"
)

// conclusions turns the non-content patterns of poison-rules.md and the
// named files missing from the inputs into findings about the incident.
// None of them accuses a file. haveEvidence says events were given at all.
func (a *analysis) conclusions(haveEvidence bool) []model.Conclusion {
	var out []model.Conclusion

	// Named files that are not among the inputs (Q192186, Q230250).
	names := make([]string, 0, len(a.named))
	for n := range a.named {
		names = append(names, n)
	}
	sort.Strings(names)
	strong := 0
	for _, n := range names {
		var first *prepared
		for i, e := range a.named[n] {
			if namingWeight(e.Event) == WeightNamed {
				first = &a.named[n][i]
				break
			}
		}
		if first == nil {
			continue
		}
		strong++
		if len(a.byName[n]) > 0 {
			continue
		}
		out = append(out, model.NewConclusion(fmt.Sprintf("%s names %s, which is not among the inputs: look in %s and add it",
			a.cite(*first), n, where(first.Event)), "Q192186", "Q230250"))
	}

	if len(a.startup) > 0 {
		e := a.startup[0]
		out = append(out, model.NewConclusion(fmt.Sprintf("4018 then %s with no message data: the IMS could not initialise MAPI at start, most likely the service account's rights on %%SystemRoot%%\\System32 (Mapisvc.inf), not a message; no file is accused for these events",
			a.cite(e)), "Q186739", "Q163243"))
	}
	if len(a.threads) > 0 {
		e := a.threads[0]
		out = append(out, model.NewConclusion(fmt.Sprintf("%s: the IS or IMS work threads could not be set up (Max Threads lowered, e.g. by the Performance Optimizer), not content; 4116, 3039 and 4102 around it may have the same cause, and no file is accused for it",
			a.cite(e)), "Q169686"))
	}
	if len(a.lowDisk) > 0 {
		e := a.lowDisk[0]
		more := ""
		if len(a.lowDisk) > 1 {
			more = fmt.Sprintf(" (%d times)", len(a.lowDisk))
		}
		out = append(out, model.NewConclusion(fmt.Sprintf("%s%s: the Imcdata drive ran low on free space and the IMS entered flush mode (DiskSpaceLowWaterMark), not content; messages wait in IN and OUT until space is freed",
			a.cite(e), more), "Q189587", "Q272506"))
	}
	if a.mtsOut {
		e := a.outOfMemory[0]
		more := ""
		if len(a.outOfMemory) > 1 {
			more = fmt.Sprintf(" (%d times)", len(a.outOfMemory))
		}
		out = append(out, model.NewConclusion(fmt.Sprintf("%s%s carries HRESULT 0x8007000E on the outbound side and no OUT file has a header block over 32 KiB or a field over 21 KiB: the culprit is likely still in the MAPI MTS-OUT folder, which no file copy contains (open it with Mdbvu32); no file is accused for it",
			a.cite(e), more), "Q193639", "Q174036", "Q194560"))
	}
	if !a.opts.Now.IsZero() {
		for _, c := range a.crashes {
			if c.Time.After(a.opts.Now) {
				out = append(out, model.NewConclusion(fmt.Sprintf("the crash at %s is later than the analysis (%s): the evidence time zone is probably wrong (--evidence-tz), so time nearness is unreliable",
					a.at(c.Time), a.at(a.opts.Now))))
				break
			}
		}
	}
	if haveEvidence && len(a.crashes) == 0 && strong == 0 && len(out) == 0 {
		out = append(out, model.NewConclusion("the evidence holds no crash event and no event naming a spool file: suspects are ranked by their findings only"))
	}
	if len(a.stuck) > 0 {
		missing := 0
		for id := range a.stuck {
			if !a.mtsIDs[id] {
				missing++
			}
		}
		if missing > 0 {
			out = append(out, model.NewConclusion(fmt.Sprintf("the tracking log shows %d inbound message(s) received (1012) but never transferred into the store (1013); %d of them are not among the inputs: look for them in Imcdata\\IN and IN\\Archive",
				len(a.stuck), missing), "Q173364"))
		}
	}
	return out
}
