package selection

import (
	"fmt"
	"strconv"
	"strings"
)

// Explain prints how the expression was read, for --explain: the
// canonical form on the first line (it re-parses to the same tree), then
// the tree, one node per line, each term with its meaning.
func (e *Expr) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "reads as: %s\n", e.String())
	explainNode(&b, e.root, 0)
	return b.String()
}

func explainNode(b *strings.Builder, n *node, depth int) {
	indent := strings.Repeat("  ", depth)
	switch n.kind {
	case nodeOr:
		fmt.Fprintf(b, "%sOR (either is enough)\n", indent)
		explainNode(b, n.left, depth+1)
		explainNode(b, n.right, depth+1)
	case nodeAnd:
		fmt.Fprintf(b, "%sAND (both are needed)\n", indent)
		explainNode(b, n.left, depth+1)
		explainNode(b, n.right, depth+1)
	case nodeNot:
		fmt.Fprintf(b, "%sNOT\n", indent)
		explainNode(b, n.left, depth+1)
	case nodeTerm:
		fmt.Fprintf(b, "%s%s %s %s    # %s\n", indent, n.field, n.op, quote(n.raw), meaning(n))
	}
}

func meaning(n *node) string {
	info := fields[n.field]
	switch info.kind {
	case kindString:
		var what string
		switch n.field {
		case "to":
			what = "any envelope recipient"
		case "rule":
			what = "any finding's rule"
		default:
			what = info.help
		}
		if n.op == OpMatch {
			cs := "case-sensitive"
			if info.reFold {
				cs = "case-insensitive"
			}
			return fmt.Sprintf("%s matches the RE2 pattern %s (%s)", what, strconv.Quote(n.raw), cs)
		}
		cs := "exactly"
		if info.fold {
			cs = "ignoring case"
		}
		verb := "equals"
		if n.op == OpNe {
			verb = "does not equal"
			if n.field == "to" || n.field == "rule" {
				return fmt.Sprintf("no %s equals %s (%s)", strings.TrimPrefix(what, "any "), strconv.Quote(n.str), cs)
			}
		}
		return fmt.Sprintf("%s %s %s (%s)", what, verb, strconv.Quote(n.str), cs)
	case kindSize:
		return fmt.Sprintf("size in bytes %s %s", n.op, strconv.FormatFloat(n.num, 'f', -1, 64))
	case kindAge:
		return fmt.Sprintf("seconds since mtime %s %s; no mtime: false", n.op, strconv.FormatFloat(n.num, 'f', -1, 64))
	case kindTime:
		return fmt.Sprintf("mtime %s %s; no mtime: false", n.op, n.when.UTC().Format("2006-01-02T15:04:05Z07:00"))
	case kindScore:
		return fmt.Sprintf("risk score %s %s", n.op, strconv.FormatFloat(n.num, 'f', -1, 64))
	case kindClass:
		c := n.class.String()
		if c == "" {
			c = "none"
		}
		return fmt.Sprintf("highest finding class %s %s (none < info < risk < stall < crash)", n.op, c)
	}
	return ""
}
