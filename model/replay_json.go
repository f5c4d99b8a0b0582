package model

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON appends r as marshalPlain encodes the plain copy that
// MarshalJSON makes (field order, omitempty and omitzero, Escape on the
// file names and the reason), and reports false, having appended nothing,
// for a time that time.Time's MarshalJSON refuses; MarshalJSON then takes
// encoding/json's path. A replay writes three records per message to the
// journal and again to its output, and encoding/json's reflection was 9%
// of replay's CPU. TestReplayRecordJSONIsEncodingJSON holds the two to
// the same bytes.
func (r *ReplayRecord) appendJSON(b []byte) ([]byte, bool) {
	if !ValidJSONTime(r.Time) {
		return b, false
	}
	b = append(b, `{"type":`...)
	b = AppendJSONString(b, string(r.Type))
	b = append(b, `,"schema":`...)
	b = strconv.AppendInt(b, int64(r.Schema), 10)
	b = append(b, `,"path":`...)
	b = AppendJSONString(b, Escape(r.Path))
	if r.MboxOrdinal != 0 {
		b = append(b, `,"mbox_ordinal":`...)
		b = strconv.AppendInt(b, int64(r.MboxOrdinal), 10)
	}
	b = append(b, `,"target":`...)
	b = AppendJSONString(b, Escape(r.Target))
	b = append(b, `,"action":`...)
	b = AppendJSONString(b, string(r.Action))
	if r.Dest != "" {
		b = append(b, `,"dest":`...)
		b = AppendJSONString(b, Escape(r.Dest))
	}
	b = append(b, `,"sha256_before":`...)
	b = AppendJSONString(b, r.SHA256Before)
	b = append(b, `,"sha256_after":`...)
	b = AppendJSONString(b, r.SHA256After)
	b = append(b, `,"result":`...)
	b = AppendJSONString(b, string(r.Result))
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = AppendJSONString(b, Escape(r.Reason))
	}
	if r.Phase != "" {
		b = append(b, `,"phase":`...)
		b = AppendJSONString(b, string(r.Phase))
	}
	if r.ConnectionLost {
		b = append(b, `,"connection_lost":true`...)
	}
	if r.Attempt != 0 {
		b = append(b, `,"attempt":`...)
		b = strconv.AppendInt(b, int64(r.Attempt), 10)
	}
	if len(r.Replies) > 0 {
		b = append(b, `,"replies":[`...)
		for i := range r.Replies {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.Replies[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	if !r.Time.IsZero() {
		b = append(b, `,"time":"`...)
		b = r.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if r.Bytes != 0 {
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, r.Bytes, 10)
	}
	return append(b, '}'), true
}

func (s *SMTPReply) appendJSON(b []byte) []byte {
	b = append(b, `{"command":`...)
	b = AppendJSONString(b, s.Command)
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(s.Code), 10)
	if s.EnhancedCode != "" {
		b = append(b, `,"enhanced_code":`...)
		b = AppendJSONString(b, s.EnhancedCode)
	}
	if s.Text != "" {
		b = append(b, `,"text":`...)
		b = AppendJSONString(b, s.Text)
	}
	return append(b, '}')
}

// ValidJSONTime reports a time that time.Time's MarshalJSON encodes: it
// refuses years outside 0-9999 and zone offsets of 24 hours or more.
func ValidJSONTime(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	_, off := t.Zone()
	y := t.Year()
	return 0 <= y && y <= 9999 && -24*3600 < off && off < 24*3600
}

// AppendJSONString appends s as encoding/json encodes a string with HTML
// escaping off (the tool's JSON Lines): '"' and '\' escaped, the C0
// controls as \b \f \n \r \t or \u00XX, each byte of invalid UTF-8 as
// \ufffd, U+2028 and U+2029 as \u2028 and \u2029, everything else as it
// is. The hand-written record encoders (replay records here, scan's
// message records in report) share it.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
