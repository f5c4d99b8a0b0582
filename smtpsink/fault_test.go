package smtpsink

import (
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

func TestParseFault(t *testing.T) {
	good := []struct {
		spec  string
		parse func(string) (Fault, error)
		want  Fault
	}{
		{"RCPT:451:to~@bad\\.example$", ParseFault, Fault{Kind: FaultFail, Phase: PhaseRcpt, Code: 451, Field: "to"}},
		{"mail:550:from~spam", ParseFault, Fault{Kind: FaultFail, Phase: PhaseMail, Code: 550, Field: "from"}},
		{"DATA:554:rule=blank-charset", ParseFault, Fault{Kind: FaultFail, Phase: PhaseData, Code: 554, Field: "rule", Exact: "blank-charset"}},
		{"DATA:452", ParseFault, Fault{Kind: FaultFail, Phase: PhaseData, Code: 452}},
		{"DATA:451*2", ParseFault, Fault{Kind: FaultFail, Phase: PhaseData, Code: 451, Times: 2}},
		{"RCPT:451:to~^a:b$", ParseFault, Fault{Kind: FaultFail, Phase: PhaseRcpt, Code: 451, Field: "to"}},
		{"DATA:2s", ParseDelay, Fault{Kind: FaultDelay, Phase: PhaseData, Delay: 2 * time.Second}},
		{"MAIL:150ms:from~x", ParseDelay, Fault{Kind: FaultDelay, Phase: PhaseMail, Delay: 150 * time.Millisecond, Field: "from"}},
		{"DATA", ParseDisconnect, Fault{Kind: FaultDisconnect, Phase: PhaseData}},
		{"DATA*1:from~x", ParseDisconnect, Fault{Kind: FaultDisconnect, Phase: PhaseData, Times: 1, Field: "from"}},
		{"CONNECT:421", ParseFault, Fault{Kind: FaultFail, Phase: PhaseConnect, Code: 421}},
	}
	for _, g := range good {
		f, err := g.parse(g.spec)
		if err != nil {
			t.Errorf("%q: %v", g.spec, err)
			continue
		}
		if f.Kind != g.want.Kind || f.Phase != g.want.Phase || f.Code != g.want.Code || f.Delay != g.want.Delay ||
			f.Times != g.want.Times || f.Field != g.want.Field || f.Exact != g.want.Exact {
			t.Errorf("%q = %+v, want %+v", g.spec, f, g.want)
		}
	}
	if f, _ := ParseFault("RCPT:451:to~^a:b$"); f.Regexp == nil || !f.Regexp.MatchString("a:b") {
		t.Errorf("regexp with ':' not kept whole")
	}
	bad := []struct {
		spec  string
		parse func(string) (Fault, error)
	}{
		{"", ParseFault}, {"DATA", ParseFault}, {"DATA:250", ParseFault}, {"DATA:abc", ParseFault},
		{"QUIT:451", ParseFault}, {"MAIL:451:rule=x", ParseFault}, {"RCPT:451:to~(", ParseFault},
		{"DATA:451:nofield", ParseFault}, {"DATA:451*0", ParseFault}, {"DATA:soon", ParseDelay},
		{"BOGUS", ParseDisconnect}, {"DATA:451:class=huge", ParseFault},
	}
	for _, b := range bad {
		if _, err := b.parse(b.spec); err == nil {
			t.Errorf("%q: no error", b.spec)
		}
	}
}

func mustFault(t *testing.T, parse func(string) (Fault, error), spec string) Fault {
	t.Helper()
	f, err := parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// markerLint returns a crash finding for bodies holding "CRASHME" and a
// risk finding for "RISKY".
func markerLint(raw []byte) []model.Finding {
	var fs []model.Finding
	if strings.Contains(string(raw), "CRASHME") {
		fs = append(fs, model.Finding{Rule: "blank-charset", Class: model.ClassCrash, Confidence: 1})
	}
	if strings.Contains(string(raw), "RISKY") {
		fs = append(fs, model.Finding{Rule: "tnef-part", Class: model.ClassRisk, Confidence: 1})
	}
	return fs
}

func TestFaults(t *testing.T) {
	s := startSink(t, func(c *Config) {
		c.Lint = markerLint
		c.Faults = []Fault{
			mustFault(t, ParseFault, `RCPT:451:to~@bad\.example$`),
			mustFault(t, ParseFault, `MAIL:550:from~spam`),
			mustFault(t, ParseFault, `DATA:554:rule=blank-charset`),
			mustFault(t, ParseFault, `DATA:452*1:body~ONCE`),
			mustFault(t, ParseDisconnect, `DATA:from~dropme`),
			mustFault(t, ParseDisconnect, `RCPT:to~^vanish@`),
		}
	})
	rc := dialRaw(t, s)
	rc.expect("EHLO x", 250)
	rc.expect("MAIL FROM:<spam@x>", 550)
	rc.expect("MAIL FROM:<a@x>", 250)
	rc.expect("RCPT TO:<u@bad.example>", 451)
	rc.expect("RCPT TO:<u@good.example>", 250)
	rc.expect("DATA", 354)
	rc.write("Subject: has CRASHME\r\n\r\nx\r\n.\r\n")
	if code, _, _ := rc.reply(); code != 554 {
		t.Errorf("rule fault: %d, want 554", code)
	}
	// *1: the first delivery of this body is deferred, the retry stored.
	for i, want := range []int{452, 250} {
		if code, _ := rc.sendMessage("a@x", []string{"b@x"}, "Subject: ONCE\r\n\r\nx\r\n"); code != want {
			t.Errorf("ONCE attempt %d: %d, want %d", i, code, want)
		}
	}
	rc.expect("QUIT", 221)

	drop := dialRaw(t, s)
	drop.expect("EHLO x", 250)
	drop.expect("MAIL FROM:<dropme@x>", 250)
	drop.expect("RCPT TO:<b@x>", 250)
	drop.expect("DATA", 354)
	drop.write("Subject: dropped\r\n\r\nx\r\n.\r\n")
	if code, text, err := drop.reply(); err == nil {
		t.Errorf("disconnect fault: got reply %d %s, want a dropped connection", code, text)
	}
	vanish := dialRaw(t, s)
	vanish.expect("EHLO x", 250)
	vanish.expect("MAIL FROM:<a@x>", 250)
	vanish.write("RCPT TO:<vanish@x>\r\n")
	if _, _, err := vanish.reply(); err == nil {
		t.Errorf("RCPT disconnect fault: got a reply")
	}
	st := s.Stats()
	if st.Stored != 1 || st.Rejected != 4 || st.Disconnects != 2 {
		t.Errorf("stats = %+v, want 1 stored, 4 rejected, 2 disconnects", st)
	}
}

func TestChaosIsDeterministic(t *testing.T) {
	run := func() []int {
		s := startSink(t, func(c *Config) { c.Chaos = &Chaos{Rate: 0.5, Seed: 7}; c.Logger = nil })
		var codes []int
		for i := 0; i < 20; i++ {
			rc := dialRaw(t, s)
			rc.expect("EHLO x", 250)
			rc.write("MAIL FROM:<a" + strings.Repeat("x", i) + "@x>\r\n")
			code, _, err := rc.reply()
			if err != nil {
				code = -1 // dropped
			}
			codes = append(codes, code)
		}
		return codes
	}
	a, b := run(), run()
	kinds := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("run 1 %v != run 2 %v", a, b)
		}
		kinds[a[i]]++
	}
	if kinds[250] == 0 || kinds[451]+kinds[-1] == 0 {
		t.Errorf("rate 0.5 over 20 senders gave %v", kinds)
	}
}

