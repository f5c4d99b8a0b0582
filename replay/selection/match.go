package selection

import (
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Match reports whether m is selected; now is the reference for age. A nil
// message is never selected.
func (e *Expr) Match(m *model.Message, now time.Time) bool {
	if e == nil || m == nil {
		return false
	}
	return eval(e.root, m, now)
}

func eval(n *node, m *model.Message, now time.Time) bool {
	switch n.kind {
	case nodeOr:
		return eval(n.left, m, now) || eval(n.right, m, now)
	case nodeAnd:
		return eval(n.left, m, now) && eval(n.right, m, now)
	case nodeNot:
		return !eval(n.left, m, now)
	}
	switch n.field {
	case "queue":
		return matchString(n, []string{m.Queue})
	case "name":
		return matchString(n, []string{m.Name})
	case "path":
		return matchString(n, []string{m.Path})
	case "from":
		return matchString(n, []string{stripBrackets(m.Envelope.From)})
	case "to":
		rcpts := make([]string, len(m.Envelope.To))
		for i, r := range m.Envelope.To {
			rcpts[i] = stripBrackets(r)
		}
		return matchString(n, rcpts)
	case "subject":
		return matchString(n, []string{string(m.Subject)})
	case "rule":
		rules := make([]string, len(m.Findings))
		for i, f := range m.Findings {
			rules[i] = f.Rule
		}
		return matchString(n, rules)
	case "format":
		return matchString(n, []string{string(m.Format)})
	case "class":
		return compare(n.op, float64(m.TopClass()), float64(n.class))
	case "score":
		return compare(n.op, m.Score, n.num)
	case "size":
		return compare(n.op, float64(m.Size), n.num)
	case "age":
		if m.ModTime.IsZero() {
			return false
		}
		return compare(n.op, now.Sub(m.ModTime).Seconds(), n.num)
	case "time":
		if m.ModTime.IsZero() {
			return false
		}
		return compare(n.op, float64(m.ModTime.Compare(n.when)), 0)
	}
	return false
}

// matchString is true when any of vals matches; "!=" is the negation of
// "=" (no value equal), so "to!=x" holds for a message without recipients.
func matchString(n *node, vals []string) bool {
	switch n.op {
	case OpMatch:
		for _, v := range vals {
			if n.re.MatchString(v) {
				return true
			}
			if n.field == "path" && strings.Contains(v, `\`) && n.re.MatchString(strings.ReplaceAll(v, `\`, "/")) {
				return true
			}
		}
		return false
	case OpEq, OpNe:
		eq := false
		for _, v := range vals {
			if normalise(n.field, v) == n.str {
				eq = true
				break
			}
		}
		return eq == (n.op == OpEq)
	}
	return false
}

// normalise is the comparison form of a value: case folded for fields
// compared case-insensitively, "\" as "/" for queue and path, angle
// brackets removed for addresses.
func normalise(field, v string) string {
	info := fields[field]
	switch field {
	case "queue", "path":
		v = strings.ReplaceAll(v, `\`, "/")
	case "from", "to":
		v = stripBrackets(v)
	}
	if info.fold {
		v = strings.ToLower(v)
	}
	return v
}

func stripBrackets(a string) string {
	a = strings.TrimSpace(a)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		return a[1 : len(a)-1]
	}
	return a
}

func compare(op Op, a, b float64) bool {
	switch op {
	case OpEq:
		return a == b
	case OpNe:
		return a != b
	case OpLt:
		return a < b
	case OpLe:
		return a <= b
	case OpGt:
		return a > b
	case OpGe:
		return a >= b
	}
	return false
}
