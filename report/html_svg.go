package report

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Chart geometry, in SVG user units.
const (
	svgWidth     = 960
	svgHeight    = 360
	svgLeft      = 56 // room for the lanes' scale
	svgRight     = 16
	svgEvTop     = 44 // events per bucket
	svgEvBot     = 114
	svgCrashTop  = 122 // crash marks and their event IDs
	svgCrashBot  = 196
	svgFileTop   = 212 // message file times per bucket
	svgFileBot   = 272
	svgAxisY     = 284
	svgMaxBins   = 450 // at most one bar per two units of width
	svgLabelRows = 3
)

// buckets are the bin widths the chart may use, smallest first: the
// smallest that keeps the bars at least two units wide is taken, so a
// day of events reads as a density per minute or per few minutes, never
// as thousands of overlapping dots.
var buckets = []struct {
	d    time.Duration
	name string // "5-minute", as in "5-minute buckets"
}{
	{time.Second, "1-second"}, {10 * time.Second, "10-second"}, {time.Minute, "1-minute"}, {2 * time.Minute, "2-minute"},
	{5 * time.Minute, "5-minute"}, {10 * time.Minute, "10-minute"}, {15 * time.Minute, "15-minute"},
	{30 * time.Minute, "30-minute"}, {time.Hour, "1-hour"}, {3 * time.Hour, "3-hour"}, {6 * time.Hour, "6-hour"},
	{24 * time.Hour, "1-day"}, {7 * 24 * time.Hour, "1-week"},
}

// renderTimelineSVG draws the timeline server-side, so the report needs
// no script: events and message file times as densities per time bucket,
// each crash as its own red mark labelled with its time and event IDs,
// the suspects' file times in orange and rank 1's in red across the
// chart, and an axis with dates and the zone. Labels go through svgText:
// they come from event logs and message files. The
// size of the SVG is bounded by the number of buckets and crashes, not
// by the number of events or messages.
func renderTimelineSVG(t Timeline) template.HTML {
	zone := t.Zone
	if zone == nil {
		zone = time.UTC
	}
	lo, hi, ok := timeRange(t)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="timeline" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="incident timeline">`, svgWidth, svgHeight)
	if !ok {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis">no dated events or files</text></svg>`, svgLeft, svgAxisY)
		return template.HTML(b.String())
	}
	c := newTimelineChart(&b, t, zone, lo, hi)
	c.lanes()
	c.axis()
	c.suspects()
	c.crashes()
	c.rank1()
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// timelineChart is one drawing of the timeline: the window lo..hi, its
// time scale and buckets.
type timelineChart struct {
	b      *strings.Builder
	t      Timeline
	zone   *time.Location
	lo, hi time.Time
	span   time.Duration
	plotW  float64
	bk     struct {
		d    time.Duration
		name string
	}
	start time.Time // the first bucket's start
}

func newTimelineChart(b *strings.Builder, t Timeline, zone *time.Location, lo, hi time.Time) *timelineChart {
	c := &timelineChart{b: b, t: t, zone: zone, lo: lo, hi: hi, span: hi.Sub(lo), plotW: float64(svgWidth - svgLeft - svgRight)}
	c.bk = buckets[len(buckets)-1]
	for _, k := range buckets {
		if c.span/k.d <= svgMaxBins {
			c.bk = k
			break
		}
	}
	c.start = lo.Truncate(c.bk.d)
	if c.bk.d >= time.Hour {
		// Hour-sized buckets start on the hour of the axis's zone.
		_, off := lo.In(zone).Zone()
		c.start = lo.Add(time.Duration(off) * time.Second).Truncate(c.bk.d).Add(-time.Duration(off) * time.Second)
	}
	return c
}

func (c *timelineChart) x(at time.Time) float64 {
	return svgLeft + float64(at.Sub(c.lo))/float64(c.span)*c.plotW
}

func (c *timelineChart) bin(at time.Time) int { return int(at.Sub(c.start) / c.bk.d) }

func (c *timelineChart) inWindow(at time.Time) bool {
	return !at.IsZero() && !at.Before(c.lo) && !at.After(c.hi)
}

