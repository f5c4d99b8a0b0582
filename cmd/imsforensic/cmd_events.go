package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/triage"
)

type eventsOptions struct {
	out        outputFlags
	evidenceTZ string
	sources    []string
	ids        []uint
	types      []string
	since      string
	until      string

	eo       *evidence.Options
	from, to time.Time
}

func (o *eventsOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.evidenceTZ, "evidence-tz", "", `time zone of the server's local times in exports and logs: an IANA name, "UTC-5", "+01:00" or "UTC"; default: inferred from records found in both a binary log and an export, else this machine's zone (marked "assumed")`)
	fs.StringArrayVar(&o.sources, "source", nil, "only events of this source (repeatable, case-insensitive): MSExchangeIMC, MSExchangeIS, DrWatson, ...")
	fs.UintSliceVar(&o.ids, "id", nil, "only events with this event ID (repeatable or comma-separated): 4116,4117")
	fs.StringArrayVar(&o.types, "type", nil, "only events of this type (repeatable): error, warning, information, audit-success, audit-failure")
	fs.StringVar(&o.since, "since", "", `only events at or after TIME: RFC 3339 ("2001-03-14T10:30:00-05:00") or "2001-03-14 15:30[:00]" in UTC`)
	fs.StringVar(&o.until, "until", "", "only events at or before TIME (as --since)")
	fs.StringVar(&o.out.format, "format", "table", "output format: table, json (JSON Lines) or csv")
}

func (o *eventsOptions) validate(g *globals) error {
	if err := o.out.validate(g); err != nil {
		return err
	}
	eo, err := evidenceOptions(o.evidenceTZ)
	if err != nil {
		return err
	}
	o.eo = eo
	if o.from, err = parseWhen(o.since); err != nil {
		return usageError(fmt.Errorf("--since: %w", err))
	}
	if o.to, err = parseWhen(o.until); err != nil {
		return usageError(fmt.Errorf("--until: %w", err))
	}
	return nil
}

func newEventsCommand() *command {
	opts := &eventsOptions{}
	fs := newFlagSet("events")
	opts.addFlags(fs)
	return &command{
		name:  "events",
		usage: "events [flags] PATH...",
		short: "the evidence timeline: every event of every evidence file, on one clock",
		long: `Reads every evidence file (a folder is walked; files are recognised by
content, never by name) and prints how each file was read (format, events,
damaged records, time zone, first and last event), then every event
in time order, as plaso's psort shows a timeline.

Known formats: ` + knownEvidenceFormats() + `.

Binary .evt and .evtx records and tracking logs are UTC; exports, dumpel, Dr. Watson
and protocol logs hold the server's local time. Without --evidence-tz the
server's offset is inferred from records found both in a binary log and in
an export of it; when nothing tells it, those times are read in this
machine's zone and marked "assumed", and a note says so.

Examples:
  imsforensic events AppEvent.evt AppEvent.csv Drwtsn32.log
  imsforensic events --format json evidence/ > timeline.jsonl
  imsforensic events --source MSExchangeIMC --id 4116,4117 --since "2001-03-14 15:00" evidence/
  imsforensic events --evidence-tz America/New_York --format csv evidence/ > timeline.csv

Damaged records are counted and told, not an error; a file that is no known
evidence format counts as not read (exit 4 below).`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runEvents(ctx, opts, g, args)
		},
	}
}

func runEvents(ctx context.Context, opts *eventsOptions, g *globals, args []string) error {
	if len(args) == 0 {
		return usageErrorf("events: want at least one PATH (an evidence file or folder)")
	}
	var prog *progress
	if g.stderrTTY && opts.out.fmt != report.JSON {
		prog = newProgress(g.stderr, "reading evidence", true)
		n := 0
		opts.eo.OnLoad = func(string) { n++; prog.update(n, n) }
	}
	ev, err := loadEvidence(ctx, args, opts.eo)
	if prog != nil {
		prog.done()
	}
	if err != nil {
		return err
	}
	// Filtered in place: the timeline of a big export is held once.
	events := ev.events[:0]
	printed := map[string]int{}
	for i := range ev.events {
		if opts.keep(&ev.events[i]) {
			events = append(events, ev.events[i])
			printed[ev.events[i].Path]++
		}
	}
	ev.events = events
	for i := range ev.infos {
		ev.infos[i].Events = printed[ev.infos[i].Path]
	}
	if werr := report.WriteEvents(g.stdout, opts.out.fmt, ev.infos, events, ev.notes()); werr != nil {
		return werr
	}
	if failed := ev.tell(g); failed > 0 {
		return partialError(failed)
	}
	return nil
}

