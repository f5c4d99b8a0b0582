package smtpsink

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Phase is the point of an SMTP session a fault applies to.
type Phase string

const (
	PhaseConnect Phase = "CONNECT" // before the greeting
	PhaseHelo    Phase = "HELO"    // HELO / EHLO (first one of a connection)
	PhaseMail    Phase = "MAIL"
	PhaseRcpt    Phase = "RCPT"
	PhaseData    Phase = "DATA" // after the whole body was read, before the reply
)

// FaultKind says what a fault does.
type FaultKind int

const (
	FaultFail       FaultKind = iota // reply Code instead of proceeding
	FaultDelay                       // wait Delay, then proceed
	FaultDisconnect                  // drop the connection without a reply
)

// Fault is one deterministic misbehaviour: at Phase, when the condition
// holds, fail with Code, wait Delay, or drop the connection.
//
// Spec grammar (the --fail, --delay and --disconnect flags):
//
//	--fail       PHASE:CODE[*N][:COND]      e.g. RCPT:451:to~@bad\.example$
//	--delay      PHASE:DURATION[*N][:COND]  e.g. DATA:2s
//	--disconnect PHASE[*N][:COND]           e.g. DATA:from~crash
//
// COND is FIELD~REGEX (Go regexp) or FIELD=VALUE (exact, case-insensitive).
// FIELD is remote, helo (from HELO on), from, envid (from MAIL on), to (RCPT:
// the recipient being added; DATA: any recipient), rule, class, body (DATA
// only: a lint finding's rule ID or class, or a regexp over the raw body).
// "*N" makes the fault fire only the first N times for the same subject
// (CONNECT: remote IP; HELO: helo name; MAIL: sender; RCPT: sender and
// recipient; DATA: message sha256), so "fail once, then accept the retry" is
// reproducible whatever the concurrency.
type Fault struct {
	Kind  FaultKind
	Phase Phase
	Code  int           // FaultFail: 400..599
	Delay time.Duration // FaultDelay
	Times int           // 0: every time

	Field  string         // "" when unconditional
	Exact  string         // FIELD=VALUE
	Regexp *regexp.Regexp // FIELD~REGEX

	Spec string // as written, for logs
}

var phaseFields = map[Phase][]string{
	PhaseConnect: {"remote"},
	PhaseHelo:    {"remote", "helo"},
	PhaseMail:    {"remote", "helo", "from", "envid"},
	PhaseRcpt:    {"remote", "helo", "from", "envid", "to"},
	PhaseData:    {"remote", "helo", "from", "envid", "to", "rule", "class", "body"},
}

// ParseFault reads a --fail spec: PHASE:CODE[*N][:COND].
func ParseFault(spec string) (Fault, error) {
	f, arg, err := parseFaultHead(spec, FaultFail, true)
	if err != nil {
		return Fault{}, err
	}
	code, err := strconv.Atoi(arg)
	if err != nil || code < 400 || code > 599 {
		return Fault{}, fmt.Errorf("smtpsink: fault %q: reply code %q must be 400..599", spec, arg)
	}
	f.Code = code
	return f, nil
}

// ParseDelay reads a --delay spec: PHASE:DURATION[*N][:COND].
func ParseDelay(spec string) (Fault, error) {
	f, arg, err := parseFaultHead(spec, FaultDelay, true)
	if err != nil {
		return Fault{}, err
	}
	d, err := time.ParseDuration(arg)
	if err != nil || d < 0 {
		return Fault{}, fmt.Errorf("smtpsink: delay %q: bad duration %q (want e.g. 500ms, 2s)", spec, arg)
	}
	f.Delay = d
	return f, nil
}

// ParseDisconnect reads a --disconnect spec: PHASE[*N][:COND].
func ParseDisconnect(spec string) (Fault, error) {
	f, _, err := parseFaultHead(spec, FaultDisconnect, false)
	return f, err
}

