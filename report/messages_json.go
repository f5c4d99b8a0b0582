package report

import (
	"math"
	"strconv"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// appendMessageRecord appends r as newJSONLines would encode it, newline
// included, and reports false (having appended nothing) for a record that
// encoder might refuse or write otherwise: a score or confidence that is
// not finite, an invalid class, nil findings (NewMessageRecord never
// leaves them nil), a modification time that time.Time's MarshalJSON
// refuses. The caller then encodes it with encoding/json.
//
// A scan writes one record per file, and encoding/json spent most of its
// time in reflection and in compacting again what model.Envelope's
// MarshalJSON had encoded (a 32,767-recipient envelope twice over): 10% of
// scan's CPU, on the one goroutine that writes the records in order.
// TestAppendMessageRecordIsEncodingJSON holds the two encoders to the
// same bytes.
func appendMessageRecord(b []byte, r *model.MessageRecord) ([]byte, bool) {
	if !finite(r.Score) || !validTime(r.ModTime) || r.Findings == nil {
		return b, false
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if !finite(f.Confidence) || f.Class < 0 || f.Class > model.ClassCrash {
			return b, false
		}
	}
	b = append(b, `{"type":`...)
	b = appendJSONString(b, string(r.Type))
	b = append(b, `,"schema":`...)
	b = strconv.AppendInt(b, int64(r.Schema), 10)
	b = appendStringField(b, `,"path":`, r.Path)
	b = appendStringField(b, `,"name":`, r.Name)
	b = appendStringField(b, `,"queue":`, r.Queue)
	b = appendStringField(b, `,"format":`, string(r.Format))
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, r.Size, 10)
	b = appendStringField(b, `,"sha256":`, r.SHA256)
	if r.MboxOrdinal != 0 {
		b = append(b, `,"mbox_ordinal":`...)
		b = strconv.AppendInt(b, int64(r.MboxOrdinal), 10)
	}
	if r.FileOffset != 0 {
		b = append(b, `,"file_offset":`...)
		b = strconv.AppendInt(b, r.FileOffset, 10)
	}
	if !r.ModTime.IsZero() {
		b = append(b, `,"mtime":"`...)
		b = r.ModTime.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"envelope":`...)
	b = appendEnvelope(b, &r.Envelope)
	b = appendEscapedField(b, `,"subject":`, string(r.Subject))
	if r.SubjectDecoded != "" {
		b = appendEscapedField(b, `,"subject_decoded":`, string(r.SubjectDecoded))
	}
	b = append(b, `,"findings":[`...)
	for i := range r.Findings {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFinding(b, &r.Findings[i])
	}
	b = append(b, ']')
	b = append(b, `,"score":`...)
	b = appendJSONFloat(b, r.Score)
	if r.Error != "" {
		b = appendStringField(b, `,"error":`, r.Error)
	}
	return append(b, "}\n"...), true
}

// appendEnvelope is model.Envelope's MarshalJSON: the addresses, the
// parameters, HELO and MTS-ID with model.Escape.
func appendEnvelope(b []byte, e *model.Envelope) []byte {
	b = appendEscapedField(b, `{"from":`, e.From)
	b = append(b, `,"to":`...)
	b = appendEscapedList(b, e.To)
	if e.FromParams != "" {
		b = appendEscapedField(b, `,"from_params":`, e.FromParams)
	}
	if len(e.ToParams) > 0 {
		b = append(b, `,"to_params":`...)
		b = appendEscapedList(b, e.ToParams)
	}
	if e.Helo != "" {
		b = appendEscapedField(b, `,"helo":`, e.Helo)
	}
	if e.MTSID != "" {
		b = appendEscapedField(b, `,"mts_id":`, e.MTSID)
	}
	if e.Source != "" {
		b = appendStringField(b, `,"source":`, e.Source)
	}
	if e.RawOffset != 0 {
		b = append(b, `,"raw_offset":`...)
		b = strconv.AppendInt(b, e.RawOffset, 10)
	}
	if e.RawLength != 0 {
		b = append(b, `,"raw_length":`...)
		b = strconv.AppendInt(b, e.RawLength, 10)
	}
	return append(b, '}')
}

func appendFinding(b []byte, f *model.Finding) []byte {
	b = appendStringField(b, `{"rule":`, f.Rule)
	b = appendStringField(b, `,"class":`, f.Class.String())
	b = appendStringField(b, `,"part":`, f.Part)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, f.Offset, 10)
	b = appendEscapedField(b, `,"evidence":`, string(f.Evidence))
	if f.Detail != "" {
		b = appendStringField(b, `,"detail":`, f.Detail)
	}
	b = append(b, `,"kb":`...)
	b = appendList(b, f.KB, false)
	b = append(b, `,"confidence":`...)
	b = appendJSONFloat(b, f.Confidence)
	return append(b, '}')
}

func appendStringField(b []byte, key, s string) []byte {
	return appendJSONString(append(b, key...), s)
}

// appendEscapedField is appendStringField of model.Escape(s).
func appendEscapedField(b []byte, key, s string) []byte {
	return appendEscapedString(append(b, key...), s)
}

// appendEscapedString is appendJSONString of model.Escape(s) in one pass
// for the usual string, printable ASCII without '"' or '\\', which both
// leave as it is (the 32,767 addresses of a large envelope).
func appendEscapedString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return appendJSONString(b, model.Escape(s))
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendEscapedList is a []string field that model writes with
// model.Escape: null for nil, as encoding/json writes a nil slice.
func appendEscapedList(b []byte, ss []string) []byte { return appendList(b, ss, true) }

func appendList(b []byte, ss []string, escape bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		if escape {
			b = appendEscapedString(b, s)
		} else {
			b = appendJSONString(b, s)
		}
	}
	return append(b, ']')
}

// appendJSONString is encoding/json's string encoding with HTML escaping
// off (newJSONLines): model.AppendJSONString, which replay's records use
// too.
func appendJSONString(b []byte, s string) []byte { return model.AppendJSONString(b, s) }

// appendJSONFloat is encoding/json's float64 encoding (ES6 number to
// string: %f-like, exponent form below 1e-6 and from 1e21, exponent
// without a leading zero).
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func finite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

// validTime: time.Time's MarshalJSON refuses years outside 0-9999 and
// zone offsets of 24 hours or more (model.ValidJSONTime).
func validTime(t time.Time) bool { return model.ValidJSONTime(t) }