func TestEmulateIMSPoison(t *testing.T) {
	s := startSink(t, func(c *Config) { c.Lint = markerLint; c.Emulate = EmulateIMS })
	poison := "Subject: poison CRASHME\r\n\r\nbody\r\n"
	for attempt := 1; attempt <= 2; attempt++ {
		rc := dialRaw(t, s)
		rc.expect("EHLO x", 250)
		rc.expect("MAIL FROM:<a@x>", 250)
		rc.expect("RCPT TO:<b@x>", 250)
		rc.expect("DATA", 354)
		rc.write(poison + ".\r\n")
		if code, text, err := rc.reply(); err == nil {
			t.Fatalf("attempt %d: got %d %s, want the connection dropped", attempt, code, text)
		}
	}
	rc := dialRaw(t, s)
	rc.expect("EHLO x", 250)
	code, text := rc.sendMessage("a@x", []string{"b@x"}, poison)
	if code != 554 || !strings.Contains(text, "5.6.0 message is poison (crashed the store 2 times)") {
		t.Fatalf("third attempt: %d %q", code, text)
	}
	// A clean and a risky message on the same connection are stored.
	if code, _ := rc.sendMessage("a@x", []string{"b@x"}, "Subject: RISKY but fine\r\n\r\nok\r\n"); code != 250 {
		t.Fatalf("clean message after poison: %d", code)
	}
	st := s.Stats()
	if st.Crashes != 2 || len(st.Poison) != 1 || st.Stored != 1 {
		t.Fatalf("stats = %+v", st)
	}
	p := st.Poison[0]
	if p.Crashes != 2 || p.From != "a@x" || len(p.Rules) != 1 || p.Rules[0] != "blank-charset" {
		t.Errorf("poison entry = %+v", p)
	}
	var lines []PoisonEntry
	s.store.readJSONL(poisonJournal, func(b []byte) { lines = append(lines, PoisonEntry{}) })
	if len(lines) != 1 {
		t.Errorf("poison.jsonl has %d lines, want 1", len(lines))
	}
	for _, m := range storedMessages(t, s.cfg.Store) {
		if m.env.TopClass != model.ClassRisk || len(m.env.Findings) != 1 || m.env.Findings[0].Rule != "tnef-part" {
			t.Errorf("stored findings = %+v", m.env.Findings)
		}
	}
}