// lanes draws the header (the window with its dates and zone, what is
// counted, crashes outside the window named) and the two histograms.
func (c *timelineChart) lanes() {
	b, zone, lo, hi := c.b, c.zone, c.lo, c.hi
	nbins := c.bin(hi) + 1
	evBins, fileBins := make([]int, nbins), make([]int, nbins)
	outside, nEvents, nFiles := 0, 0, 0
	for _, e := range c.t.Events {
		if e.Time.IsZero() {
			continue
		}
		if !c.inWindow(e.Time) {
			outside++
			continue
		}
		evBins[c.bin(e.Time)]++
		nEvents++
	}
	for _, f := range c.t.Files {
		if c.inWindow(f.Time) {
			fileBins[c.bin(f.Time)]++
			nFiles++
		}
	}

	fmt.Fprintf(b, `<text x="%d" y="16" class="lane">%s to %s</text>`, svgLeft, svgText(lo.In(zone).Format("Mon 2006-01-02 15:04")),
		svgText(hi.In(zone).Format("Mon 2006-01-02 15:04 MST")))
	var away []string
	for _, k := range crashClusters(c.t.Events, func(at time.Time) bool { return !at.IsZero() && !c.inWindow(at) }) {
		away = append(away, k.first.In(zone).Format("2006-01-02 15:04"))
	}
	note := fmt.Sprintf("%d event(s), %d message file(s)", nEvents, nFiles)
	if outside > 0 {
		note += fmt.Sprintf("; %d event(s) outside this window", outside)
	}
	if len(away) > 0 {
		note += fmt.Sprintf(", among them %d crash(es) at %s", len(away), strings.Join(away, ", "))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" class="axis">%s</text>`, svgLeft, svgAxisY+50, svgText(note))

	unit := "per minute"
	if c.bk.d != time.Minute {
		unit = "per minute (" + c.bk.name + " buckets)"
	}
	histogram(b, "events", evBins, c.start, c.bk.d, c.x, svgEvTop, svgEvBot, "bar ev")
	histogram(b, "message files", fileBins, c.start, c.bk.d, c.x, svgFileTop, svgFileBot, "bar file")
	fmt.Fprintf(b, `<text x="%d" y="%d" class="lane">events %s</text>`, svgLeft+4, svgEvTop-6, svgText(unit))
	fmt.Fprintf(b, `<text x="%d" y="%d" class="lane">message file times %s</text>`, svgLeft+4, svgFileTop-6, svgText(unit))
}

// axis draws ticks at a round step in the axis's zone, the date under the
// first tick and under every midnight, and names the zone.
func (c *timelineChart) axis() {
	b, x := c.b, c.x
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axisline"/>`, svgLeft, svgAxisY, svgWidth-svgRight, svgAxisY)
	step := tickStep(c.span)
	lastDay := ""
	for at := firstTick(c.lo, step, c.zone); !at.After(c.hi); at = at.Add(step) {
		if at.Before(c.lo) {
			continue
		}
		lt := at.In(c.zone)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="axisline"/>`, x(at), svgAxisY, x(at), svgAxisY+5)
		label := lt.Format("15:04")
		if step < time.Minute {
			label = lt.Format("15:04:05")
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" class="axis">%s</text>`, x(at), svgAxisY+18, label)
		if day := lt.Format("Mon 01-02"); day != lastDay {
			lastDay = day
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" class="axis date">%s</text>`, x(at), svgAxisY+32, svgText(day))
		}
	}
	fmt.Fprintf(b, `<text x="%d" y="16" text-anchor="end" class="lane">times in %s</text>`, svgWidth-svgRight, svgText(zoneName(c.zone, c.lo)))
}