// keep applies the filters.
func (o *eventsOptions) keep(e *model.Event) bool {
	if len(o.sources) > 0 && !containsFold(o.sources, e.Source) {
		return false
	}
	if len(o.types) > 0 && !containsFold(o.types, e.Level) {
		return false
	}
	if len(o.ids) > 0 {
		found := false
		for _, id := range o.ids {
			found = found || uint32(id) == e.EventID
		}
		if !found {
			return false
		}
	}
	if !o.from.IsZero() && (e.Time.IsZero() || e.Time.Before(o.from)) {
		return false
	}
	return o.to.IsZero() || !e.Time.IsZero() && !e.Time.After(o.to)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}

// loadedEvidence is the evidence of a run on one clock: every file's
// accounting, every event (times aligned), and what the clock found.
type loadedEvidence struct {
	files  []evidence.File
	infos  []model.EvidenceFile
	events []model.Event
	clock  triage.Clock
}

// loadEvidence reads paths as evidence and puts every event on one clock
// (triage.AlignClock). Only a cancellation is an error; unreadable files
// are in files with their error.
func loadEvidence(ctx context.Context, paths []string, eo *evidence.Options) (*loadedEvidence, error) {
	files, err := evidence.LoadPaths(ctx, paths, eo)
	if err != nil {
		return nil, err
	}
	ev := &loadedEvidence{files: files}
	for _, f := range files {
		ev.infos = append(ev.infos, f.Info)
	}
	ev.events, _ = evidence.Events(files)
	// The joined copy is the one used from here on: each file keeps its
	// info and error (tell), not a second copy of its events.
	for i := range ev.files {
		ev.files[i].Events = nil
	}
	ev.clock = triage.AlignClock(ev.infos, ev.events)
	evidence.SortEvents(ev.events)
	return ev, nil
}

// notes are the clock's note or warning as conclusions.
func (ev *loadedEvidence) notes() []model.Conclusion {
	var out []model.Conclusion
	if ev.clock.Warning != "" {
		out = append(out, model.NewConclusion("warning: "+ev.clock.Warning))
	}
	if ev.clock.Note != "" {
		out = append(out, model.NewConclusion(ev.clock.Note))
	}
	return out
}

// tell says on stderr each file's error and warnings, and the clock
// warning, and returns how many files could not be read whole.
func (ev *loadedEvidence) tell(g *globals) int {
	if ev.clock.Warning != "" {
		fmt.Fprintf(g.stderr, "imsforensic: warning: %s\n", ev.clock.Warning)
	}
	failed := 0
	for _, f := range ev.files {
		for _, w := range f.Info.Warnings {
			fmt.Fprintf(g.stderr, "imsforensic: warning: %s: %s\n", model.EscapeVisible(f.Info.Path), w)
		}
		if f.Err != nil {
			failed++
			fmt.Fprintf(g.stderr, "imsforensic: %s\n", humanError(f.Err))
		}
	}
	return failed
}

// evidenceOptions turns --evidence-tz into reader options: no zone given
// leaves TZ nil, so local times are marked assumed and the clock may be
// inferred.
func evidenceOptions(tz string) (*evidence.Options, error) {
	if strings.TrimSpace(tz) == "" {
		return &evidence.Options{}, nil
	}
	loc, err := parseZone(tz)
	if err != nil {
		return nil, usageError(fmt.Errorf("--evidence-tz: %w", err))
	}
	return &evidence.Options{TZ: loc, TZName: strings.TrimSpace(tz)}, nil
}

func knownEvidenceFormats() string {
	var names []string
	for _, f := range evidence.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// parseWhen reads --since/--until: "" (no bound), RFC 3339, or
// "YYYY-MM-DD[ HH:MM[:SS]]" in UTC.
func parseWhen(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (want RFC 3339 or \"2001-03-14 15:30:00\" in UTC)", s)
}
