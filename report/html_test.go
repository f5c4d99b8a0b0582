package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/evidence"
	"github.com/imsforensic/imsforensic/internal/testpeer"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/rules"
	"github.com/imsforensic/imsforensic/triage"
)

// hostileReport carries markup, URLs and control bytes in every string a
// message or an event log can put there.
func hostileReport() report.HTMLReport {
	t0 := time.Date(2001, 3, 14, 9, 0, 0, 0, time.UTC)
	m := &model.Message{Path: "IN/EVIL0001", Name: "EVIL0001", Queue: model.QueueIN, ModTime: t0,
		Parts: []model.Part{{Path: "", MediaType: "multipart/mixed"}, {Path: "1", Depth: 1, MediaType: "text/plain", Filename: `<img src="https://evil.example/x.png">`}},
		Findings: []model.Finding{{Rule: "blank-charset", Class: model.ClassCrash, Part: "1", Offset: 120,
			Evidence: `charset=""<script>location='http://evil.example/'</script>`, KB: []string{"Q278320"}}}}
	s := model.Suspect{Rank: 1, Path: m.Path, Name: m.Name, Queue: m.Queue, Score: 1100, Verdict: model.VerdictPrime,
		Reasons: []model.Reason{{Kind: "event", Detail: `named by 4182 <a href="https://evil.example/">x</a>` + "\x00"}}}
	plan := []*model.Message{m, {Path: "IN/CLEAN001", Name: "CLEAN001", Queue: model.QueueIN}}
	return report.HTMLReport{
		Title:     "test <report>",
		Generated: t0,
		Summary:   []report.HTMLFact{{Label: "crashes", Value: "1", Alarm: true}},
		Timeline: report.Timeline{
			Events: []report.TimelineEvent{{Time: t0.Add(time.Minute), Label: "MSExchangeIMC 4116 <b>", Crash: true}, {Time: t0.Add(-time.Hour), Label: "MSExchangeIMC 2002"}},
			Files:  []report.TimelineFile{{Time: t0, Name: "EVIL0001", Suspect: true}, {Time: t0.Add(-time.Minute), Name: "CLEAN001"}},
		},
		Suspects:    []report.HTMLSuspect{{Suspect: s, Message: m}},
		Conclusions: []model.Conclusion{model.NewConclusion("see http://evil.example/ <now>", "Q193639")},
		Plan:        report.HTMLPlan(plan, replay.Preview(plan, replay.Options{}), 0),
	}
}

// externalRef finds any attribute or CSS that would load something.
var externalRef = regexp.MustCompile(`(?i)(src|href|xlink:href|action)\s*=\s*["']?\s*(https?:|//)|url\(\s*["']?(https?:|//)|@import`)

func TestHTMLEscapesContentAndReferencesNothingOutside(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, hostileReport()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if m := externalRef.FindString(out); m != "" {
		t.Errorf("the report refers to the network: %q", m)
	}
	for _, bad := range []string{"<script", "<img", `<a href`, "4116 <b>", "\x00"} {
		if strings.Contains(out, bad) {
			t.Errorf("unescaped %q in the report", bad)
		}
	}
	for _, want := range []string{"<svg", `class="marker crash"`, `class="tick suspect"`, "EVIL0001", "blank-charset", "MIME tree", "&lt;script&gt;", `id="plan"`} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// corpusReport builds the report triage --html writes, from a generated
// incident with evidence.
func corpusReport(t *testing.T) (report.HTMLReport, string) {
	t.Helper()
	sc, ok := corpus.ScenarioByName("blank-charset-12007")
	if !ok {
		t.Fatal("no scenario blank-charset-12007")
	}
	dir := t.TempDir()
	truth, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: 80, Seed: 3, Evidence: true, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := inventory.Scan(context.Background(), []string{dir}, inventory.Options{Slim: true,
		Skip: func(_ string, head []byte) bool { return evidence.Detect(head) != evidence.FormatUnknown }})
	if err != nil {
		t.Fatal(err)
	}
	var evPaths []string
	for _, e := range truth.Evidence {
		evPaths = append(evPaths, filepath.Join(dir, filepath.FromSlash(e)))
	}
	events, _ := evidence.ReadPaths(context.Background(), evPaths, &evidence.Options{TZ: time.FixedZone("EST", -5*3600)})
	res := triage.Rank(ms, events, triage.Options{})
	crash := map[string]bool{}
	for _, c := range res.Incident.Crashes {
		for _, e := range c.Events {
			crash[report.EventKey(e)] = true
		}
	}
	var sus []report.HTMLSuspect
	marked := map[string]bool{}
	for _, s := range res.Suspects[:3] {
		full, err := inventory.ParseFile(s.Path, nil)
		if err != nil {
			t.Fatal(err)
		}
		rules.Apply(full, nil)
		sus = append(sus, report.HTMLSuspect{Suspect: s, Message: full})
		marked[s.Path] = true
	}
	r := report.HTMLReport{
		Title:       "imsforensic triage",
		Inputs:      []string{dir},
		Summary:     []report.HTMLFact{{Label: "messages", Value: "80"}, {Label: "crashes", Value: "1", Alarm: true}, {Label: "rank 1", Value: res.Suspects[0].Name, Alarm: true}},
		Timeline:    report.HTMLTimelineOf(ms, events, func(e model.Event) bool { return crash[report.EventKey(e)] }, marked, res.Suspects[0].Path),
		Suspects:    sus,
		Conclusions: res.Conclusions,
		Plan:        report.HTMLPlan(ms, replay.Preview(ms, replay.Options{}), 20),
	}
	return r, filepath.Base(truth.Culprits[0])
}

const chromiumPath = "/usr/bin/chromium"

// TestHTMLRendersInHeadlessChromium opens the report offline in Debian's
// Chromium and checks the rendered DOM: the suspects, and the chart with
// its crash markers. Set IMSF_HTML_OUT to keep the file (for the README
// screenshot).
func TestHTMLRendersInHeadlessChromium(t *testing.T) {
	testpeer.UnixOnly(t, "headless Chromium")
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found: run scripts/test.sh, which installs chromium (%v)", chromiumPath, err)
	}
	r, culprit := corpusReport(t)
	path := filepath.Join(t.TempDir(), "report.html")
	if out := os.Getenv("IMSF_HTML_OUT"); out != "" {
		path = out
	}
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+filepath.ToSlash(abs))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	d := string(dom)
	for _, s := range r.Suspects {
		if !strings.Contains(d, `<span class="mono suspect-name">`+s.Suspect.Name+`</span>`) {
			t.Errorf("rendered DOM lacks suspect %s", s.Suspect.Name)
		}
	}
	if !strings.Contains(d, culprit) {
		t.Errorf("rendered DOM lacks the culprit %s", culprit)
	}
	svg := regexp.MustCompile(`(?s)<svg id="timeline".*?</svg>`).FindString(d)
	if svg == "" {
		t.Fatal("rendered DOM has no timeline <svg>")
	}
	if n := strings.Count(svg, `class="marker crash"`); n == 0 {
		t.Errorf("the chart has no crash marker:\n%.2000s", svg)
	}
	if !strings.Contains(svg, `class="tick suspect"`) {
		t.Error("the chart does not highlight the suspects' file times")
	}
	for _, id := range []string{`id="summary"`, `id="suspects"`, `id="plan"`, "MIME tree"} {
		if !strings.Contains(d, id) {
			t.Errorf("rendered DOM lacks %s", id)
		}
	}
}
