package report_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/report"
)

// TestTimelineStaysReadableWithThousandsOfEvents: a day of 6,000 events
// and 2,000 files is drawn as densities per minute (a bounded number of
// bars), each of the three crashes as its own mark labelled with its time
// and event IDs, rank 1 highlighted with its name and file time, and the
// axis with dates and the zone; under it, the minutes around the crash
// rank 1 is tied to, second by second.
func TestTimelineStaysReadableWithThousandsOfEvents(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	day := time.Date(2001, 3, 14, 0, 0, 0, 0, est)
	var tl report.Timeline
	tl.Zone = est
	for i := 0; i < 6000; i++ {
		tl.Events = append(tl.Events, report.TimelineEvent{Time: day.Add(time.Duration(i) * 14 * time.Second), Label: "MSExchangeIMC 2002", ID: "2002"})
	}
	crashAt := []time.Time{day.Add(9*time.Hour + 5*time.Minute), day.Add(13*time.Hour + 1*time.Minute + 50*time.Second), day.Add(13*time.Hour + 20*time.Minute)}
	for _, at := range crashAt {
		for k, id := range []string{"4116", "3039", "12007", "4102"} {
			tl.Events = append(tl.Events, report.TimelineEvent{Time: at.Add(time.Duration(k) * time.Second), Label: "x " + id, ID: id, Crash: true})
		}
	}
	for i := 0; i < 2000; i++ {
		tl.Files = append(tl.Files, report.TimelineFile{Time: day.Add(time.Duration(i) * 43 * time.Second), Name: fmt.Sprintf("F%07d", i), Suspect: i%100 == 0})
	}
	tl.Files = append(tl.Files, report.TimelineFile{Time: crashAt[1].Add(-35 * time.Second), Name: "8JT9DH5L", Suspect: true, Rank1: true})

	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, report.HTMLReport{Timeline: tl}); err != nil {
		t.Fatal(err)
	}
	svg := regexp.MustCompile(`(?s)<svg id="timeline".*?</svg>`).FindString(buf.String())
	if svg == "" {
		t.Fatal("no timeline svg")
	}
	if len(svg) > 250<<10 {
		t.Errorf("the chart is %d bytes for 8,000 points: it should be bounded by its buckets", len(svg))
	}
	if n := strings.Count(svg, "<rect"); n > 2*450+10 {
		t.Errorf("%d bars: more than two lanes of 450 buckets", n)
	}
	if n := strings.Count(svg, `class="marker crash"`); n != len(crashAt) {
		t.Errorf("%d crash marks, want one per crash (%d)", n, len(crashAt))
	}
	for _, want := range []string{">09:05:00 4116 3039 12007 4102<", ">13:01:50 4116 3039 12007 4102<", ">13:20:00 4116 3039 12007 4102<",
		"rank 1 8JT9DH5L 13:01:15", `class="tick suspect rank1"`, "events per minute", "Wed 03-14", "times in EST (UTC-05:00)"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	if !regexp.MustCompile(`\w{3} 2001-03-1[34] \d\d:\d\d to \w{3} 2001-03-1[45] \d\d:\d\d EST`).MatchString(svg) {
		t.Error("the chart's header lacks the window's dates and zone")
	}
	zoom := regexp.MustCompile(`(?s)<svg id="timeline-zoom".*?</svg>`).FindString(buf.String())
	for _, want := range []string{"13:01:50 crash: 4116 :50, 3039 :51, 12007 :52, 4102 :53", "rank 1 8JT9DH5L 13:01:15", "the crash rank 1 is tied to"} {
		if !strings.Contains(zoom, want) {
			t.Errorf("the zoom on rank 1's crash lacks %q", want)
		}
	}
	// The three crash labels must not be drawn on top of one another.
	ys := map[string]bool{}
	for _, m := range regexp.MustCompile(`<text x="([0-9.]+)" y="([0-9]+)" text-anchor="\w+" class="crashlabel"`).FindAllStringSubmatch(svg, -1) {
		ys[m[2]] = true
	}
	if len(ys) < 2 {
		t.Errorf("the crash labels 19 minutes apart share one row: %v", ys)
	}
}

// TestReportListsEvidenceFilesAndReplaysCommand: the evidence files with
// format, events, damaged and zone, replay's command, and no reference
// to a document that is not in the repository.
func TestReportListsEvidenceFilesAndReplaysCommand(t *testing.T) {
	t0 := time.Date(2001, 3, 14, 18, 0, 0, 0, time.UTC)
	m := &model.Message{Path: "TempIMS/IN/8JT9DH5L", Name: "8JT9DH5L", Queue: model.QueueIN, ModTime: t0,
		Findings: []model.Finding{{Rule: "blank-charset", Class: model.ClassCrash}}}
	plan := report.HTMLPlanInput{Target: "imcdata:D:\\exchsrvr\\imcdata", QueueDat: true,
		Command: `imsforensic replay TempIMS --to 'imcdata:D:\exchsrvr\imcdata' --queue-dat rename`,
		Records: []model.ReplayRecord{{Path: m.Path, Action: model.ActionHold, Reason: "crash-class finding blank-charset"}}}
	ev := []model.EvidenceFile{{Path: "evidence/AppEvent.evt", Format: "evt", Events: 68, Damaged: 2, TimeZone: "utc", First: t0, Last: t0.Add(time.Hour)},
		{Path: "evidence/AppEvent.csv", Format: "eventlog-csv", Events: 68, TimeZone: "inferred UTC-05:00"}}
	r := report.TriageHTML(report.TriageHTMLInput{Messages: []*model.Message{m}, Evidence: ev, ClockNote: "exports read in UTC-05:00", Plan: plan})
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`id="evidence"`, "evidence/AppEvent.evt", "<td>evt</td><td>68</td><td>2</td><td>utc</td>", "inferred UTC-05:00",
		"exports read in UTC-05:00", "--queue-dat rename", "a dry run of imsforensic replay against imcdata:D:\\exchsrvr\\imcdata", "Queue.dat exists there"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if doc := regexp.MustCompile(`[\w-]+\.md\b`).FindString(out); doc != "" {
		t.Errorf("the report refers to %s, which the user does not have", doc)
	}
}