// parseFaultHead splits PHASE[:ARG][*N][:COND]; the condition is last and
// may itself contain ':' (a regexp), so only the leading fields are split.
func parseFaultHead(spec string, kind FaultKind, wantArg bool) (Fault, string, error) {
	f := Fault{Kind: kind, Spec: spec}
	n := 2
	if wantArg {
		n = 3
	}
	fields := strings.SplitN(spec, ":", n)
	head := fields[0]
	var arg string
	rest := fields[1:]
	if wantArg {
		if len(rest) == 0 || rest[0] == "" {
			return f, "", fmt.Errorf("smtpsink: fault %q: missing value after the phase", spec)
		}
		arg, rest = rest[0], rest[1:]
	}
	// "*N" sits on the last token before the condition.
	times := &head
	if wantArg {
		times = &arg
	}
	if i := strings.IndexByte(*times, '*'); i >= 0 {
		v, err := strconv.Atoi((*times)[i+1:])
		if err != nil || v < 1 {
			return f, "", fmt.Errorf("smtpsink: fault %q: bad repeat count %q (want *N with N >= 1)", spec, (*times)[i:])
		}
		f.Times = v
		*times = (*times)[:i]
	}
	f.Phase = Phase(strings.ToUpper(strings.TrimSpace(head)))
	allowed, ok := phaseFields[f.Phase]
	if !ok {
		return f, "", fmt.Errorf("smtpsink: fault %q: unknown phase %q (want CONNECT, HELO, MAIL, RCPT or DATA)", spec, head)
	}
	if len(rest) == 1 {
		if err := f.parseCond(rest[0], allowed); err != nil {
			return f, "", fmt.Errorf("smtpsink: fault %q: %w", spec, err)
		}
	}
	return f, arg, nil
}

func (f *Fault) parseCond(cond string, allowed []string) error {
	i := strings.IndexAny(cond, "~=")
	if i <= 0 {
		return fmt.Errorf("condition %q: want FIELD~REGEX or FIELD=VALUE", cond)
	}
	field := strings.ToLower(strings.TrimSpace(cond[:i]))
	known := false
	for _, a := range allowed {
		known = known || a == field
	}
	if !known {
		return fmt.Errorf("field %q is not known at %s (known: %s)", field, f.Phase, strings.Join(allowed, ", "))
	}
	f.Field = field
	value := cond[i+1:]
	if cond[i] == '=' {
		f.Exact = value
		if field == "class" {
			if _, err := model.ParseClass(value); err != nil {
				return err
			}
		}
		return nil
	}
	re, err := regexp.Compile(value)
	if err != nil {
		return fmt.Errorf("regexp %q: %w", value, err)
	}
	f.Regexp = re
	return nil
}

// faultSubject is what a fault is matched against at one phase.
type faultSubject struct {
	remote, helo, from, envid string
	to                        []string // RCPT: the one recipient; DATA: all
	findings                  []model.Finding
	body                      []byte
	key                       string // identity for Times counting
}

func (f *Fault) matches(s *faultSubject) bool {
	switch f.Field {
	case "":
		return true
	case "remote":
		return f.matchString(s.remote)
	case "helo":
		return f.matchString(s.helo)
	case "from":
		return f.matchString(s.from)
	case "envid":
		return f.matchString(s.envid)
	case "to":
		for _, t := range s.to {
			if f.matchString(t) {
				return true
			}
		}
	case "rule":
		for _, fd := range s.findings {
			if f.matchString(fd.Rule) {
				return true
			}
		}
	case "class":
		for _, fd := range s.findings {
			if f.matchString(fd.Class.String()) {
				return true
			}
		}
	case "body":
		if f.Regexp != nil {
			return f.Regexp.Match(s.body)
		}
		return strings.Contains(string(s.body), f.Exact)
	}
	return false
}

func (f *Fault) matchString(v string) bool {
	if f.Regexp != nil {
		return f.Regexp.MatchString(v)
	}
	return strings.EqualFold(v, f.Exact)
}

// Chaos injects random 451 replies and dropped connections at MAIL, RCPT
// and DATA with probability Rate. The draw is a hash of Seed, the phase, the
// subject and how often that subject was seen, so a run is reproducible for
// a seed whatever the interleaving of connections, and a retry gets a fresh
// draw.
type Chaos struct {
	Rate float64
	Seed int64
}
