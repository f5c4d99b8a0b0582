package replay

import (
	"errors"
	"fmt"
	"strings"
)

// Target schemes.
const (
	SchemeImcdata   = "imcdata"
	SchemePickup    = "pickup"
	SchemeReplayDir = "replay-dir"
	SchemeSMTP      = "smtp"
)

// ErrBadTarget is the sentinel for a TARGET that cannot be read.
var ErrBadTarget = errors.New("replay: bad target")

// TargetSpec is a parsed --to TARGET.
type TargetSpec struct {
	Scheme string // imcdata, pickup, replay-dir or smtp
	// Path is the folder for folder schemes (as written, not made
	// absolute), or the whole URL for smtp.
	Path string
}

// ParseTarget reads "imcdata:DIR", "pickup:DIR", "replay-dir:DIR" or
// "smtp://host:port". It splits on the first colon only when what precedes
// it is a known scheme (case-insensitive), so a Windows drive letter after
// the scheme is kept: "imcdata:D:\Exchsrvr\Imcdata" is the folder
// "D:\Exchsrvr\Imcdata". A bare path ("D:\x") is refused: the scheme says
// which conversion is wanted and cannot be guessed safely.
func ParseTarget(s string) (TargetSpec, error) {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return TargetSpec{}, fmt.Errorf("%w %q: want imcdata:DIR, pickup:DIR, replay-dir:DIR or smtp://host:port", ErrBadTarget, s)
	}
	scheme := strings.ToLower(s[:i])
	rest := s[i+1:]
	switch scheme {
	case SchemeImcdata, SchemePickup, SchemeReplayDir:
		if rest == "" {
			return TargetSpec{}, fmt.Errorf("%w %q: the folder is missing after %q", ErrBadTarget, s, scheme+":")
		}
		return TargetSpec{Scheme: scheme, Path: rest}, nil
	case SchemeSMTP, "smtps":
		if !strings.HasPrefix(rest, "//") || len(rest) == 2 {
			return TargetSpec{}, fmt.Errorf("%w %q: want smtp://host:port", ErrBadTarget, s)
		}
		return TargetSpec{Scheme: SchemeSMTP, Path: s}, nil
	}
	return TargetSpec{}, fmt.Errorf("%w %q: unknown scheme %q (want imcdata:, pickup:, replay-dir: or smtp://)", ErrBadTarget, s, s[:i])
}
