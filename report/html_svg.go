package report

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// Chart geometry, in SVG user units.
const (
	svgWidth   = 960
	svgHeight  = 230
	svgLeft    = 20
	svgRight   = 20
	svgEventY  = 60  // event markers
	svgFileTop = 120 // file ticks
	svgFileBot = 165
	svgAxisY   = 180
)

// renderTimelineSVG draws the timeline server-side, so the report needs
// no script. Labels go through html.EscapeString: they come from event
// logs and message files. Files are binned per pixel column, so the size
// of the SVG is bounded whatever the number of messages.
func renderTimelineSVG(t Timeline) template.HTML {
	lo, hi, ok := timeRange(t)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="timeline" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="incident timeline">`, svgWidth, svgHeight)
	if !ok {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis">no dated events or files</text></svg>`, svgLeft, svgAxisY)
		return template.HTML(b.String())
	}
	span := hi.Sub(lo)
	x := func(at time.Time) float64 {
		return svgLeft + float64(at.Sub(lo))/float64(span)*float64(svgWidth-svgLeft-svgRight)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="lane">events</text>`, svgLeft, svgEventY-22)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="lane">message file times</text>`, svgLeft, svgFileTop-8)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axisline"/>`, svgLeft, svgAxisY, svgWidth-svgRight, svgAxisY)
	for i := 0; i <= 4; i++ {
		at := lo.Add(span * time.Duration(i) / 4)
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case 4:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="axisline"/>`, x(at), svgAxisY, x(at), svgAxisY+5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="%s" class="axis">%s</text>`, x(at), svgAxisY+20, anchor, html.EscapeString(at.UTC().Format("01-02 15:04:05")))
	}

	// Files: one grey line per occupied pixel column (darker with more
	// files); suspects drawn on top, each on its own, orange.
	cols := map[int]int{}
	for _, f := range t.Files {
		if !f.Time.IsZero() && !f.Suspect {
			cols[int(x(f.Time))]++
		}
	}
	for c := svgLeft; c <= svgWidth-svgRight; c++ {
		n := cols[c]
		if n == 0 {
			continue
		}
		op := 0.25 + 0.15*float64(n)
		if op > 0.9 {
			op = 0.9
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="tick" stroke-opacity="%.2f"><title>%d file(s)</title></line>`, c, svgFileTop+15, c, svgFileBot, op, n)
	}
	for _, f := range t.Files {
		if f.Time.IsZero() || !f.Suspect {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="tick suspect" data-name="%s"><title>%s %s</title></line>`,
			x(f.Time), svgFileTop, x(f.Time), svgFileBot, html.EscapeString(f.Name), html.EscapeString(f.Name), html.EscapeString(f.Time.UTC().Format(time.RFC3339)))
	}
	// Events: grey markers first, crash markers on top in red. Events
	// outside the window (noise days before the incident) are counted.
	outside := 0
	for pass := 0; pass < 2; pass++ {
		for _, e := range t.Events {
			if e.Time.IsZero() || e.Crash != (pass == 1) {
				continue
			}
			if e.Time.Before(lo) || e.Time.After(hi) {
				outside++
				continue
			}
			cls, r := "marker", 4
			if e.Crash {
				cls, r = "marker crash", 6
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="%d" class="%s"><title>%s %s</title></circle>`,
				x(e.Time), svgEventY, r, cls, html.EscapeString(e.Label), html.EscapeString(e.Time.UTC().Format(time.RFC3339)))
		}
	}
	if outside > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" class="axis">%d other event(s) outside this window</text>`, svgWidth-svgRight, svgEventY-22, outside)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// timeRange is the window of the chart: the message file times and the
// crash events near them (the incident), or every event when there are
// no files;
// widened to at least a minute so that one point sits in the middle.
func timeRange(t Timeline) (lo, hi time.Time, ok bool) {
	see := func(at time.Time) {
		if at.IsZero() {
			return
		}
		if !ok || at.Before(lo) {
			lo = at
		}
		if !ok || at.After(hi) {
			hi = at
		}
		ok = true
	}
	for _, f := range t.Files {
		see(f.Time)
	}
	// Crash events near the files belong to the incident; crashes days
	// away (earlier noise in a long log) would squeeze it into a sliver.
	margin := hi.Sub(lo)
	if margin < time.Hour {
		margin = time.Hour
	}
	fl, fh, haveFiles := lo, hi, ok
	for _, e := range t.Events {
		if e.Crash && !e.Time.IsZero() && (!haveFiles || !e.Time.Before(fl.Add(-margin)) && !e.Time.After(fh.Add(margin))) {
			see(e.Time)
		}
	}
	if !ok {
		for _, e := range t.Events {
			see(e.Time)
		}
	}
	if !ok {
		return
	}
	if hi.Sub(lo) < time.Minute {
		mid := lo.Add(hi.Sub(lo) / 2)
		lo, hi = mid.Add(-30*time.Second), mid.Add(30*time.Second)
	}
	pad := hi.Sub(lo) / 50
	return lo.Add(-pad), hi.Add(pad), true
}
