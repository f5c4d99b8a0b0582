package triage

import (
	"sort"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

const (
	hrOutOfMemory       = 0x8007000E // E_OUTOFMEMORY (Q193639)
	hrFailOneProvider   = 0x8004011D // MAPI_E_FAILONEPROVIDER (Q169686)
	ruleHeaderBlock32k  = "header-block-over-32k"
	ruleHeaderField21k  = "header-field-over-21k"
	trackingReceived    = 1012 // SMTP received inbound (Q173364)
	trackingTransferred = 1013 // SMTP transferred inbound to the IS
)

// analysis is what the evidence says about the incident, before any
// message is judged.
type analysis struct {
	opts   Options
	events []prepared

	crashes []Crash
	// startup are 4116 events explained by a failed start (4018 just
	// before, no message data): Q186739, Q163243.
	startup []prepared
	start   []prepared // the 4018 events
	// outOfMemory are the outbound 4116 0x8007000E events (Q193639).
	outOfMemory []prepared
	// mtsOut: outOfMemory is non-empty and no OUT file has oversize
	// headers, so the culprit is in MTS-OUT.
	mtsOut  bool
	threads []prepared // 4094 0x8004011D, 4023
	lowDisk []prepared // 3018

	// named maps an upper-case spool name to the events naming it.
	named map[string][]prepared
	// stuck maps an upper-case MTS-ID to the tracking 1012 entry of an
	// inbound message with no 1013.
	stuck map[string]prepared
	// byName maps an upper-case spool name to the inputs with that name.
	byName map[string][]*model.Message
	// stuckInputs counts the inputs that stuck names.
	stuckInputs int
	// mtsIDs holds the upper-case MTS-IDs of the inputs' envelopes.
	mtsIDs map[string]bool
}

func analyse(msgs []*model.Message, events []prepared, opts Options) *analysis {
	a := &analysis{opts: opts, events: events, named: map[string][]prepared{}, stuck: map[string]prepared{}, byName: map[string][]*model.Message{}, mtsIDs: map[string]bool{}}
	for _, m := range msgs {
		if m.Name != "" {
			k := strings.ToUpper(m.Name)
			a.byName[k] = append(a.byName[k], m)
		}
		if m.Envelope.MTSID != "" {
			a.mtsIDs[strings.ToUpper(m.Envelope.MTSID)] = true
		}
	}
	oversizeOut := false
	for _, m := range msgs {
		if outQueue(m.Queue) && (m.HasRule(ruleHeaderBlock32k) || m.HasRule(ruleHeaderField21k)) {
			oversizeOut = true
		}
	}

	transferred := map[string]bool{}
	for _, e := range events {
		if e.Kind == "tracking-log" && e.EventID == trackingTransferred && e.MTSID != "" {
			transferred[strings.ToUpper(e.MTSID)] = true
		}
	}
	for _, e := range events {
		switch {
		case isIMC(e.Event) && e.EventID == 4018:
			a.start = append(a.start, e)
		case isIMC(e.Event) && (e.EventID == 4023 || e.EventID == 4094 && hasHR(e.Event, hrFailOneProvider)):
			a.threads = append(a.threads, e)
		case isIMC(e.Event) && e.EventID == 3018:
			a.lowDisk = append(a.lowDisk, e)
		case e.Kind == "tracking-log" && e.EventID == trackingReceived && e.MTSID != "":
			k := strings.ToUpper(e.MTSID)
			if _, seen := a.stuck[k]; !seen && !transferred[k] {
				a.stuck[k] = e
			}
		}
		if namingWeight(e.Event) > 0 {
			k := strings.ToUpper(e.SpoolFile)
			a.named[k] = append(a.named[k], e)
		}
	}

	var crashEvents []prepared
	for _, e := range events {
		if !isCrashEvent(e.Event) {
			continue
		}
		if isIMC(e.Event) && e.EventID == 4116 {
			if a.afterStart(e) {
				a.startup = append(a.startup, e)
				continue
			}
			if hasHR(e.Event, hrOutOfMemory) {
				a.outOfMemory = append(a.outOfMemory, e)
				if !oversizeOut {
					continue // the culprit is in MTS-OUT: no file is near it
				}
			}
		}
		crashEvents = append(crashEvents, e)
	}
	a.mtsOut = len(a.outOfMemory) > 0 && !oversizeOut
	for id := range a.stuck {
		if a.mtsIDs[id] {
			a.stuckInputs++
		}
	}
	a.crashes = clusterCrashes(crashEvents)
	return a
}

// afterStart reports a 4116 that follows a 4018 within startGap and
// carries no message data (no HRESULT, no spool name): the IMS failing to
// start, not a message (Q186739).
func (a *analysis) afterStart(e prepared) bool {
	if e.HRESULT != nil || e.SpoolFile != "" || len(e.Data) > 0 || e.Time.IsZero() {
		return false
	}
	for _, s := range a.start {
		d := e.Time.Sub(s.Time)
		if d >= 0 && d <= startGap {
			return true
		}
	}
	return false
}

func hasHR(e model.Event, hr uint32) bool {
	v, ok := hresult(e)
	return ok && v == hr
}

func outQueue(q string) bool { return q == model.QueueOUT || q == model.QueuePickup }
func inQueue(q string) bool  { return q == model.QueueIN || q == model.QueueINArchive }

// clusterCrashes groups crash events (in time order) less than crashGap
// apart and works out each cluster's direction. Events without a time
// cannot be placed and are left out.
func clusterCrashes(evs []prepared) []Crash {
	var out []Crash
	var last prepared
	for _, e := range evs {
		if e.Time.IsZero() {
			continue
		}
		if len(out) == 0 || e.Time.Sub(last.Time) > crashGap {
			out = append(out, Crash{Time: e.Time})
		}
		c := &out[len(out)-1]
		c.Events = append(c.Events, e.Event)
		if e.FaultingFunction != "" && !containsFold(c.Functions, e.FaultingFunction) {
			c.Functions = append(c.Functions, e.FaultingFunction)
		}
		last = e
	}
	for i := range out {
		out[i].Direction, out[i].DirectionWhy = crashDirection(out[i])
	}
	return out
}

// crashDirection decides whether a crash happened converting inbound
// (IN) or outbound (OUT) mail, from the most specific evidence first: the
// faulting function's KB row, an outbound 4116 0x8007000E (Q193639), the
// inbound events 4182 / 4102 (Q232279), a store.exe Dr. Watson (Q192186).
// 3039 alone says only that the store died: no direction.
func crashDirection(c Crash) (string, string) {
	for _, e := range c.Events {
		if f, ok := lookupFunction(e.FaultingFunction); ok {
			return f.Dir, label(e) + " faulted in " + e.FaultingFunction + " (" + strings.Join(f.KB, " ") + ")"
		}
	}
	for _, e := range c.Events {
		if isIMC(e) && e.EventID == 4116 && hasHR(e, hrOutOfMemory) {
			return "OUT", "4116 with HRESULT 0x8007000E fetching an outbound message (Q193639)"
		}
	}
	for _, e := range c.Events {
		if isIMC(e) && (e.EventID == 4182 || e.EventID == 4102) {
			return "IN", label(e) + ": sending inbound mail into the store failed (Q232279, Q293288)"
		}
	}
	for _, e := range c.Events {
		if (e.Kind == "drwatson" || isDrWatson4097(e)) && program(e) == "store" {
			return "IN", label(e) + ": store.exe died converting inbound mail (Q192186)"
		}
	}
	return "", ""
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// nextCrash returns the first crash at or after the file's time, or nil.
func (a *analysis) nextCrash(m *model.Message) *Crash { return a.crashAfter(m.ModTime) }

// crashAfter returns the first crash at or after t, or nil (also for a
// zero t: no time, no nearness).
func (a *analysis) crashAfter(t time.Time) *Crash {
	if t.IsZero() {
		return nil
	}
	i := sort.Search(len(a.crashes), func(i int) bool { return !a.crashes[i].Time.Before(t) })
	if i == len(a.crashes) {
		return nil
	}
	return &a.crashes[i]
}

// incident builds the summary for Result.
func (a *analysis) incident(dups int) Incident {
	inc := Incident{Events: len(a.events), Duplicates: dups, Crashes: a.crashes}
	names := make([]string, 0, len(a.named))
	for n := range a.named {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		nf := NamedFile{Name: n}
		for _, m := range a.byName[n] {
			nf.Found = true
			nf.Paths = append(nf.Paths, m.Path)
		}
		for _, e := range a.named[n] {
			nf.Events = append(nf.Events, a.cite(e))
		}
		inc.Named = append(inc.Named, nf)
	}
	type key struct {
		kind, src string
		id        uint32
	}
	idx := map[key]int{}
	for _, e := range a.events {
		k := key{e.Kind, e.Source, e.EventID}
		i, ok := idx[k]
		if !ok {
			i = len(inc.Counts)
			idx[k] = i
			inc.Counts = append(inc.Counts, EventCount{Kind: e.Kind, Source: e.Source, EventID: e.EventID, First: e.Time})
		}
		c := &inc.Counts[i]
		c.Count++
		if !e.Time.IsZero() && (c.First.IsZero() || e.Time.Before(c.First)) {
			c.First = e.Time
		}
		if e.Time.After(c.Last) {
			c.Last = e.Time
		}
	}
	sort.Slice(inc.Counts, func(i, j int) bool {
		a, b := inc.Counts[i], inc.Counts[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.EventID < b.EventID
	})
	return inc
}
