package evidence

import (
	"errors"
	"fmt"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Options bounds and tunes the readers. The zero value (or a nil *Options)
// is ready to use; every limit documents its zero value.
type Options struct {
	// TZ is the time zone of the server whose local wall-clock times the
	// text exports, dumpel output, Dr. Watson logs and protocol logs hold.
	// nil = time.Local, and every such time is marked
	// model.TimeAssumed (nothing told the zone). Binary .evt times and tracking logs are UTC and
	// ignore it.
	TZ *time.Location
	// TZName names TZ in each Event's TimeZone; "" = TZ.String(). The
	// CLI sets it to what the user typed ("UTC-5").
	TZName string

	// MaxFileBytes is how many bytes of one file are read. 0 = 4 GiB,
	// -1 = unlimited. Going over it keeps the events read so far and
	// returns an error wrapping ErrLimitExceeded.
	MaxFileBytes int64

	// MaxRecordBytes bounds one .evt record, one text line and one CSV
	// record. 0 = 1 MiB, -1 = unlimited (not recommended). Longer lines are
	// cut; longer .evt records are not believed.
	MaxRecordBytes int

	// MaxStringBytes caps every string kept in an Event (insertion
	// strings, descriptions, subjects, addresses). 0 = 16 KiB, -1 =
	// unlimited.
	MaxStringBytes int

	// MaxDataBytes caps the binary data kept per event. 0 = 64 KiB,
	// -1 = unlimited.
	MaxDataBytes int

	// MaxEvents caps the events read from one file. 0 = 1,000,000,
	// -1 = unlimited. Going over it returns an error wrapping
	// ErrLimitExceeded with the events read so far.
	MaxEvents int

	// EVTX bounds the .evtx reader's BinXML work (evtx.go).
	EVTX EVTXOptions

	// OnSkip, when set, is told about every file ReadPaths met while
	// walking a folder and did not read (not evidence, symlink, not a
	// regular file). It is the debug list: such files are not errors.
	OnSkip func(path, reason string)

	// OnLoad, when set, is told the path of each file LoadPaths is about
	// to read, for a progress line (a big .evt takes seconds).
	OnLoad func(path string)

	tzAssumed bool // TZ was nil: local times are assumed in this machine's zone
}

// zoneOf says how the times of format f are read (model.Event.TimeZone).
func (o *Options) zoneOf(f Format) string {
	switch {
	case f.utc():
		return model.TimeUTC
	case o.tzAssumed:
		return model.TimeAssumed
	case o.TZName != "":
		return o.TZName
	}
	return o.TZ.String()
}

const (
	defaultMaxFileBytes   = 4 << 30
	defaultMaxRecordBytes = 1 << 20
	defaultMaxStringBytes = 16 << 10
	defaultMaxDataBytes   = 64 << 10
	defaultMaxEvents      = 1_000_000
	unlimited             = int(^uint(0) >> 1)
)

// withDefaults returns a copy of o with zero values replaced by defaults
// and -1 by "unlimited"; o itself is not changed.
func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.TZ == nil {
		v.TZ, v.tzAssumed = time.Local, true
	}
	switch {
	case v.MaxFileBytes == 0:
		v.MaxFileBytes = defaultMaxFileBytes
	case v.MaxFileBytes < 0:
		v.MaxFileBytes = int64(^uint64(0) >> 1)
	}
	v.MaxRecordBytes = intLimit(v.MaxRecordBytes, defaultMaxRecordBytes)
	v.MaxStringBytes = intLimit(v.MaxStringBytes, defaultMaxStringBytes)
	v.MaxDataBytes = intLimit(v.MaxDataBytes, defaultMaxDataBytes)
	v.MaxEvents = intLimit(v.MaxEvents, defaultMaxEvents)
	v.EVTX = v.EVTX.withDefaults()
	return v
}

func intLimit(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return unlimited
	}
	return v
}

// Sentinel errors. Test with errors.Is; the returned errors wrap them with
// the file name and the place.
var (
	// ErrNotEvidence: the content matched none of the evidence formats.
	ErrNotEvidence = errors.New("not a known evidence format (known: " + knownFormats() + ")")
	// ErrTruncated: the file ends inside a record, line block or session.
	ErrTruncated = errors.New("evidence: truncated")
	// ErrCorrupt: bytes that should have held a record did not.
	ErrCorrupt = errors.New("evidence: corrupt")
	// ErrLimitExceeded: a limit of Options was reached.
	ErrLimitExceeded = errors.New("evidence: limit exceeded")
)

// LimitError says which limit of Options was reached. It unwraps to
// ErrLimitExceeded.
type LimitError struct {
	Limit string // the Options field name
	Max   int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("evidence: limit exceeded: %s=%d", e.Limit, e.Max)
}

func (e *LimitError) Unwrap() error { return ErrLimitExceeded }

// problems collects the errors, warnings and damaged-record count of one
// file, bounded so a file made of garbage cannot grow the lists without
// end. An error means the file could not be read whole (the run is
// partial); a warning means something was lost that the format itself
// allows to be lost (a damaged record, slack-space fragments, a line that
// is no record) while the file as such is sound.
type problems struct {
	name    string
	errs    []error
	dropped int

	warnings     []string
	moreWarnings int
	damaged      int

	dates dateNotes // what the file's local dates said about their order
}

const maxProblems = 20

func (p *problems) add(err error) {
	if err == nil {
		return
	}
	if len(p.errs) >= maxProblems {
		p.dropped++
		return
	}
	p.errs = append(p.errs, err)
}

func (p *problems) addf(format string, args ...any) {
	p.add(fmt.Errorf(format, args...))
}

// warn records a problem that leaves the file sound.
func (p *problems) warn(format string, args ...any) {
	if len(p.warnings) >= maxProblems {
		p.moreWarnings++
		return
	}
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// damage counts one record that could not be read and says why.
func (p *problems) damage(format string, args ...any) {
	p.damaged++
	p.warn(format, args...)
}

// warningList returns the warnings, the overflow summarised.
func (p *problems) warningList() []string {
	if p.moreWarnings == 0 {
		return p.warnings
	}
	return append(p.warnings[:len(p.warnings):len(p.warnings)], fmt.Sprintf("and %d more warnings", p.moreWarnings))
}

// err joins what was collected, prefixed with the file name.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	errs := p.errs
	if p.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("and %d more problems", p.dropped))
	}
	return fmt.Errorf("evidence %s: %w", p.name, errors.Join(errs...))
}
