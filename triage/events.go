package triage

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Event sources as they appear in logs (compared case-insensitively).
const (
	srcIMC      = "MSExchangeIMC"
	srcIS       = "MSExchangeIS"
	srcDrWatson = "DrWatson"
)

// crashGap is the most time between two crash events of one cluster: the
// store dies, the IMS logs 3039 and 4116 seconds later, then 4102.
const crashGap = 5 * time.Minute

// startGap is how close a 4116 must follow a 4018 to be the failed start
// of Q186739 rather than a message crash.
const startGap = 5 * time.Minute

// prepared is one distinct event with what triage derived from it.
type prepared struct {
	model.Event
	copies int // duplicates merged into it
}

func richness(e model.Event) int {
	n := 0
	if len(e.Data) > 0 {
		n += 4
	}
	if e.HRESULT != nil {
		n += 2
	}
	if e.SpoolFile != "" {
		n += 2
	}
	if e.Message != "" {
		n++
	}
	return n
}

func fill(dst *model.Event, src model.Event) {
	if dst.HRESULT == nil {
		dst.HRESULT = src.HRESULT
	}
	if dst.Location == nil {
		dst.Location = src.Location
	}
	if dst.SpoolFile == "" {
		dst.SpoolFile = src.SpoolFile
	}
	if dst.Message == "" {
		dst.Message = src.Message
	}
	if len(dst.Strings) == 0 {
		dst.Strings = src.Strings
	}
	if dst.FaultingFunction == "" {
		dst.FaultingFunction = src.FaultingFunction
	}
	if dst.Application == "" {
		dst.Application = src.Application
	}
	if dst.Level == "" {
		dst.Level = src.Level
	}
}

var (
	// Dr. Watson 4097: "The application, exe\store.dbg, generated an
	// application error ... The exception generated was c0000005 at
	// address 0064897C (<nosymbols>)". The parenthesis holds the symbol
	// when Dr. Watson had one.
	drwAddressFunc = regexp.MustCompile(`(?i)\bat address\s+[0-9a-f]{1,16}\s+\(([^)<>\s]+)\)`)
	drwStringFunc  = regexp.MustCompile(`^\s*[0-9A-Fa-f]{1,16}\s+\(([^)<>\s]+)\)\s*$`)
	drwApplication = regexp.MustCompile(`(?i)\bthe application,?\s+([^,\s]+),`)
)

func isSource(e model.Event, src string) bool { return strings.EqualFold(e.Source, src) }

func isIMC(e model.Event) bool {
	return isSource(e, srcIMC) || isSource(e, "IMC") || isSource(e, "MSExchangeIMS")
}

func isDrWatson4097(e model.Event) bool {
	return e.Kind == "eventlog" && e.EventID == 4097 && (isSource(e, srcDrWatson) || isSource(e, "Dr. Watson"))
}

// readDrWatsonEvent fills FaultingFunction and Application of a 4097
// record from its text when the reader left them empty.
func readDrWatsonEvent(e *model.Event) {
	if !isDrWatson4097(*e) {
		return
	}
	if e.FaultingFunction == "" {
		if m := drwAddressFunc.FindStringSubmatch(string(e.Message)); m != nil {
			e.FaultingFunction = m[1]
		} else {
			for _, s := range e.Strings {
				if m := drwStringFunc.FindStringSubmatch(string(s)); m != nil {
					e.FaultingFunction = m[1]
					break
				}
			}
		}
	}
	if e.Application == "" {
		if m := drwApplication.FindStringSubmatch(string(e.Message)); m != nil {
			e.Application = m[1]
		} else if len(e.Strings) > 0 && strings.Contains(strings.ToLower(string(e.Strings[0])), ".dbg") {
			e.Application = string(e.Strings[0])
		}
	}
}

// program returns the faulting program of a Dr. Watson event, lower case
// and without folder or extension: "store", "msexcimc", "" when unknown.
func program(e model.Event) string {
	a := strings.ToLower(strings.TrimSpace(e.Application))
	if i := strings.LastIndexAny(a, `\/`); i >= 0 {
		a = a[i+1:]
	}
	a = strings.TrimSuffix(strings.TrimSuffix(a, ".exe"), ".dbg")
	return a
}

