package triage

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

var crashT = time.Date(2001, 3, 14, 15, 32, 11, 0, time.UTC)

// classOf is the class of the rules the unit tests use (poison-rules.md).
var classOf = map[string]model.Class{
	"blank-charset": model.ClassCrash, "tnef-corrupt": model.ClassCrash, "tnef-part": model.ClassRisk,
	"header-block-over-32k": model.ClassCrash, "dsn-report": model.ClassRisk, "received-comment-date": model.ClassStall,
	"mac-attributes-invalid": model.ClassStall, "charset-unknown": model.ClassStall, "header-8bit": model.ClassStall,
	"no-final-crlf": model.ClassStall, "line-over-998": model.ClassRisk, "date-missing": model.ClassInfo,
	"address-mixed-separators": model.ClassCrash,
}

func msg(queue, name string, mtime time.Time, rules ...string) *model.Message {
	m := &model.Message{Type: "message", Schema: 1, Path: "TempIMS/" + queue + "/" + name, Name: name, Queue: queue, ModTime: mtime}
	for i, r := range rules {
		m.Findings = append(m.Findings, model.Finding{Rule: r, Class: classOf[r], Part: "1", Offset: int64(100 + i),
			Evidence: "evidence of " + model.Text(r), KB: []string{"Q1"}, Confidence: 1})
	}
	return m
}

func hr(v uint32) *uint32 { return &v }

func imc(id uint32, t time.Time, origin string) model.Event {
	return model.Event{Type: "event", Schema: 1, Kind: "eventlog", Origin: origin, Time: t, Source: "MSExchangeIMC", EventID: id, Level: "error"}
}

func watson(t time.Time, app, fn string) model.Event {
	return model.Event{Type: "event", Schema: 1, Kind: "drwatson", Origin: "Drwtsn32.log:10", Time: t, Source: "DrWatson", Application: app, FaultingFunction: fn}
}

