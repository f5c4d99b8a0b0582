package corpus

import (
	"fmt"
	"time"
)

// Layouts of the generated tree.
const (
	LayoutTempIMS = "tempims" // IN/ and OUT/ as the admin saved them (KB Q197792)
	LayoutImcdata = "imcdata" // IN, OUT, their Archive folders, Pickup, Log
)

// Config says what to generate. The zero value (after defaults) is 200
// clean messages in a TempIMS layout, no poison, no evidence and no
// incident.
type Config struct {
	// Messages is the number of message files (poison included); 0 = 200.
	// It is raised to fit every planted poison message.
	Messages int
	// Seed drives every random choice: the same Config gives the same bytes.
	Seed int64
	// Poison lists rule IDs to plant (one or more messages each); nil =
	// none. PoisonAll() plants every rule.
	Poison []string
	// Layout is LayoutTempIMS or LayoutImcdata; "" = tempims.
	Layout string
	// Evidence writes the event logs, exports, Drwtsn32.log, protocol and
	// tracking logs consistent with Scenario.
	Evidence bool
	// Scenario is the incident story; the zero value is a quiet day (no
	// culprit, only noise events).
	Scenario Scenario
	// Now is the incident day (only its date in TZ is used); zero =
	// 2001-03-14.
	Now time.Time
	// TZ is the server's local zone, used for exports, protocol logs and
	// Drwtsn32.log (which carry wall-clock time without a zone); nil = a
	// fixed UTC-5 zone named "EST".
	TZ *time.Location
	// Progress, when set, is called now and then with messages written so
	// far and the total (for a progress bar on stderr).
	Progress func(done, total int)
}

// DefaultMessages is Config.Messages when zero.
const DefaultMessages = 200

// defaultDay is the incident day when Config.Now is zero.
var defaultDay = time.Date(2001, 3, 14, 0, 0, 0, 0, time.UTC)

func (c Config) withDefaults() Config {
	if c.Messages <= 0 {
		c.Messages = DefaultMessages
	}
	if c.Layout == "" {
		c.Layout = LayoutTempIMS
	}
	if c.TZ == nil {
		c.TZ = time.FixedZone("EST", -5*3600)
	}
	y, m, d := c.Now.In(c.TZ).Date()
	if c.Now.IsZero() {
		y, m, d = defaultDay.Date()
	}
	c.Now = time.Date(y, m, d, 0, 0, 0, 0, c.TZ)
	if c.Scenario.Culprit != "" && c.Scenario.Dir == "" {
		if r, ok := ruleByID(c.Scenario.Culprit); ok {
			c.Scenario.Dir = r.dir
		}
	}
	return c
}

func (c Config) validate() error {
	if c.Layout != LayoutTempIMS && c.Layout != LayoutImcdata {
		return fmt.Errorf("corpus: unknown layout %q (want %s or %s)", c.Layout, LayoutTempIMS, LayoutImcdata)
	}
	for _, id := range c.Poison {
		if !IsRuleID(id) {
			return fmt.Errorf("corpus: unknown rule ID %q in Poison", id)
		}
	}
	return c.Scenario.validate()
}

// Scenario kinds.
const (
	KindQuiet      = ""            // no incident: noise events only
	KindContent    = "content"     // a message crashed or stalled the IMS/store
	KindNonContent = "non-content" // 4018 + 4116 at start, no data: service-account rights (Q186739)
	KindMTSOut     = "mts-out"     // 4116 0x8007000E outbound, culprit still in MTS-OUT (Q193639)
)

// How the evidence names the culprit (Scenario.Naming).
const (
	NameNone    = ""      // nothing names it: 4116 + 3039 (+ Dr. Watson 4097, Drwtsn32.log)
	NameBy4117  = "4117"  // MSExchangeIMC 4117 text: moved to IN\Archive
	NameBy4182  = "4182"  // MSExchangeIMC 4182 text: retried at restart
	NameBy12006 = "12006" // MSExchangeIS 12006 + 4117: "The archive filename is 'NAME'"
	NameBy12007 = "12007" // MSExchangeIS 12007 (+ 4116, 3039)
	NameBy4131  = "4131"  // only the data section of 4120/4131 holds the name (lost in CSV/TXT)
)

// Scenario is one incident story: which rule's message is the culprit,
// where it sits, and which evidence names it.
type Scenario struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Culprit string `json:"culprit,omitempty"` // rule ID of the culprit message
	Dir     string `json:"dir,omitempty"`     // IN or OUT ("" = the rule's usual queue)
	Naming  string `json:"naming,omitempty"`  // NameBy4117 ... ; NameNone = unnamed
	// FaultingFunction is the function Dr. Watson names (Drwtsn32.log and
	// event 4097); "" = no Dr. Watson entry for this incident.
	FaultingFunction string `json:"faulting_function,omitempty"`
	// FaultingApp is the process that faulted: store.exe (IMAIL conversion)
	// or msexcimc.exe (the IMS itself, outbound).
	FaultingApp string `json:"faulting_app,omitempty"`
}

// Named reports whether an event names the culprit's spool file.
func (s Scenario) Named() bool { return s.Naming != NameNone }

