package simulate

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Options tune the emulated server. The zero value is an Exchange 5.5 IMS
// whose service recovery restarts it three times before the admin stops
// it, with no poison-message detection.
type Options struct {
	// MaxRestarts is how many times the crashed services are restarted
	// (service recovery, or the admin) before the admin gives up and the
	// crash loop ends with the queue stuck. 0 = DefaultMaxRestarts;
	// -1 = never restart.
	MaxRestarts int
	// PoisonThreshold > 0 turns on the Exchange 2007+ poison message
	// behaviour (ims-kb.md 6.2, Set-TransportService -PoisonThreshold,
	// default 2): a message in flight during that many crashes is moved
	// to the poison queue at the next start and the queue goes on. 0 =
	// the default, Exchange 5.5, which has no such protection; -1 = none
	// too.
	PoisonThreshold int
	// Hold reports the messages held back (not put into the queue). nil
	// holds nothing.
	Hold func(m *model.Message) bool
	// Evidence names the files the evidence shows crashing the server
	// (triage's prime suspects) with why, by path. Such a file crashes
	// the emulated store even when no crash rule fires on it (a risk-class
	// rule plus a Dr. Watson faulting function, or a fault the catalogue
	// does not know): the ranking, not a second opinion, decides. A file
	// the rules already stall keeps its stall outcome.
	Evidence map[string]string
	// Start is the clock of the first step; zero = the earliest file time
	// of the queue. Step times are Start plus the simulated offset.
	Start time.Time
	// ProcessTime is how long one message takes to convert and submit
	// (0 = DefaultProcessTime); RestartDelay how long the services take to
	// come back after a crash (0 = DefaultRestartDelay). A negative
	// duration (-1) means none: the step takes no simulated time.
	ProcessTime  time.Duration
	RestartDelay time.Duration
}

// Defaults of the zero Options.
const (
	DefaultMaxRestarts  = 3
	DefaultProcessTime  = 2 * time.Second
	DefaultRestartDelay = time.Minute
	// ExchangePoisonThreshold is Set-TransportService -PoisonThreshold's
	// documented default (ims-kb.md 6.2).
	ExchangePoisonThreshold = 2
)

func (o Options) withDefaults() Options {
	if o.MaxRestarts == 0 {
		o.MaxRestarts = DefaultMaxRestarts
	}
	if o.MaxRestarts < 0 {
		o.MaxRestarts = 0
	}
	o.ProcessTime = durationOr(o.ProcessTime, DefaultProcessTime)
	o.RestartDelay = durationOr(o.RestartDelay, DefaultRestartDelay)
	return o
}

