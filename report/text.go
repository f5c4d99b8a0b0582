package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
)

// cell prepares a string for a table cell: escaped, one line, shortened
// to max runes.
//
// Only message data is capped (a subject, an address, a header value can
// be 20,000 characters); our own words (reasons, findings, notes) go
// through text and are wrapped whole by the table.
func cell(s string, max int) string {
	return cut(strings.ReplaceAll(model.EscapeVisible(s), "\t", " "), max)
}

// cut shortens an escaped string to max runes, the last one "…", never
// inside a \xNN escape ("\x0…" would name no byte).
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	kept := string(r[:max-1])
	for k := 1; k <= 3 && k <= len(kept); k++ {
		if i := len(kept) - k; model.IsHexEscape(s, i) {
			kept = kept[:i]
			break
		}
	}
	return kept + "…"
}

// text is cell without a cap: the table wraps it.
func text(s string) string {
	return strings.ReplaceAll(model.EscapeVisible(s), "\t", " ")
}

// textLines is text for each line of s: the line breaks stay, for the
// table to keep.
func textLines(s string) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = text(l)
	}
	return strings.Join(ls, "\n")
}

// size renders a byte count for people: 512, 20K, 3.4M.
func size(n int64) string {
	switch {
	case n < 10*1024:
		return fmt.Sprintf("%d", n)
	case n < 10*1024*1024:
		return fmt.Sprintf("%dK", n/1024)
	case n < 10*1024*1024*1024:
		return fmt.Sprintf("%.1fM", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.1fG", float64(n)/(1024*1024*1024))
}

func score(f float64) string { return fmt.Sprintf("%.1f", f) }

// topFindings lists the rules of the heaviest findings, once each.
func topFindings(fs []model.Finding, n int) string {
	var ids []string
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.Rule] {
			continue
		}
		seen[f.Rule] = true
		ids = append(ids, f.Class.String()+":"+f.Rule)
		if len(ids) == n {
			break
		}
	}
	if extra := len(uniqueRules(fs)) - len(ids); extra > 0 {
		ids = append(ids, fmt.Sprintf("(+%d more)", extra))
	}
	return strings.Join(ids, "\n") // one a line: the table wraps none of them then
}

func uniqueRules(fs []model.Finding) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		m[f.Rule] = true
	}
	return m
}