func (s Scenario) validate() error {
	switch s.Kind {
	case KindQuiet, KindNonContent, KindMTSOut:
		if s.Culprit != "" {
			return fmt.Errorf("corpus: scenario %q: kind %q has no culprit message", s.Name, s.Kind)
		}
		return nil
	case KindContent:
	default:
		return fmt.Errorf("corpus: scenario %q: unknown kind %q", s.Name, s.Kind)
	}
	if !IsRuleID(s.Culprit) {
		return fmt.Errorf("corpus: scenario %q: culprit %q is not a rule ID", s.Name, s.Culprit)
	}
	if s.Dir != "" && s.Dir != "IN" && s.Dir != "OUT" {
		return fmt.Errorf("corpus: scenario %q: dir %q (want IN or OUT)", s.Name, s.Dir)
	}
	switch s.Naming {
	case NameNone, NameBy4131:
	case NameBy4117, NameBy4182, NameBy12006, NameBy12007:
		if s.Dir == "OUT" {
			return fmt.Errorf("corpus: scenario %q: %s names inbound spool files only", s.Name, s.Naming)
		}
	default:
		return fmt.Errorf("corpus: scenario %q: unknown naming %q", s.Name, s.Naming)
	}
	if s.Culprit == "empty-file" || s.Culprit == "no-message" {
		return fmt.Errorf("corpus: scenario %q: %s cannot be a content culprit", s.Name, s.Culprit)
	}
	return nil
}

// scenarios is the predefined list, in DefaultScenarios order. Faulting
// functions come from the KB articles of ims-kb.md section 2.
var scenarios = []Scenario{
	{Name: "blank-charset-12007", Kind: KindContent, Culprit: "blank-charset", Dir: "IN", Naming: NameBy12007},
	{Name: "blank-charset-unnamed", Kind: KindContent, Culprit: "blank-charset", Dir: "IN", FaultingFunction: "CmnContent::hrAddParm", FaultingApp: "store.exe"},
	{Name: "tnef-corrupt-4182", Kind: KindContent, Culprit: "tnef-corrupt", Dir: "IN", Naming: NameBy4182},
	{Name: "tnef-corrupt-unnamed", Kind: KindContent, Culprit: "tnef-corrupt", Dir: "IN", FaultingFunction: "CmnBptMessage::cleanTNEF", FaultingApp: "store.exe"},
	{Name: "received-comment-date-12006", Kind: KindContent, Culprit: "received-comment-date", Dir: "IN", Naming: NameBy12006},
	{Name: "mac-attributes-invalid-12006", Kind: KindContent, Culprit: "mac-attributes-invalid", Dir: "IN", Naming: NameBy12006},
	{Name: "recipients-over-limit-4117", Kind: KindContent, Culprit: "recipients-over-limit", Dir: "IN", Naming: NameBy4117},
	{Name: "recipients-over-32766-4131", Kind: KindContent, Culprit: "recipients-over-32766", Dir: "IN", Naming: NameBy4131},
	{Name: "html-href-leading-space-unnamed", Kind: KindContent, Culprit: "html-href-leading-space", Dir: "IN", FaultingFunction: "ScHandleAHref", FaultingApp: "store.exe"},
	{Name: "dsn-report-unnamed", Kind: KindContent, Culprit: "dsn-report", Dir: "IN", FaultingFunction: "HrDecodeEncapsulation", FaultingApp: "store.exe"},
	{Name: "filename-unicode-no-extension-unnamed", Kind: KindContent, Culprit: "filename-unicode-no-extension", Dir: "IN", FaultingFunction: "CmnContent::cbGetFileNamePart", FaultingApp: "store.exe"},
	{Name: "embedded-message-with-attachments-unnamed", Kind: KindContent, Culprit: "embedded-message-with-attachments", Dir: "IN", FaultingFunction: "FreePadrlist", FaultingApp: "store.exe"},
	{Name: "dbcs-invalid-sequence-unnamed", Kind: KindContent, Culprit: "dbcs-invalid-sequence", Dir: "IN", FaultingFunction: "HrEncodeString", FaultingApp: "store.exe"},
	{Name: "imcea-malformed-4182", Kind: KindContent, Culprit: "imcea-malformed", Dir: "IN", Naming: NameBy4182},
	{Name: "base64-invalid-4117", Kind: KindContent, Culprit: "base64-invalid", Dir: "IN", Naming: NameBy4117},
	{Name: "content-type-invalid-chars-4182", Kind: KindContent, Culprit: "content-type-invalid-chars", Dir: "IN", Naming: NameBy4182},
	{Name: "address-mixed-separators-out-unnamed", Kind: KindContent, Culprit: "address-mixed-separators", Dir: "OUT", FaultingFunction: "CMtsOutQueue::LoadCachedDetailInfo", FaultingApp: "msexcimc.exe"},
	{Name: "header-block-over-32k-out-4131", Kind: KindContent, Culprit: "header-block-over-32k", Dir: "OUT", Naming: NameBy4131},
	{Name: "no-final-crlf-out-4131", Kind: KindContent, Culprit: "no-final-crlf", Dir: "OUT", Naming: NameBy4131},
	{Name: "x400-address-over-1024-out-unnamed", Kind: KindContent, Culprit: "x400-address-over-1024", Dir: "OUT"},
	{Name: "non-content-rights", Kind: KindNonContent},
	{Name: "mts-out", Kind: KindMTSOut},
	{Name: "quiet", Kind: KindQuiet},
}

// Scenarios returns every predefined scenario (a fresh copy).
func Scenarios() []Scenario { return append([]Scenario(nil), scenarios...) }

// DefaultScenarios returns the first n predefined scenarios (all of them
// when n <= 0 or n is larger than the list): distinct incident stories for
// triage tests: culprits in IN and OUT, named by 4117, 4182, IS 12006,
// IS 12007 or data-only 4131, or unnamed with a Dr. Watson faulting
// function, plus a non-content and an MTS-OUT story.
func DefaultScenarios(n int) []Scenario {
	if n <= 0 || n > len(scenarios) {
		n = len(scenarios)
	}
	return append([]Scenario(nil), scenarios[:n]...)
}

// ScenarioByName finds a predefined scenario.
func ScenarioByName(name string) (Scenario, bool) {
	for _, s := range scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}