// isExchangeProgram: Dr. Watson entries of other programs are no evidence
// about the queue. An unknown program is kept (the text was lost).
func isExchangeProgram(p string) bool { return p == "" || p == "store" || p == "msexcimc" }

// isCrashEvent reports the events that mark the store or the IMS dying or
// giving up on a message (ims-kb.md 2.1 and 3).
func isCrashEvent(e model.Event) bool {
	switch {
	case isIMC(e):
		switch e.EventID {
		case 4116, 4102, 4182, 3039:
			return true
		}
	case isDrWatson4097(e):
		return isExchangeProgram(program(e))
	case e.Kind == "drwatson":
		return isExchangeProgram(program(e))
	}
	return false
}

// namingWeight says whether an event names its SpoolFile as the file it
// failed on (WeightNamed), only as received (WeightReceipt), or not at
// all (0). poison-rules.md "Evidence that names a file".
func namingWeight(e model.Event) float64 {
	if e.SpoolFile == "" {
		return 0
	}
	switch {
	case isIMC(e):
		switch e.EventID {
		case 4117, 4182, 4115, 4081, 4120, 4131, 4132:
			return WeightNamed
		case 2002:
			return WeightReceipt
		}
	case isSource(e, srcIS):
		switch e.EventID {
		case 12004, 12006, 12007:
			return WeightNamed
		}
	}
	return 0
}

// where tells the admin where a named file that is not among the inputs
// should be: 4117 and the IS archive events move it to IN\Archive (Q192186,
// Q230250), 4132 to the archive too (Q185108); the others leave it in IN.
func where(e model.Event) string {
	switch {
	case isIMC(e) && (e.EventID == 4117 || e.EventID == 4132):
		return `Imcdata\IN\Archive`
	case isSource(e, srcIS):
		return `Imcdata\IN\Archive`
	}
	return `Imcdata\IN (and Imcdata\IN\Archive)`
}

// label names an event for a person: "MSExchangeIMC 4117", "Dr. Watson
// (store.exe)", "tracking log 1012".
func label(e model.Event) string {
	switch e.Kind {
	case "drwatson":
		if p := program(e); p != "" {
			return "Dr. Watson (" + p + ".exe)"
		}
		return "Dr. Watson"
	case "tracking-log":
		return fmt.Sprintf("tracking log %d", e.EventID)
	case "protocol-log":
		return "protocol log"
	}
	src := e.Source
	if src == "" {
		src = "event"
	}
	return fmt.Sprintf("%s %d", src, e.EventID)
}

// at formats a time for reasons: UTC, to the second, zone written, and
// then the same time in zone (the server's, as the HTML report's timeline
// and the exports show it) unless zone is nil or UTC:
// "2001-03-14 18:01:15 UTC (13:01:15 EST)".
func at(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "(no time)"
	}
	s := t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	if zone == nil {
		return s
	}
	local := t.In(zone)
	if name, off := local.Zone(); off == 0 && (name == "UTC" || name == "") {
		return s // UTC by another name (time.Local on a UTC machine)
	}
	layout := "15:04:05 MST"
	if local.YearDay() != t.UTC().YearDay() {
		layout = "2006-01-02 15:04:05 MST"
	}
	return s + " (" + local.Format(layout) + ")"
}

// at is the package's at in the zone of Options.Zone.
func (a *analysis) at(t time.Time) string { return at(t, a.opts.Zone) }

// cite is "MSExchangeIMC 4117 at 2001-03-14 10:32:11 UTC (AppEvent.evt#record=57)",
// with ", recovered from slack space" for a record found outside the live
// records.
func (a *analysis) cite(e prepared) string {
	s := label(e.Event) + " at " + a.at(e.Time) + " (" + e.Origin
	if e.Recovered {
		// Read from slack space: the log no longer holds it as live.
		s += ", recovered from slack space"
	}
	if e.copies > 0 {
		s += fmt.Sprintf(", +%d copies", e.copies)
	}
	return s + ")"
}

func hresult(e model.Event) (uint32, bool) {
	if e.HRESULT == nil {
		return 0, false
	}
	return *e.HRESULT, true
}