// suspects marks the suspects' file times over the file lane (rank 1 is
// drawn across the chart by rank1).
func (c *timelineChart) suspects() {
	for _, f := range c.t.Files {
		if !c.inWindow(f.Time) || !f.Suspect || f.Rank1 {
			continue
		}
		fmt.Fprintf(c.b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="tick suspect" data-name="%s"><title>%s %s</title></line>`,
			c.x(f.Time), svgFileTop-2, c.x(f.Time), svgFileBot, svgText(f.Name), svgText(f.Name), svgText(stamp(f.Time, c.zone)))
	}
}

// crashes draws the events marked as crash events, clustered (less than
// two minutes apart), one red mark each, labelled with the time and the
// event IDs; labels that would overlap go to the next row.
func (c *timelineChart) crashes() {
	b, zone := c.b, c.zone
	var rows [svgLabelRows][][2]float64 // label extents taken in each row
	free := func(row int, a, z float64) bool {
		for _, iv := range rows[row] {
			if a < iv[1]+8 && z > iv[0]-8 {
				return false
			}
		}
		return true
	}
	for _, k := range crashClusters(c.t.Events, c.inWindow) {
		cx := c.x(k.first)
		text := k.first.In(zone).Format("15:04:05") + " " + k.ids()
		w := 6.6 * float64(len(text)) // bold 11px, about 6.6 units a character
		anchor, a, z := "start", cx+6, cx+6+w
		if z > svgWidth-svgRight {
			anchor, a, z = "end", cx-6-w, cx-6
		}
		row := 0
		for row < svgLabelRows-1 && !free(row, a, z) {
			row++
		}
		rows[row] = append(rows[row], [2]float64{a, z})
		ly := svgCrashTop + 22 + row*24
		tx := a
		if anchor == "end" {
			tx = z
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="crashline"/>`, cx, svgEvTop, cx, ly-4)
		fmt.Fprintf(b, `<path d="M%.1f %d l-6 -10 h12 z" class="marker crash"><title>%s</title></path>`, cx, svgCrashTop+10, svgText(k.title(zone)))
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="%s" class="crashlabel">%s</text>`, tx, ly, anchor, svgText(text))
	}
}

// rank1 draws the rank-1 suspect's file time across the chart, labelled.
func (c *timelineChart) rank1() {
	for _, f := range c.t.Files {
		if !c.inWindow(f.Time) || !f.Rank1 {
			continue
		}
		fx := c.x(f.Time)
		anchor, tx := "end", fx-5
		if fx-svgLeft < 220 {
			anchor, tx = "start", fx+5
		}
		fmt.Fprintf(c.b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="tick suspect rank1" data-name="%s"><title>rank 1: %s %s</title></line>`,
			fx, svgEvTop, fx, svgFileBot, svgText(f.Name), svgText(f.Name), svgText(stamp(f.Time, c.zone)))
		fmt.Fprintf(c.b, `<text x="%.1f" y="%d" text-anchor="%s" class="rank1label">rank 1 %s %s</text>`, tx, svgFileTop+12, anchor,
			svgText(f.Name), svgText(f.Time.In(c.zone).Format("15:04:05")))
	}
}

