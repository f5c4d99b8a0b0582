package smtpsink

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
)

// logEvent writes one log line: text "TIME EVENT key=value ..." (keys
// sorted, values quoted when they hold spaces or quotes) or, with LogJSON,
// one JSON object {"type":"sink-log","schema":1,"time","event",...}.
func (s *Sink) logEvent(event string, fields map[string]any) {
	w := s.cfg.Logger
	if w == nil {
		return
	}
	now := time.Now().UTC()
	var line []byte
	if s.cfg.LogJSON {
		rec := make(map[string]any, len(fields)+4)
		for k, v := range fields {
			rec[k] = v
		}
		rec["type"] = model.TypeSinkLog
		rec["schema"] = 1
		rec["time"] = now.Format(time.RFC3339Nano)
		rec["event"] = event
		b, err := json.Marshal(rec)
		if err != nil {
			b = []byte(fmt.Sprintf(`{"type":"sink-log","schema":1,"event":"log-error","error":%q}`, err.Error()))
		}
		line = append(b, '\n')
	} else {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString(now.Format("2006-01-02T15:04:05.000Z"))
		b.WriteByte(' ')
		b.WriteString(event)
		for _, k := range keys {
			b.WriteByte(' ')
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(textLogValue(fields[k]))
		}
		b.WriteByte('\n')
		line = []byte(b.String())
	}
	s.logMu.Lock()
	w.Write(line)
	s.logMu.Unlock()
}

// textLogValue is v as the text log writes it: quoted (strconv.Quote) when
// it is empty or holds a space, a quote, "=", or anything that is not a
// printable character. The values come from the SMTP client (HELO, MAIL
// FROM, RCPT TO, what a command said), so an ESC, a CR or a right-to-left
// override must never reach the terminal or a log viewer as itself, and
// a value cannot fake another key=value pair.
func textLogValue(v any) string {
	s := logValue(v)
	if s == "" || strings.ContainsAny(s, " \"=") || strings.IndexFunc(s, notPrintable) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// notPrintable: a control, format (bidi) or other unprintable rune, or an
// invalid byte (utf8.RuneError), which strconv.Quote writes escaped.
func notPrintable(r rune) bool { return r == utf8.RuneError || !unicode.IsPrint(r) }

// logValue is a text log value: the common types without fmt (one
// "stored" line per message), the rest through fmt.Sprint.
func logValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case []string:
		return strings.Join(v, ",")
	}
	return fmt.Sprint(v)
}

// topFindings names up to n findings, heaviest first, as "rule(class)".
func topFindings(fs []model.FindingSummary, n int) []string {
	out := []string{}
	for i, f := range fs {
		if i == n {
			out = append(out, fmt.Sprintf("+%d", len(fs)-n))
			break
		}
		out = append(out, f.Rule+"("+f.Class.String()+")")
	}
	return out
}