// durationOr applies the Options convention to a duration: 0 = def,
// negative = none.
func durationOr(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Result is a run's timeline and summary.
type Result struct {
	Steps   []model.SimStep
	Summary model.Simulation
}

// Run emulates the IMS working through msgs. The run name is written in
// every record ("as-is", "held"). It returns early only when ctx is
// cancelled.
func Run(ctx context.Context, run model.SimRun, msgs []*model.Message, opts Options) (Result, error) {
	o := opts.withDefaults()
	s := &sim{run: run, opts: o, res: Result{Summary: model.Simulation{Type: model.TypeSimulation, Schema: model.SchemaVersion, Run: run, Messages: len(msgs)}}}

	var queue []*model.Message
	for _, m := range Order(msgs) {
		switch {
		case o.Hold != nil && o.Hold(m):
			s.res.Summary.Held++
			s.step(m, model.SimHeld, "", "held back: not put into the queue", nil)
		case m.Error != "":
			s.res.Summary.Skipped++
			s.step(m, model.SimSkipped, "", "could not be read: "+m.Error, nil)
		case direction(m.Queue) == "":
			s.res.Summary.Skipped++
			s.step(m, model.SimSkipped, "", "in "+m.Queue+": the IMS does not read this folder (move it back to IN to replay it)", nil)
		default:
			queue = append(queue, m)
		}
	}
	if s.opts.Start.IsZero() && len(queue) > 0 {
		s.opts.Start = queue[0].ModTime
	}
	for i := range s.res.Steps { // the held and skipped lines, at the start
		s.res.Steps[i].Time = s.at()
	}

	crashes := map[*model.Message]int{}
	restarts := 0
	for i := 0; i < len(queue); i++ {
		if err := ctx.Err(); err != nil {
			return s.res, fmt.Errorf("simulate: %w", err)
		}
		m := queue[i]
		f, why, crash := crashFinding(m, o.Evidence)
		if !crash {
			s.process(m)
			continue
		}
		for {
			crashes[m]++
			s.res.Summary.Crashes++
			s.clock += s.opts.ProcessTime
			detail := crashDetail(m, f, crashes[m])
			if why != "" {
				detail = fmt.Sprintf("crash %d: the evidence shows it crashing the server (%s)", crashes[m], why)
			}
			s.step(m, model.SimCrash, f.Rule, detail, crashEvents(m, f))
			if o.PoisonThreshold > 0 && crashes[m] >= o.PoisonThreshold {
				s.restart(&restarts)
				s.res.Summary.Poisoned++
				s.step(m, model.SimPoison, f.Rule, fmt.Sprintf("in flight during %d crashes (PoisonThreshold %d): moved to the poison queue at start; the queue goes on", crashes[m], o.PoisonThreshold), nil)
				break
			}
			if restarts >= o.MaxRestarts {
				behind := len(queue) - i - 1
				s.res.Summary.Blocked = behind + 1
				s.res.Summary.LoopFile = m.Name
				s.step(m, model.SimCrashLoop, f.Rule, fmt.Sprintf("crash loop: %d crashes on %s after %d restarts; the admin stops the IMS; %d message(s) stuck behind it", crashes[m], m.Name, restarts, behind), nil)
				for _, b := range queue[i+1:] {
					s.step(b, model.SimBlocked, "", "never reached: behind "+m.Name, nil)
				}
				s.finish()
				return s.res, nil
			}
			s.restart(&restarts)
			s.step(m, model.SimRetry, f.Rule, "the IMS takes the same spool file first (Queue.dat rebuilt from the folder, oldest first)", nil)
		}
	}
	s.res.Summary.Drained = true
	s.step(nil, model.SimDrained, "", "the queue is empty", nil)
	s.finish()
	return s.res, nil
}

// sim is one run's state.
type sim struct {
	run   model.SimRun
	opts  Options
	clock time.Duration
	res   Result
}

func (s *sim) at() time.Time {
	if s.opts.Start.IsZero() {
		return time.Time{}
	}
	return s.opts.Start.Add(s.clock)
}

func (s *sim) step(m *model.Message, action model.SimAction, rule, detail string, evs []model.LoggedEvent) {
	st := model.SimStep{Type: model.TypeStep, Schema: model.SchemaVersion, Run: s.run, Seq: len(s.res.Steps) + 1,
		Offset: s.clock, Time: s.at(), Action: action, Rule: rule, Detail: detail, Events: evs}
	if m != nil {
		st.Path, st.Name, st.Queue = m.Path, m.Name, m.Queue
	}
	s.res.Steps = append(s.res.Steps, st)
}

func (s *sim) restart(restarts *int) {
	*restarts++
	s.res.Summary.Restarts++
	s.clock += s.opts.RestartDelay
	s.step(nil, model.SimRestart, "", fmt.Sprintf("restart %d: Information Store and Internet Mail Service started again", *restarts), nil)
}

// process handles a message that does not crash the store.
func (s *sim) process(m *model.Message) {
	s.clock += s.opts.ProcessTime
	if m.TopClass() != model.ClassStall {
		s.res.Summary.Delivered++
		s.step(m, model.SimDelivered, "", deliveredDetail(m), nil)
		return
	}
	o := stallOutcomeOf(m)
	switch o.action {
	case model.SimArchived:
		s.res.Summary.Archived++
	case model.SimStuck:
		s.res.Summary.StuckStall++
	case model.SimReturned:
		s.res.Summary.Returned++
	case model.SimDelivered:
		s.res.Summary.Delivered++
	}
	s.step(m, o.action, o.finding.Rule, o.detail, o.events(m))
}

func (s *sim) finish() {
	s.res.Summary.Stuck = s.res.Summary.StuckStall + s.res.Summary.Blocked
	s.res.Summary.Duration = s.clock
}

// Order returns a copy of msgs in the order the IMS takes them: file
// time, then name (case-insensitively, as NTFS lists them), then path.
func Order(msgs []*model.Message) []*model.Message {
	out := append([]*model.Message(nil), msgs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.ModTime.Equal(b.ModTime) {
			return a.ModTime.Before(b.ModTime)
		}
		if x, y := foldName(a.Name), foldName(b.Name); x != y {
			return x < y
		}
		return a.Path < b.Path
	})
	return out
}

func foldName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// direction is "IN" or "OUT" for the queues the IMS works through, "" for
// the others. Files outside any Imcdata folder count as inbound: they are
// what the admin would copy back into IN.
func direction(queue string) string {
	switch queue {
	case model.QueueIN, model.QueueNone:
		return model.QueueIN
	case model.QueueOUT, model.QueuePickup:
		return model.QueueOUT
	}
	return ""
}

// crashFinding says whether m crashes the emulated server and on which
// finding: its first crash finding, or, for a file the evidence shows
// crashing it (and no stall rule sets aside), its heaviest finding with
// the evidence's why.
func crashFinding(m *model.Message, evidence map[string]string) (model.Finding, string, bool) {
	if m.TopClass() == model.ClassCrash {
		return topFinding(m, model.ClassCrash), "", true
	}
	why, ok := evidence[m.Path]
	if !ok || m.TopClass() == model.ClassStall {
		return model.Finding{}, "", false
	}
	var f model.Finding
	if len(m.Findings) > 0 {
		f = m.Findings[0]
	}
	return f, why, true
}

// topFinding is the first finding of class c (findings are sorted
// heaviest first).
func topFinding(m *model.Message, c model.Class) model.Finding {
	for _, f := range m.Findings {
		if f.Class == c {
			return f
		}
	}
	return model.Finding{}
}

func deliveredDetail(m *model.Message) string {
	if direction(m.Queue) == model.QueueOUT {
		return "converted and sent"
	}
	return "converted and submitted to the store"
}
