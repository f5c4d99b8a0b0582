package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// HTMLReport is everything the self-contained HTML report shows. The
// caller fills it from a triage or a simulation; WriteHTML only renders.
// Every string is escaped by html/template; nothing refers to the network.
type HTMLReport struct {
	Title     string
	Generated time.Time
	Inputs    []string
	// Summary is a list of label/value facts shown first.
	Summary []HTMLFact
	// Timeline is drawn as an SVG chart.
	Timeline Timeline
	// Suspects are shown with their reasons, their findings' evidence and,
	// when Message holds a full parse (Parts), the MIME tree.
	Suspects []HTMLSuspect
	// Conclusions about the incident as a whole.
	Conclusions []model.Conclusion
	// Steps is a simulation's timeline (empty for a triage report).
	Steps []HTMLStep
	// Plan says which messages a replay would send and which it holds.
	Plan []HTMLPlanLine
	// PlanNote is a sentence above the plan (the rule it follows);
	// PlanCommand the replay command line that carries it out.
	PlanNote    string
	PlanCommand string
	// Evidence is the accounting of every evidence file read; ClockNote
	// says how their times were put on one clock.
	Evidence  []model.EvidenceFile
	ClockNote string
	// Verdict is simulate's verdict on its as-is run against triage's
	// rank 1 ("" for a triage report).
	Verdict string
}

// HTMLFact is one line of the summary.
type HTMLFact struct {
	Label string
	Value string
	// Alarm marks a fact that should stand out (a crash loop, culprits).
	Alarm bool
}

// Timeline is the incident on a time axis: events and message file times
// as densities, crashes as marks with their event IDs, the suspects' file
// times highlighted and rank 1's most.
type Timeline struct {
	Events []TimelineEvent
	Files  []TimelineFile
	// Zone is the axis's time zone (the server's: --evidence-tz or the
	// zone the evidence clock found); nil = UTC.
	Zone *time.Location
}

// TimelineEvent is one event.
type TimelineEvent struct {
	Time  time.Time
	Label string // "MSExchangeIMC 4116 8JT9DH5L", shown on hover
	// ID is the short name on a crash mark: "4116", "DrWatson".
	ID    string
	Crash bool
	// Simulated marks an event of simulate's emulated run, not of the
	// evidence.
	Simulated bool
}

// TimelineFile is one message's file time.
type TimelineFile struct {
	Time    time.Time
	Name    string
	Suspect bool
	Rank1   bool
}

// HTMLSuspect is one suspect; Message is a full parse of its file (with
// findings) for the MIME tree, or nil; ParseError says why not.
type HTMLSuspect struct {
	Suspect    model.Suspect
	Message    *model.Message
	ParseError string
	// Repair is what imsforensic repair would do ("repairable:
	// blank-charset -> us-ascii"), from RepairLine; "" when not asked.
	Repair string
}

// HTMLStep is one line of a simulation timeline.
type HTMLStep struct {
	Run    string
	Offset string
	Action string
	File   string
	Detail string
	Events []string
	Alarm  bool
}

// HTMLPlanLine is one message of the replay plan.
type HTMLPlanLine struct {
	Name   string
	Path   string
	Queue  string
	Action string // replay, hold
	Reason string
}

//go:embed templates/report.html.tmpl
var htmlTemplateText string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"timeline": func(t Timeline) template.HTML { return renderTimelineSVG(t) },
	"zoom":     func(t Timeline) template.HTML { return renderZoomSVG(t) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"local": func(t time.Time, zone *time.Location) string {
		if t.IsZero() {
			return ""
		}
		if zone == nil {
			zone = time.UTC
		}
		return t.In(zone).Format("2006-01-02 15:04:05 -07:00")
	},
	"esc":      func(s string) string { return model.EscapeVisible(s) },
	"etext":    func(t model.Text) string { return model.EscapeVisible(string(t)) },
	"indent":   func(depth int) string { return fmt.Sprintf("%.1fem", float64(depth)*1.4) },
	"score":    score,
	"partName": partName,
	"findingsAt": func(m *model.Message, path string) []model.Finding {
		var out []model.Finding
		for _, f := range m.Findings {
			if f.Part == path {
				out = append(out, f)
			}
		}
		return out
	},
	"join":  strings.Join,
	"lower": strings.ToLower,
	"verdictClass": func(v model.Verdict) string {
		return "v-" + strings.ToLower(strings.ReplaceAll(string(v), " ", "-"))
	},
}).Parse(htmlTemplateText))

// WriteHTML renders r as one self-contained HTML file: inline CSS, the
// chart drawn as inline SVG, no script, no external reference.
func WriteHTML(w io.Writer, r HTMLReport) error {
	if r.Generated.IsZero() {
		r.Generated = time.Now()
	}
	if r.Title == "" {
		r.Title = "imsforensic report"
	}
	sort.SliceStable(r.Timeline.Events, func(i, j int) bool { return r.Timeline.Events[i].Time.Before(r.Timeline.Events[j].Time) })
	if err := htmlTemplate.Execute(w, r); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

func partName(p model.Part) string {
	if p.Path == "" {
		return "(top)"
	}
	return p.Path
}
