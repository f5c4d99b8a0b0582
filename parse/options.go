package parse

import (
	"errors"
	"fmt"
)

// Options are the limits of one Parse. The zero value of every field means
// its default; -1 means unlimited where that is allowed. A nil *Options is
// the same as &Options{}.
type Options struct {
	// LineBuffer is the size of the read buffer; longer lines are
	// processed in segments of this size. 0 = 64 KiB. Minimum 4 KiB.
	LineBuffer int
	// EnvelopeWindow is how many leading bytes are searched for the IMS
	// markers and X-Sender lines. 0 = 64 KiB.
	EnvelopeWindow int
	// MaxFieldValue is how many bytes of one unfolded header value are
	// kept; the true length is always recorded. 0 = 16 KiB, -1 = unlimited.
	MaxFieldValue int
	// MaxHeaderFields is how many header fields (all parts together) are
	// kept; fields beyond are counted, not stored. 0 = 10,000, -1 = unlimited.
	MaxHeaderFields int
	// MaxHeaderBytes is how many bytes of header values (all parts
	// together) are kept. 0 = 4 MiB, -1 = unlimited.
	MaxHeaderBytes int64
	// MaxParts is how many MIME parts are recorded in Message.Parts; parts
	// beyond are counted in Scan.Parts. 0 = 10,000, -1 = unlimited.
	MaxParts int
	// MaxDepth is the deepest nesting that is followed; deeper entities
	// are scanned as opaque bodies. 0 = 100, -1 = unlimited (not advised:
	// the boundary stack grows with depth).
	MaxDepth int
	// MaxDecodedBytes is how many decoded bytes of one part are fed to the
	// content analysers (TNEF, RTF, HTML, DBCS); validation of the
	// encoding itself continues to the end. 0 = 64 MiB, -1 = unlimited.
	MaxDecodedBytes int64
	// MaxBytes stops reading after this many bytes of the file and
	// returns ErrLimitExceeded with the partial Message. 0 = the default,
	// unlimited; -1 = unlimited.
	MaxBytes int64
}

// ErrLimitExceeded is returned (wrapped in a *LimitError) when a limit that
// stops the parse is reached. The Message returned with it is usable.
var ErrLimitExceeded = errors.New("parse: limit exceeded")

// LimitError names the limit that was reached.
type LimitError struct {
	Limit string
	Max   int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("parse: limit exceeded: %s (%d)", e.Limit, e.Max)
}

func (e *LimitError) Unwrap() error { return ErrLimitExceeded }

// IsLimitExceeded reports whether err is (or wraps) ErrLimitExceeded.
func IsLimitExceeded(err error) bool { return errors.Is(err, ErrLimitExceeded) }

// withDefaults returns a copy of o with every zero field set to its
// default; o is not modified.
func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.LineBuffer == 0 {
		v.LineBuffer = 64 << 10
	}
	if v.LineBuffer < 4<<10 {
		v.LineBuffer = 4 << 10
	}
	if v.EnvelopeWindow <= 0 {
		v.EnvelopeWindow = 64 << 10
	}
	if v.EnvelopeWindow > v.LineBuffer {
		// The window is peeked from the read buffer.
		v.LineBuffer = v.EnvelopeWindow
	}
	if v.MaxFieldValue == 0 {
		v.MaxFieldValue = 16 << 10
	}
	if v.MaxHeaderFields == 0 {
		v.MaxHeaderFields = 10000
	}
	if v.MaxHeaderBytes == 0 {
		v.MaxHeaderBytes = 4 << 20
	}
	if v.MaxParts == 0 {
		v.MaxParts = 10000
	}
	if v.MaxDepth == 0 {
		v.MaxDepth = 100
	}
	if v.MaxDecodedBytes == 0 {
		v.MaxDecodedBytes = 64 << 20
	}
	return v
}

func unlimitedInt(v int) bool     { return v < 0 }
func unlimitedInt64(v int64) bool { return v < 0 }
