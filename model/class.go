package model

import (
	"fmt"
	"strings"
)

// Class is the weight class of a rule, in the order of poison-rules.md:
// crash > stall > risk > info. The zero value ClassNone means "no finding"
// (a clean message's class in truth.json is "").
type Class int

const (
	ClassNone Class = iota
	ClassInfo
	ClassRisk
	ClassStall
	ClassCrash
)

var classNames = [...]string{"", "info", "risk", "stall", "crash"}

func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("class(%d)", int(c))
	}
	return classNames[c]
}

// MarshalText writes the class ID used in JSON, CSV and --select.
func (c Class) MarshalText() ([]byte, error) {
	if c < 0 || int(c) >= len(classNames) {
		return nil, fmt.Errorf("model: invalid class %d", int(c))
	}
	return []byte(classNames[c]), nil
}

// UnmarshalText accepts the class IDs case-insensitively.
func (c *Class) UnmarshalText(b []byte) error {
	v, err := ParseClass(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseClass reads a class ID ("crash", "stall", "risk", "info" or "").
func ParseClass(s string) (Class, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return ClassNone, fmt.Errorf("model: unknown class %q (want crash, stall, risk or info)", s)
}

// Weight is the class weight used by the risk score (class weight x
// confidence). The gaps are wide on purpose: one crash finding outweighs any
// realistic pile of risk findings.
func (c Class) Weight() float64 {
	switch c {
	case ClassCrash:
		return 100
	case ClassStall:
		return 30
	case ClassRisk:
		return 5
	case ClassInfo:
		return 0.5
	}
	return 0
}