func histogram(b *strings.Builder, what string, bins []int, start time.Time, d time.Duration, x func(time.Time) float64, top, bot int, class string) {
	peak := 0
	for _, n := range bins {
		peak = max(peak, n)
	}
	perMin := float64(peak) * float64(time.Minute) / float64(d)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="baseline"/>`, svgLeft, bot, svgWidth-svgRight, bot)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" class="axis">%s</text>`, svgLeft-6, top+8, strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", perMin), "0"), "."))
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" class="axis">0</text>`, svgLeft-6, bot)
	if peak == 0 {
		return
	}
	h := float64(bot - top)
	for i, n := range bins {
		if n == 0 {
			continue
		}
		at := start.Add(time.Duration(i) * d)
		x0, x1 := math.Max(x(at), svgLeft), math.Min(x(at.Add(d)), svgWidth-svgRight)
		w := math.Max(x1-x0-0.4, 0.8)
		bh := math.Max(h*float64(n)/float64(peak), 1.5)
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="%s"><title>%d %s in the %s from %s</title></rect>`,
			x0, float64(bot)-bh, w, bh, class, n, what, d, svgText(at.UTC().Format("2006-01-02 15:04:05Z")))
	}
}

// crash is one cluster of crash events.
type crash struct {
	first time.Time
	evs   []TimelineEvent
}

func (c crash) ids() string {
	seen := map[string]bool{}
	var ids []string
	for _, e := range c.evs {
		if e.Simulated {
			ids = append(ids, "simulated:")
			break
		}
	}
	for _, e := range c.evs {
		id := e.ID
		if id == "" {
			id = e.Label
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, " ")
}

func (c crash) title(zone *time.Location) string {
	var lines []string
	for _, e := range c.evs {
		lines = append(lines, stamp(e.Time, zone)+" "+e.Label)
	}
	return strings.Join(lines, "\n")
}

// crashClusters groups the crash events in the window: one cluster per
// run of events less than two minutes apart.
func crashClusters(evs []TimelineEvent, inWindow func(time.Time) bool) []crash {
	var cs []TimelineEvent
	for _, e := range evs {
		if e.Crash && inWindow(e.Time) {
			cs = append(cs, e)
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Time.Before(cs[j].Time) })
	var out []crash
	for _, e := range cs {
		if n := len(out); n > 0 && e.Simulated == out[n-1].evs[0].Simulated && e.Time.Sub(out[n-1].evs[len(out[n-1].evs)-1].Time) < 2*time.Minute {
			out[n-1].evs = append(out[n-1].evs, e)
			continue
		}
		out = append(out, crash{first: e.Time, evs: []TimelineEvent{e}})
	}
	return out
}

// tickStep is a round axis step giving four to twelve ticks.
func tickStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
		30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour} {
		if span/s <= 12 {
			return s
		}
	}
	return 30 * 24 * time.Hour
}

// firstTick is the first multiple of step (in zone's wall clock) at or
// after lo.
func firstTick(lo time.Time, step time.Duration, zone *time.Location) time.Time {
	_, off := lo.In(zone).Zone()
	shift := time.Duration(off) * time.Second
	t := lo.Add(shift).Truncate(step).Add(-shift)
	if t.Before(lo) {
		t = t.Add(step)
	}
	return t
}

// zoneName says the axis's zone with its offset: "EST (UTC-05:00)".
func zoneName(zone *time.Location, at time.Time) string {
	name, off := at.In(zone).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	utc := fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
	if name == "" || name == utc || name == "UTC" && off == 0 {
		return utc
	}
	return name + " (" + utc + ")"
}

func stamp(t time.Time, zone *time.Location) string {
	return t.In(zone).Format("2006-01-02 15:04:05 -07:00")
}

// timeRange is the window of the chart: the message file times and the
// crash events near them (the incident), or every event when there are
// no files; widened to at least a minute so that one point sits in the
// middle.
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

// Zoom chart geometry.
const (
	zoomHeight  = 190
	zoomEvTop   = 30
	zoomEvBot   = 70
	zoomFileTop = 118
	zoomFileBot = 146
	zoomAxisY   = 156
)

// renderZoomSVG draws the minutes around the crash rank 1 is tied to (the
// first crash at or after its file time, else the first crash): every
// event and file on its own tick (per pixel column, so a burst stays
// bounded), each crash event labelled with its ID and second, and rank
// 1's file time, so "arrived 35 s before the crash" can be seen. Empty
// when the timeline has no crash.
func renderZoomSVG(t Timeline) template.HTML {
	zone := t.Zone
	if zone == nil {
		zone = time.UTC
	}
	c, from, to, ok := zoomWindow(t)
	if !ok {
		return ""
	}
	var b strings.Builder
	z := &zoomChart{b: &b, t: t, zone: zone, from: from, to: to, span: to.Sub(from), plotW: float64(svgWidth - svgLeft - svgRight)}
	fmt.Fprintf(&b, `<svg id="timeline-zoom" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="the minutes around the crash">`, svgWidth, zoomHeight)
	fmt.Fprintf(&b, `<text x="%d" y="14" class="lane">%s to %s: the crash rank 1 is tied to, second by second</text>`, svgLeft,
		svgText(from.In(zone).Format("2006-01-02 15:04")), svgText(to.In(zone).Format("15:04 MST")))
	z.lanes()
	z.axis()
	z.crash(c)
	z.suspects()
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// zoomWindow picks the crash the zoom shows (the first at or after rank
// 1's file time, less a minute, that is not simulated; else the first)
// and the whole minutes around it, widened to rank 1's file time when
// that is less than 30 minutes before. ok is false without a crash.
func zoomWindow(t Timeline) (c crash, from, to time.Time, ok bool) {
	lo, hi, ok := timeRange(t)
	if !ok {
		return crash{}, from, to, false
	}
	clusters := crashClusters(t.Events, func(at time.Time) bool { return !at.IsZero() && !at.Before(lo) && !at.After(hi) })
	if len(clusters) == 0 {
		return crash{}, from, to, false
	}
	var rank1 *TimelineFile
	for i := range t.Files {
		if t.Files[i].Rank1 && !t.Files[i].Time.IsZero() {
			rank1 = &t.Files[i]
		}
	}
	c = clusters[0]
	if rank1 != nil {
		for _, k := range clusters {
			if !k.first.Before(rank1.Time.Add(-time.Minute)) && !k.evs[0].Simulated {
				c = k
				break
			}
		}
	}
	last := c.evs[len(c.evs)-1].Time
	from, to = c.first.Add(-2*time.Minute), last.Add(2*time.Minute)
	if rank1 != nil && rank1.Time.Before(from) && c.first.Sub(rank1.Time) < 30*time.Minute {
		from = rank1.Time.Add(-time.Minute)
	}
	return c, from.Truncate(time.Minute), to.Truncate(time.Minute).Add(time.Minute), true
}

// zoomChart is one drawing of the zoom: the window from..to and its scale.
type zoomChart struct {
	b        *strings.Builder
	t        Timeline
	zone     *time.Location
	from, to time.Time
	span     time.Duration
	plotW    float64
}

func (z *zoomChart) x(at time.Time) float64 {
	return svgLeft + float64(at.Sub(z.from))/float64(z.span)*z.plotW
}

func (z *zoomChart) in(at time.Time) bool {
	return !at.IsZero() && !at.Before(z.from) && !at.After(z.to)
}

// lanes draws every other event and file on its own tick, per pixel
// column.
func (z *zoomChart) lanes() {
	cols := map[int]int{}
	for _, e := range z.t.Events {
		if z.in(e.Time) && !e.Crash {
			cols[int(z.x(e.Time))]++
		}
	}
	ticks(z.b, cols, zoomEvTop+14, zoomEvBot, "events")
	cols = map[int]int{}
	for _, f := range z.t.Files {
		if z.in(f.Time) && !f.Suspect {
			cols[int(z.x(f.Time))]++
		}
	}
	ticks(z.b, cols, zoomFileTop, zoomFileBot, "message files")
	fmt.Fprintf(z.b, `<text x="%d" y="%d" text-anchor="end" class="axis">events</text>`, svgLeft-6, zoomEvBot)
	fmt.Fprintf(z.b, `<text x="%d" y="%d" text-anchor="end" class="axis">files</text>`, svgLeft-6, zoomFileBot)
}

// axis draws the time axis, labelled to the second.
func (z *zoomChart) axis() {
	x := z.x
	fmt.Fprintf(z.b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axisline"/>`, svgLeft, zoomAxisY, svgWidth-svgRight, zoomAxisY)
	step := tickStep(z.span)
	for at := firstTick(z.from, step, z.zone); !at.After(z.to); at = at.Add(step) {
		anchor := "middle"
		switch {
		case x(at)-svgLeft < 30:
			anchor = "start"
		case svgWidth-svgRight-x(at) < 30:
			anchor = "end"
		}
		fmt.Fprintf(z.b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="axisline"/>`, x(at), zoomAxisY, x(at), zoomAxisY+5)
		fmt.Fprintf(z.b, `<text x="%.1f" y="%d" text-anchor="%s" class="axis">%s</text>`, x(at), zoomAxisY+18, anchor, at.In(z.zone).Format("15:04:05"))
	}
}

// crash draws the crash's events one by one, their IDs and seconds in one
// line beside them (events a second apart are three units apart here).
func (z *zoomChart) crash(c crash) {
	x, zone := z.x, z.zone
	var parts []string
	for _, e := range c.evs {
		fmt.Fprintf(z.b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="tick crashtick"><title>%s</title></line>`, x(e.Time), zoomEvTop, x(e.Time), zoomEvBot,
			svgText(stamp(e.Time, zone)+" "+e.Label))
		parts = append(parts, e.ID+" "+e.Time.In(zone).Format(":05"))
	}
	last := c.evs[len(c.evs)-1].Time
	label := c.first.In(zone).Format("15:04:05") + " crash: " + strings.Join(parts, ", ")
	lx, anchor := x(c.first)+4, "start"
	if lx+6.6*float64(len(label)) > svgWidth-svgRight {
		lx, anchor = x(last)-4, "end"
	}
	fmt.Fprintf(z.b, `<text x="%.1f" y="%d" text-anchor="%s" class="crashlabel">%s</text>`, lx, zoomEvBot+16, anchor, svgText(label))
}

