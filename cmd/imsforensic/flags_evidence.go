package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/rules"
	"github.com/imsforensic/imsforensic/triage"
)

// evidenceFlags are the evidence and ranking flags triage, simulate and
// bisect share, so that the three commands rank the same inputs the same
// way: triage's ranking is the one source of "who is the poison".
type evidenceFlags struct {
	paths       []string
	tzName      string
	crashWindow time.Duration

	eo *evidence.Options
}

func (o *evidenceFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.paths, "evidence", nil, "evidence file or folder (repeatable): .evt, .evtx, Event Viewer CSV/text exports, dumpel output, Drwtsn32.log, IMS protocol logs, IIS SMTP logs (W3C, NCSA), tracking logs")
	fs.StringVar(&o.tzName, "evidence-tz", "", `time zone of the server's local times in exports and logs: an IANA name ("America/New_York"), "UTC-5", "+01:00" or "UTC"; default: inferred from records found in both a binary log and an export, else this machine's zone (marked "assumed")`)
	fs.DurationVar(&o.crashWindow, "crash-window", triage.DefaultCrashWindow, "how long before a crash a file's time still counts as near it")
}

func (o *evidenceFlags) validate() error {
	if o.crashWindow <= 0 {
		return usageErrorf("--crash-window: want a positive duration such as 30m, got %s", o.crashWindow)
	}
	eo, err := evidenceOptions(o.tzName)
	if err != nil {
		return err
	}
	o.eo = eo
	return nil
}

// read reads --evidence, and only that: an evidence-like file found among
// the message inputs is not evidence (scanInputs lists such files and says
// they were not used). The events are put on one clock; a file's problems
// are in its accounting, reported by loadedEvidence.finish.
func (o *evidenceFlags) read(ctx context.Context) (*loadedEvidence, error) {
	if len(o.paths) == 0 {
		return &loadedEvidence{}, nil
	}
	return loadEvidence(ctx, o.paths, o.eo)
}

// ranking is triage's verdict on the inputs, with the evidence it read:
// every file's accounting, the events on one clock, and the clock's note.
type ranking struct {
	events   []model.Event
	evidence *loadedEvidence
	files    []model.EvidenceFile
	clock    triage.Clock
	res      triage.Result
}

// rank reads the evidence and ranks ms exactly as triage does.
func (o *evidenceFlags) rank(ctx context.Context, paths []string, ms []*model.Message, cfg *rules.Config, now time.Time) (ranking, error) {
	ev, err := o.read(ctx)
	if err != nil {
		return ranking{}, err
	}
	r := ranking{events: ev.events, evidence: ev, files: ev.infos, clock: ev.clock}
	r.res = triage.Rank(ms, ev.events, triage.Options{Now: now, Rules: cfg, CrashWindow: o.crashWindow, Zone: r.zone(o)})
	return r, nil
}

// clockNote says how the evidence times were put on one clock.
func (r ranking) clockNote() string {
	if r.clock.Warning != "" {
		return "warning: " + r.clock.Warning
	}
	return r.clock.Note
}

// zone is the server's zone for showing times: --evidence-tz when given,
// else the offset the clock inferred from the evidence, else this
// machine's zone (what the readers assumed).
func (r ranking) zone(o *evidenceFlags) *time.Location {
	if o.tzName == "" && r.clock.Inferred {
		return time.FixedZone(r.clock.Zone, int(r.clock.Offset/time.Second))
	}
	if o.eo != nil && o.eo.TZ != nil {
		return o.eo.TZ
	}
	return time.Local
}

// top is rank 1 when triage names a suspect (not clean), else nil.
func (r ranking) top() *model.Suspect {
	if len(r.res.Suspects) == 0 || r.res.Suspects[0].Verdict == model.VerdictClean {
		return nil
	}
	return &r.res.Suspects[0]
}

// crashers are the files the evidence shows crashing the server
// (triage's prime suspects), with the first reason that is not a rule,
// for simulate's emulated store.
func (r ranking) crashers() map[string]string {
	out := map[string]string{}
	for _, s := range r.res.Suspects {
		if s.Verdict != model.VerdictPrime {
			continue
		}
		why := fmt.Sprintf("triage rank %d, %s", s.Rank, s.Verdict)
		for _, re := range s.Reasons {
			if re.Kind != triage.KindRule {
				why += ": " + clipText(re.Detail, 140)
				break
			}
		}
		out[s.Path] = why
	}
	return out
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// observed are the evidence events of top's incident: the first crash
// cluster at or after its file time with the errors logged around it (IS
// 12800 comes a second before the IMS events), and every event naming its
// spool file. The same record is often read from the .evt and from its
// exports (whose local times depend on --evidence-tz): one is kept per
// source and ID, the binary log's first. Empty without evidence.
func (r ranking) observed(top *model.Suspect) []model.Event {
	if top == nil {
		return nil
	}
	var mtime time.Time
	if top.Message != nil {
		mtime = top.Message.ModTime
	}
	var from, to time.Time
	var cluster []model.Event
	for _, c := range r.res.Incident.Crashes {
		if c.Time.Before(mtime.Add(-time.Minute)) || len(c.Events) == 0 {
			continue
		}
		from, to = c.Events[0].Time, c.Events[0].Time
		for _, e := range c.Events {
			if e.Time.Before(from) {
				from = e.Time
			}
			if e.Time.After(to) {
				to = e.Time
			}
		}
		from, to = from.Add(-5*time.Second), to.Add(5*time.Second)
		cluster = c.Events
		break
	}
	var out []model.Event
	seen := map[string]int{}
	for i, e := range append(cluster, r.events...) {
		if e.EventID == 0 {
			continue // Drwtsn32.log: its fault is the 4097 of the same crash
		}
		named := e.SpoolFile != "" && equalFoldASCII(e.SpoolFile, top.Name)
		inCrash := i < len(cluster) ||
			!from.IsZero() && !e.Time.Before(from) && !e.Time.After(to) && (e.Level == "error" || e.Level == "warning") && e.SpoolFile == ""
		if !named && !inCrash {
			continue
		}
		k := fmt.Sprintf("%s|%d", e.Source, e.EventID)
		if i, ok := seen[k]; ok {
			if !strings.Contains(out[i].Origin, ".evt#") && strings.Contains(e.Origin, ".evt#") {
				out[i] = e
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, e)
	}
	return out
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
