package evidence

import (
	"encoding/binary"
	"regexp"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Enrich fills the derived fields of e (Location, HRESULT, SpoolFile) from
// what e already holds, the same way whatever format it was read from. It
// only copies what is there (ims-kb.md 3.3, poison-rules.md "Evidence that
// names a file"); a field already set is left alone.
//
// Data section of MSExchangeIMC events: bytes 0-3 little-endian location
// code, 4-7 little-endian HRESULT, then optionally a NUL-terminated ASCII
// spool name. Text: "spool file NAME" (4117, 4182, 4115), "temporary file
// ...\in\NAME" (2002), "processing file ...\in\NAME" (4081), "The archive
// filename is 'NAME'" (MSExchangeIS 12004/12006/12007), "The error
// 0x80040115" (3039, 4094) and "Error 80004005-F0000000" (12004...).
func Enrich(e *model.Event) {
	if isIMCSource(e.Source) && len(e.Data) >= 4 {
		if e.Location == nil {
			v := binary.LittleEndian.Uint32(e.Data[0:4])
			e.Location = &v
		}
		if e.HRESULT == nil && len(e.Data) >= 8 {
			v := binary.LittleEndian.Uint32(e.Data[4:8])
			e.HRESULT = &v
		}
		if e.SpoolFile == "" && len(e.Data) > 8 {
			name := e.Data[8:]
			if i := indexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if spoolName.Match(name) {
				e.SpoolFile = strings.ToUpper(string(name))
			}
		}
	}
	texts := make([]string, 0, 1+len(e.Strings))
	if e.Message != "" {
		texts = append(texts, string(e.Message))
	}
	for _, s := range e.Strings {
		texts = append(texts, string(s))
	}
	if e.SpoolFile == "" {
		e.SpoolFile = spoolFromText(texts)
	}
	if e.SpoolFile == "" && namesSpoolInStrings(e) {
		e.SpoolFile = spoolFromInsertionStrings(e.Strings)
	}
	if e.HRESULT == nil {
		for _, t := range texts {
			if m := hresultText.FindStringSubmatch(t); m != nil {
				hex := m[1]
				if hex == "" {
					hex = m[2]
				}
				if v, err := strconv.ParseUint(hex, 16, 32); err == nil {
					v32 := uint32(v)
					e.HRESULT = &v32
					break
				}
			}
		}
	}
}

var (
	spoolName     = regexp.MustCompile(`^[0-9A-Za-z]{8}$`)
	spoolInText   = regexp.MustCompile(`(?i)\bspool file\s+"?([0-9A-Za-z]{8})\b`)
	spoolInPath   = regexp.MustCompile(`(?i)\b(?:temporary|processing) file\s+"?[^\s"]*\\in\\([0-9A-Za-z]{8})\b`)
	spoolArchived = regexp.MustCompile(`(?i)\barchive filename is '([0-9A-Za-z]{8})'`)
	hresultText   = regexp.MustCompile(`(?i)\berror\s+0x([0-9a-f]{8})\b|\berror\s+([0-9a-f]{8})-[0-9a-f]{1,8}\b`)
)

func spoolFromText(texts []string) string {
	for _, re := range []*regexp.Regexp{spoolInText, spoolInPath, spoolArchived} {
		for _, t := range texts {
			if m := re.FindStringSubmatch(t); m != nil {
				return strings.ToUpper(m[1])
			}
		}
	}
	return ""
}

// namesSpoolInStrings reports the events whose message text (held in the
// source's message DLL, absent from a .evt file) names a spool file, so
// that one of their insertion strings is that name.
func namesSpoolInStrings(e *model.Event) bool {
	switch {
	case isIMCSource(e.Source):
		switch e.EventID {
		case 4117, 4182, 4115, 2002, 4081, 4132:
			return true
		}
	case strings.EqualFold(e.Source, "MSExchangeIS"):
		switch e.EventID {
		case 12004, 12006, 12007:
			return true
		}
	}
	return false
}

// spoolFromInsertionStrings takes an insertion string that is exactly a
// spool name, or a path ending in \in\NAME. QUIRK: an 8-character string of
// hex digits only is taken for an HRESULT, not a name: such spool names
// exist but are rare, and accusing the wrong file is worse than naming none.
func spoolFromInsertionStrings(ss []model.Text) string {
	for _, s := range ss {
		t := strings.Trim(strings.TrimSpace(string(s)), `'"`)
		if i := strings.LastIndexAny(t, `\/`); i >= 0 {
			dir := strings.ToLower(t[:i])
			if strings.HasSuffix(dir, `\in`) || strings.HasSuffix(dir, `/in`) || strings.HasSuffix(dir, `\archive`) {
				t = t[i+1:]
			} else {
				continue
			}
		} else if isHex(t) {
			continue
		}
		if spoolName.MatchString(t) {
			return strings.ToUpper(t)
		}
	}
	return ""
}

func isIMCSource(s string) bool {
	return strings.EqualFold(s, "MSExchangeIMC") || strings.EqualFold(s, "IMC")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// levelFromType maps an EVENTLOGRECORD EventType (also dumpel's type
// column) to the level text.
func levelFromType(t uint32) string {
	// EVENTLOG_SUCCESS (0) has no level of its own: left empty.
	switch t {
	case 4:
		return "information"
	case 1:
		return "error"
	case 2:
		return "warning"
	case 8:
		return "audit-success"
	case 0x10:
		return "audit-failure"
	}
	return ""
}

// levelFromText maps the Type column of an export ("Error", "Success
// Audit", ...) to the level text; unknown words are kept lower-cased.
func levelFromText(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "":
		return ""
	case "error", "err":
		return "error"
	case "warning", "warn":
		return "warning"
	case "information", "info", "informational":
		return "information"
	case "success audit", "audit success", "audit-success":
		return "audit-success"
	case "failure audit", "audit failure", "audit-failure":
		return "audit-failure"
	}
	return s
}

// capString cuts s to max bytes without splitting a UTF-8 sequence when it
// can avoid it.
func capString(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && cut > max-4 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	if cut == 0 || cut <= max-4 {
		cut = max
	}
	return s[:cut]
}

// eventID turns an event number as written into the code (low 16 bits of
// the message ID, as Event Viewer shows it).
func eventID(s string) (uint32, bool) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v) & 0xFFFF, true
}

func newEvent(kind, origin string) model.Event {
	return model.Event{Type: model.TypeEvent, Schema: model.SchemaVersion, Kind: kind, Origin: origin}
}