// suspects draws the suspects' file times, rank 1 labelled.
func (z *zoomChart) suspects() {
	for _, f := range z.t.Files {
		if !z.in(f.Time) || !f.Suspect {
			continue
		}
		cls := "tick suspect"
		if f.Rank1 {
			cls = "tick suspect rank1"
		}
		fmt.Fprintf(z.b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="%s"><title>%s %s</title></line>`, z.x(f.Time), zoomFileTop-4, z.x(f.Time), zoomFileBot,
			cls, svgText(f.Name), svgText(stamp(f.Time, z.zone)))
		if f.Rank1 {
			fmt.Fprintf(z.b, `<text x="%.1f" y="%d" text-anchor="end" class="rank1label">rank 1 %s %s</text>`, z.x(f.Time)-4, zoomFileTop+8,
				svgText(f.Name), svgText(f.Time.In(z.zone).Format("15:04:05")))
		}
	}
}

// ticks draws one line per occupied pixel column, darker with more.
func ticks(b *strings.Builder, cols map[int]int, top, bot int, what string) {
	keys := make([]int, 0, len(cols))
	for c := range cols {
		keys = append(keys, c)
	}
	sort.Ints(keys)
	for _, c := range keys {
		n := cols[c]
		op := math.Min(0.35+0.2*float64(n), 0.95)
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="tick" stroke-opacity="%.2f"><title>%d %s</title></line>`, c, top, c, bot, op, n, what)
	}
}

// svgText is a label or attribute value for the SVG: escaped for HTML,
// with invalid bytes and display controls (a file name's U+202E) written
// as \xNN as everywhere else in the report (model.EscapeVisible).
func svgText(s string) string { return html.EscapeString(model.EscapeVisible(s)) }