func find(t *testing.T, r Result, name string) model.Suspect {
	t.Helper()
	for _, s := range r.Suspects {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no suspect %s", name)
	return model.Suspect{}
}

func reasonOf(s model.Suspect, kind string) (model.Reason, bool) {
	for _, r := range s.Reasons {
		if r.Kind == kind {
			return r, true
		}
	}
	return model.Reason{}, false
}

func conclusionWith(r Result, kb string) (model.Conclusion, bool) {
	for _, c := range r.Conclusions {
		for _, k := range c.KB {
			if k == kb {
				return c, true
			}
		}
	}
	return model.Conclusion{}, false
}

func TestFileNamedByAnEventIsPrimeSuspectEvenWithoutFindings(t *testing.T) {
	named := func(src string, id uint32) model.Event {
		e := imc(id, crashT, "AppEvent.evt#record=57")
		e.Source = src
		e.SpoolFile = "HBWK2Q2P"
		return e
	}
	cases := []model.Event{
		named("MSExchangeIMC", 4117), named("MSExchangeIMC", 4182), named("MSExchangeIMC", 4120), named("MSExchangeIMC", 4131),
		named("MSExchangeIMC", 4132), named("MSExchangeIMC", 4081), named("MSExchangeIMC", 4115),
		named("MSExchangeIS", 12004), named("MSExchangeIS", 12006), named("MSExchangeIS", 12007), named("imc", 4117),
	}
	for _, e := range cases {
		msgs := []*model.Message{
			msg("IN", "hbwk2q2p", crashT.Add(-5*time.Hour)), // lower case on disk: matched case-insensitively
			msg("IN", "AAAAAAAA", crashT.Add(-time.Minute), "blank-charset"),
		}
		r := Rank(msgs, []model.Event{e}, Options{})
		top := r.Suspects[0]
		if top.Name != "hbwk2q2p" || top.Verdict != model.VerdictPrime || top.Rank != 1 {
			t.Errorf("%s %d: rank 1 is %s (%s), want the named file as prime suspect", e.Source, e.EventID, top.Name, top.Verdict)
			continue
		}
		rs, ok := reasonOf(top, KindEvent)
		want := "named by " + e.Source + " "
		if !ok || !strings.Contains(rs.Detail, want) || !strings.Contains(rs.Detail, "AppEvent.evt#record=57") || !strings.Contains(rs.Detail, "HBWK2Q2P") {
			t.Errorf("%s %d: event reason %q, want it to say %q, the origin and the spool name", e.Source, e.EventID, rs.Detail, want)
		}
	}
}

// An event read from a log's slack space names the file as a live one
// does, and the reason says where it came from.
func TestRecoveredEventIsCitedAsRecovered(t *testing.T) {
	e := imc(4117, crashT, "Application.evtx#record=45650")
	e.SpoolFile = "HBWK2Q2P"
	e.Recovered = true
	r := Rank([]*model.Message{msg("IN", "HBWK2Q2P", crashT.Add(-time.Hour))}, []model.Event{e}, Options{})
	top := r.Suspects[0]
	rs, ok := reasonOf(top, KindEvent)
	if top.Verdict != model.VerdictPrime || !ok || !strings.Contains(rs.Detail, "(Application.evtx#record=45650, recovered from slack space)") {
		t.Errorf("verdict %s, event reason %q: want prime suspect, cited as recovered from slack space", top.Verdict, rs.Detail)
	}
	e.Recovered = false
	r = Rank([]*model.Message{msg("IN", "HBWK2Q2P", crashT.Add(-time.Hour))}, []model.Event{e}, Options{})
	if rs, _ := reasonOf(r.Suspects[0], KindEvent); strings.Contains(rs.Detail, "recovered") {
		t.Errorf("a live record cited as recovered: %q", rs.Detail)
	}
}

func TestReceiptNotice2002AloneAccusesNobody(t *testing.T) {
	e := imc(2002, crashT.Add(-3*time.Hour), "AppEvent.csv:4")
	e.SpoolFile = "HBWK2Q2P"
	r := Rank([]*model.Message{msg("IN", "HBWK2Q2P", crashT.Add(-3*time.Hour))}, []model.Event{e}, Options{})
	s := r.Suspects[0]
	if s.Verdict != model.VerdictClean || s.Score != 0 {
		t.Errorf("a file only received (2002), far from any crash: %s score %v, want clean 0", s.Verdict, s.Score)
	}
	if _, ok := reasonOf(s, KindEvent); !ok {
		t.Errorf("the 2002 receipt should still be listed as a reason: %+v", s.Reasons)
	}
}

func TestNamedFileMissingFromInputsBecomesConclusion(t *testing.T) {
	e := imc(4117, crashT, "AppEvent.evt#record=3")
	e.SpoolFile = "WXJXSG2D"
	r := Rank([]*model.Message{msg("IN", "AAAAAAAA", crashT)}, []model.Event{e}, Options{})
	c, ok := conclusionWith(r, "Q192186")
	if !ok || !strings.Contains(c.Text, "WXJXSG2D") || !strings.Contains(c.Text, `IN\Archive`) {
		t.Fatalf("conclusions %+v: want one saying WXJXSG2D is missing and to look in IN\\Archive", r.Conclusions)
	}
	if r.Suspects[0].Verdict == model.VerdictPrime {
		t.Errorf("an unrelated input became prime suspect: %+v", r.Suspects[0])
	}
	if len(r.Incident.Named) != 1 || r.Incident.Named[0].Found {
		t.Errorf("Incident.Named = %+v, want WXJXSG2D not found", r.Incident.Named)
	}
}

func TestCrashNearnessRaisesFilesWrittenJustBeforeAndDecays(t *testing.T) {
	msgs := []*model.Message{
		msg("IN", "LATEFILE", crashT.Add(5*time.Minute), "blank-charset"),   // after the last crash
		msg("IN", "FARAWAY1", crashT.Add(-20*time.Minute), "blank-charset"), // in the window, far
		msg("IN", "JUSTNOW1", crashT.Add(-40*time.Second), "blank-charset"), // just before
		msg("IN", "OUTSIDE1", crashT.Add(-2*time.Hour), "blank-charset"),    // outside the window
	}
	evs := []model.Event{imc(3039, crashT.Add(2*time.Second), "a.evt#record=1"), imc(4116, crashT.Add(3*time.Second), "a.evt#record=2")}
	r := Rank(msgs, evs, Options{})
	var order []string
	for _, s := range r.Suspects {
		order = append(order, s.Name)
	}
	if order[0] != "JUSTNOW1" || order[1] != "FARAWAY1" {
		t.Fatalf("order %v: want JUSTNOW1, then FARAWAY1", order)
	}
	near, far := find(t, r, "JUSTNOW1"), find(t, r, "FARAWAY1")
	rn, _ := reasonOf(near, KindTime)
	rf, _ := reasonOf(far, KindTime)
	if !(rn.Weight > rf.Weight && rf.Weight > 0) {
		t.Errorf("time weights near %v, far %v: want decaying with distance", rn.Weight, rf.Weight)
	}
	if !strings.Contains(rn.Detail, "42s before the crash") || !strings.Contains(rn.Detail, "MSExchangeIMC 3039") {
		t.Errorf("time reason %q: want the distance and the crash events", rn.Detail)
	}
	for _, n := range []string{"LATEFILE", "OUTSIDE1"} {
		if _, ok := reasonOf(find(t, r, n), KindTime); ok {
			t.Errorf("%s got a time reason", n)
		}
	}
	if near.Verdict != model.VerdictPrime || far.Verdict == model.VerdictPrime {
		t.Errorf("verdicts near %s, far %s: want only the near crash-finding file prime", near.Verdict, far.Verdict)
	}
}

func TestFaultingFunctionTurnsMatchingRiskRuleIntoAccusation(t *testing.T) {
	msgs := []*model.Message{
		msg("IN", "TNEFPART", crashT.Add(-10*time.Minute), "tnef-part"),
		msg("IN", "BLANKCS1", crashT.Add(-30*time.Second), "blank-charset"),
		msg("IN", "TNEFOLD1", crashT.Add(time.Hour), "tnef-part"), // arrived after the crash
	}
	evs := []model.Event{watson(crashT, `C:\exchsrvr\bin\STORE.EXE`, "store!CmnBptMessage::CLEANTNEF+0x2a"), imc(4116, crashT.Add(3*time.Second), "a.evt#record=2")}
	r := Rank(msgs, evs, Options{})
	top := r.Suspects[0]
	if top.Name != "TNEFPART" || top.Verdict != model.VerdictPrime {
		t.Fatalf("rank 1 is %s (%s), want TNEFPART prime", top.Name, top.Verdict)
	}
	f, ok := reasonOf(top, KindFunction)
	if !ok || !strings.Contains(f.Detail, "CLEANTNEF") || !strings.Contains(f.Detail, "tnef-part") || !strings.Contains(f.Detail, "Q152937") {
		t.Errorf("function reason %q: want the function, the rule and the KB", f.Detail)
	}
	if _, ok := reasonOf(find(t, r, "TNEFOLD1"), KindFunction); ok {
		t.Error("a file written after the crash was tied to its faulting function")
	}
	if d, ok := reasonOf(top, KindDirection); !ok || !strings.Contains(d.Detail, "IN") {
		t.Errorf("direction reason %q: the store.exe fault in cleanTNEF is an inbound crash", d.Detail)
	}
}

func TestDrWatson4097TextNamesTheFaultingFunction(t *testing.T) {
	e := model.Event{Type: "event", Schema: 1, Kind: "eventlog", Origin: "AppEvent.evt#record=9", Time: crashT, Source: "DrWatson", EventID: 4097,
		Message: `The application, exe\store.dbg, generated an application error The error occurred on 3/14/2001 @ 10:32:11.000 The exception generated was c0000005 at address 6A20000A (HrDecodeEncapsulation)`}
	msgs := []*model.Message{msg("IN", "DSNFILE1", crashT.Add(-time.Minute), "dsn-report"), msg("IN", "CLEAN001", crashT.Add(-time.Minute))}
	r := Rank(msgs, []model.Event{e}, Options{})
	if r.Suspects[0].Name != "DSNFILE1" {
		t.Fatalf("rank 1 is %s", r.Suspects[0].Name)
	}
	f, ok := reasonOf(r.Suspects[0], KindFunction)
	if !ok || !strings.Contains(f.Detail, "store.exe faulted in HrDecodeEncapsulation") {
		t.Errorf("function reason %q", f.Detail)
	}
}

func TestFunctionMatchingIsCaseInsensitiveAfterModuleAndClass(t *testing.T) {
	for in, want := range map[string]string{
		"store!CmnBptMessage::cleanTNEF+0x2a": "cleantnef", "CINETextr::hrExtract": "hrextract",
		"msexcimc!CMtsOutQueue::LoadCachedDetailInfo": "loadcacheddetailinfo", "EcFormatMVString8": "ecformatmvstring8", "": "",
	} {
		if got := functionKey(in); got != want {
			t.Errorf("functionKey(%q) = %q, want %q", in, got, want)
		}
		if _, ok := lookupFunction(in); ok != (want != "") {
			t.Errorf("lookupFunction(%q) found=%v", in, ok)
		}
	}
}

func TestOutboundOutOfMemoryPointsAtOversizeOUTFile(t *testing.T) {
	e := imc(4116, crashT, "AppEvent.evt#record=5")
	e.HRESULT = hr(0x8007000E)
	msgs := []*model.Message{
		msg("IN", "INBIGHDR", crashT.Add(-time.Minute), "header-block-over-32k"),
		msg("OUT", "OUTBIGHD", crashT.Add(-25*time.Minute), "header-block-over-32k"),
	}
	r := Rank(msgs, []model.Event{e}, Options{})
	top := r.Suspects[0]
	if top.Name != "OUTBIGHD" || top.Verdict != model.VerdictPrime {
		t.Fatalf("rank 1 %s (%s), want OUTBIGHD prime", top.Name, top.Verdict)
	}
	ev, _ := reasonOf(top, KindEvent)
	dir, _ := reasonOf(top, KindDirection)
	if !strings.Contains(ev.Detail, "0x8007000E") || !strings.Contains(dir.Detail, "OUT") {
		t.Errorf("reasons %+v: want the HRESULT and the OUT direction", top.Reasons)
	}
	if _, ok := conclusionWith(r, "Q193639"); ok {
		t.Errorf("MTS-OUT concluded although an OUT file has oversize headers: %+v", r.Conclusions)
	}
}

func TestOutboundOutOfMemoryWithoutOversizeOUTFileConcludesMTSOut(t *testing.T) {
	a, b := imc(4116, crashT, "AppEvent.evt#record=5"), imc(4116, crashT.Add(15*time.Minute), "AppEvent.evt#record=9")
	a.HRESULT, b.HRESULT = hr(0x8007000E), hr(0x8007000E)
	msgs := []*model.Message{
		msg("OUT", "OUTCRASH", crashT.Add(-time.Minute), "address-mixed-separators"),
		msg("IN", "INBIGHDR", crashT.Add(-time.Minute), "header-block-over-32k"),
	}
	r := Rank(msgs, []model.Event{a, b}, Options{})
	c, ok := conclusionWith(r, "Q193639")
	if !ok || !strings.Contains(c.Text, "MTS-OUT") || !strings.Contains(c.Text, "2 times") {
		t.Fatalf("conclusions %+v: want the MTS-OUT conclusion", r.Conclusions)
	}
	for _, s := range r.Suspects {
		if s.Verdict == model.VerdictPrime {
			t.Errorf("%s is a prime suspect in the MTS-OUT case", s.Name)
		}
		if _, ok := reasonOf(s, KindTime); ok {
			t.Errorf("%s was tied in time to a crash whose culprit is in MTS-OUT", s.Name)
		}
	}
}

func TestStartFailureConcludesServiceRightsAndAccusesNobody(t *testing.T) {
	evs := []model.Event{imc(4018, crashT, "a.evt#record=1"), imc(4116, crashT.Add(time.Second), "a.evt#record=2")}
	r := Rank([]*model.Message{msg("IN", "CRASHER1", crashT.Add(-time.Minute), "blank-charset")}, evs, Options{})
	c, ok := conclusionWith(r, "Q186739")
	if !ok || !strings.Contains(c.Text, "System32") || !strings.Contains(c.Text, "no file is accused") {
		t.Fatalf("conclusions %+v: want the service-account rights conclusion", r.Conclusions)
	}
	s := r.Suspects[0]
	if s.Verdict == model.VerdictPrime || len(r.Incident.Crashes) != 0 {
		t.Errorf("the failed start was treated as a crash: %s, crashes %+v", s.Verdict, r.Incident.Crashes)
	}
	// A 4116 with message data is a crash even after a 4018.
	withData := imc(4116, crashT.Add(time.Second), "a.evt#record=2")
	withData.HRESULT = hr(0x80040115)
	r = Rank([]*model.Message{msg("IN", "CRASHER1", crashT.Add(-time.Minute), "blank-charset")}, []model.Event{evs[0], withData}, Options{})
	if len(r.Incident.Crashes) != 1 {
		t.Errorf("a 4116 with data after 4018 is not counted as a crash")
	}
}

func TestThreadSettingsAndLowDiskBecomeConclusions(t *testing.T) {
	e4094 := imc(4094, crashT, "a.evt#record=1")
	e4094.HRESULT = hr(0x8004011D)
	for _, tc := range []struct {
		ev   model.Event
		kb   string
		text string
	}{
		{e4094, "Q169686", "thread"},
		{imc(4023, crashT, "a.csv:3"), "Q169686", "thread"},
		{imc(3018, crashT, "a.csv:9"), "Q189587", "free space"},
	} {
		r := Rank([]*model.Message{msg("IN", "CLEAN001", crashT)}, []model.Event{tc.ev}, Options{})
		c, ok := conclusionWith(r, tc.kb)
		if !ok || !strings.Contains(c.Text, tc.text) || !strings.Contains(c.Text, "not content") {
			t.Errorf("%d: conclusions %+v, want %s about %q", tc.ev.EventID, r.Conclusions, tc.kb, tc.text)
		}
		if r.Suspects[0].Verdict != model.VerdictClean {
			t.Errorf("%d accused a clean file: %+v", tc.ev.EventID, r.Suspects[0])
		}
	}
	other := imc(4094, crashT, "a.evt#record=1")
	other.HRESULT = hr(0x80004005)
	if r := Rank(nil, []model.Event{other}, Options{}); len(r.Conclusions) != 1 || len(r.Conclusions[0].KB) != 0 {
		t.Errorf("4094 with another HRESULT gave %+v, want only the no-crash conclusion", r.Conclusions)
	}
}

func TestTrackingReceivedButNeverTransferredIsCandidate(t *testing.T) {
	track := func(id uint32, mts string, at time.Time) model.Event {
		return model.Event{Type: "event", Schema: 1, Kind: "tracking-log", Origin: "20010314.log:7", Time: at, EventID: id, MTSID: mts}
	}
	stuck := msg("IN", "STUCK001", crashT)
	stuck.Envelope.MTSID = "c=US;a= ;p=Org;l=SRV0103141500STUCK001"
	fine := msg("IN", "FINE0001", crashT)
	fine.Envelope.MTSID = "c=US;a= ;p=Org;l=SRV0103141500FINE0001"
	evs := []model.Event{
		track(1012, strings.ToUpper(stuck.Envelope.MTSID), crashT), track(1012, fine.Envelope.MTSID, crashT),
		track(1013, fine.Envelope.MTSID, crashT.Add(2*time.Second)), track(1012, "c=US;a= ;p=Org;l=GONE", crashT),
	}
	r := Rank([]*model.Message{fine, stuck}, evs, Options{})
	if r.Suspects[0].Name != "STUCK001" {
		t.Fatalf("rank 1 is %s", r.Suspects[0].Name)
	}
	if rs, ok := reasonOf(r.Suspects[0], KindEvent); !ok || !strings.Contains(rs.Detail, "no 1013") || rs.Weight != WeightTracking {
		t.Errorf("reason %+v", rs)
	}
	if _, ok := reasonOf(find(t, r, "FINE0001"), KindEvent); ok {
		t.Error("a message transferred into the store (1013) was made a candidate")
	}
	if c, ok := conclusionWith(r, "Q173364"); !ok || !strings.Contains(c.Text, "1 of them are not among the inputs") {
		t.Errorf("conclusions %+v: want the missing 1012-without-1013 message", r.Conclusions)
	}
}

func TestSameEventFromSeveralExportsCountsOnce(t *testing.T) {
	fromEVT := imc(4117, crashT, "AppEvent.evt#record=57")
	fromEVT.Data = model.Bytes{0x7f, 0x03, 0x01, 0x00, 0x05, 0x40, 0x00, 0x80}
	fromEVT.HRESULT = hr(0x80004005)
	fromEVT.SpoolFile = "HBWK2Q2P"
	fromCSV := imc(4117, crashT, "AppEvent.csv:12")
	fromCSV.SpoolFile = "HBWK2Q2P"
	fromTXT := fromCSV
	fromTXT.Origin = "AppEvent.txt:40"
	r := Rank([]*model.Message{msg("IN", "HBWK2Q2P", crashT)}, []model.Event{fromCSV, fromEVT, fromTXT}, Options{})
	if r.Incident.Events != 1 || r.Incident.Duplicates != 2 {
		t.Errorf("events %d, duplicates %d: want 1 and 2", r.Incident.Events, r.Incident.Duplicates)
	}
	s := r.Suspects[0]
	if s.Score != WeightNamed || len(s.Reasons) != 1 || !strings.Contains(s.Reasons[0].Detail, "AppEvent.evt#record=57, +2 copies") {
		t.Errorf("suspect %+v: want one reason citing the .evt record", s)
	}
}

func TestWithoutEvidenceRankingIsCrashThenStallThenRiskAndNobodyIsPrime(t *testing.T) {
	msgs := []*model.Message{
		msg("IN", "CLEAN001", crashT),
		msg("IN", "RISKY001", crashT, "line-over-998"),
		msg("IN", "STALLS01", crashT, "received-comment-date", "mac-attributes-invalid", "charset-unknown", "header-8bit", "no-final-crlf"),
		msg("IN", "CRASH001", crashT, "blank-charset"),
		msg("IN", "INFO0001", crashT, "date-missing"),
	}
	r := Rank(msgs, nil, Options{})
	want := []struct {
		name    string
		verdict model.Verdict
	}{
		{"CRASH001", model.VerdictSuspect}, {"STALLS01", model.VerdictSuspect}, {"RISKY001", model.VerdictRisky}, {"INFO0001", model.VerdictClean}, {"CLEAN001", model.VerdictClean},
	}
	for i, w := range want {
		s := r.Suspects[i]
		if s.Name != w.name || s.Verdict != w.verdict || s.Rank != i+1 {
			t.Errorf("rank %d: %s %s, want %s %s", i+1, s.Name, s.Verdict, w.name, w.verdict)
		}
	}
	if len(r.Conclusions) != 0 {
		t.Errorf("conclusions without evidence: %+v", r.Conclusions)
	}
	if rs := r.Suspects[4].Reasons; rs == nil || len(rs) != 0 {
		t.Errorf("a clean message's reasons should be an empty list, got %#v", rs)
	}
	var sum float64
	for _, rs := range r.Suspects[0].Reasons {
		sum += rs.Weight
	}
	if sum != r.Suspects[0].Score {
		t.Errorf("reason weights sum to %v, score is %v", sum, r.Suspects[0].Score)
	}
}

func TestRuleReasonSaysRuleClassKBOffsetPartAndEvidence(t *testing.T) {
	m := msg("IN", "CRASH001", crashT)
	m.Findings = []model.Finding{{Rule: "blank-charset", Class: model.ClassCrash, Part: "1.2", Offset: 1834, Evidence: `charset = ""`, KB: []string{"Q278320", "Q293288"}, Confidence: 1}}
	r := Rank([]*model.Message{m}, nil, Options{})
	want := `rule blank-charset (crash, Q278320 Q293288) at offset 1834 in part 1.2: charset = ""`
	if got := r.Suspects[0].Reasons[0].Detail; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
}

func TestUnreadableFileStillGetsARow(t *testing.T) {
	m := msg("IN", "LOCKED01", crashT)
	m.Error = "open: permission denied"
	r := Rank([]*model.Message{m}, nil, Options{})
	if len(r.Suspects) != 1 || r.Suspects[0].Reasons[0].Kind != KindError {
		t.Errorf("suspects %+v", r.Suspects)
	}
}

func TestRankIsTheSameWhateverTheInputOrder(t *testing.T) {
	var msgs []*model.Message
	for i, r := range []string{"blank-charset", "tnef-part", "", "dsn-report", "", "blank-charset", "received-comment-date"} {
		var rules []string
		if r != "" {
			rules = []string{r}
		}
		msgs = append(msgs, msg([]string{"IN", "OUT"}[i%2], string(rune('A'+i))+"0000000", crashT.Add(-time.Duration(i)*time.Minute), rules...))
	}
	e := imc(4182, crashT.Add(time.Minute), "x.evt#record=1")
	e.SpoolFile = "C0000000"
	evs := []model.Event{watson(crashT, "store.exe", "cleanTNEF"), imc(3039, crashT, "x.csv:2"), e, imc(3018, crashT, "x.csv:1")}
	want := Rank(msgs, evs, Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5; i++ {
		rng.Shuffle(len(msgs), func(a, b int) { msgs[a], msgs[b] = msgs[b], msgs[a] })
		rng.Shuffle(len(evs), func(a, b int) { evs[a], evs[b] = evs[b], evs[a] })
		got := Rank(msgs, evs, Options{})
		for j := range got.Suspects {
			got.Suspects[j].Message, want.Suspects[j].Message = nil, nil
		}
		if !reflect.DeepEqual(got.Suspects, want.Suspects) || !reflect.DeepEqual(got.Conclusions, want.Conclusions) {
			t.Fatalf("shuffle %d changed the result", i)
		}
	}
}

func TestCrashLaterThanNowWarnsAboutTheTimeZone(t *testing.T) {
	r := Rank(nil, []model.Event{imc(4116, crashT, "a.csv:1")}, Options{Now: crashT.Add(-time.Hour)})
	if len(r.Conclusions) == 0 || !strings.Contains(r.Conclusions[0].Text, "--evidence-tz") {
		t.Errorf("conclusions %+v", r.Conclusions)
	}
}

// With the server's zone known, a reason gives its times in UTC and then
// in that zone, as the exports and the HTML report's timeline show them;
// a day that differs there is written out. Without it, UTC alone.
func TestReasonTimesAlsoInTheServerZone(t *testing.T) {
	msgs := []*model.Message{msg("IN", "JUSTNOW1", crashT.Add(-40*time.Second), "blank-charset")}
	evs := []model.Event{imc(4116, crashT.Add(3*time.Second), "a.evt#record=2")}
	utc := crashT.Add(3 * time.Second)
	for _, c := range []struct {
		zone *time.Location
		want string
	}{
		{nil, utc.Format("2006-01-02 15:04:05") + " UTC"},
		{time.UTC, utc.Format("2006-01-02 15:04:05") + " UTC"},
		{time.FixedZone("EST", -5*3600), utc.Format("2006-01-02 15:04:05") + " UTC (" + utc.Add(-5*time.Hour).Format("15:04:05") + " EST)"},
		{time.FixedZone("UTC+14:00", 14*3600), utc.Format("2006-01-02 15:04:05") + " UTC (" + utc.Add(14*time.Hour).Format("2006-01-02 15:04:05") + " UTC+14:00)"},
	} {
		r := Rank(msgs, evs, Options{Zone: c.zone})
		rn, ok := reasonOf(find(t, r, "JUSTNOW1"), KindTime)
		if !ok || !strings.Contains(rn.Detail, "the crash at "+c.want+" (") {
			t.Errorf("zone %v: time reason %q, want the crash at %q", c.zone, rn.Detail, c.want)
		}
		if n := strings.Count(rn.Detail, "UTC"); (c.zone == nil || c.zone == time.UTC) && n != 2 {
			t.Errorf("zone %v: reason %q names UTC %d times, want 2 (no second zone)", c.zone, rn.Detail, n)
		}
	}
}
