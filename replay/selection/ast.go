package selection

import (
	"regexp"
	"strings"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Op is a comparison operator.
type Op int

const (
	OpEq    Op = iota // =
	OpNe              // !=
	OpLt              // <
	OpLe              // <=
	OpGt              // >
	OpGe              // >=
	OpMatch           // ~ (RE2)
)

var opText = [...]string{"=", "!=", "<", "<=", ">", ">=", "~"}

func (o Op) String() string {
	if o < 0 || int(o) >= len(opText) {
		return "?"
	}
	return opText[o]
}

// fieldKind says how a field's values are read and compared.
type fieldKind int

const (
	kindString fieldKind = iota
	kindSize
	kindAge
	kindTime
	kindScore
	kindClass
)

type fieldInfo struct {
	kind fieldKind
	// fold: = and != ignore case; reFold: ~ ignores case too.
	fold, reFold bool
	help         string
}

// fields is the vocabulary of the language, documented in doc.go.
var fields = map[string]fieldInfo{
	"queue":   {kind: kindString, fold: true, reFold: true, help: "origin queue (IN, OUT, IN/Archive, OUT/Archive, Pickup), case-insensitive"},
	"name":    {kind: kindString, fold: true, reFold: true, help: "file name, case-insensitive"},
	"path":    {kind: kindString, fold: true, reFold: true, help: "file path, case-insensitive, \\ equals /"},
	"from":    {kind: kindString, fold: true, help: "envelope MAIL FROM"},
	"to":      {kind: kindString, fold: true, help: "any envelope recipient"},
	"subject": {kind: kindString, help: "top-level Subject as written"},
	"rule":    {kind: kindString, fold: true, help: "any finding's rule ID"},
	"format":  {kind: kindString, fold: true, help: "file format"},
	"class":   {kind: kindClass, help: "highest finding class (info < risk < stall < crash)"},
	"score":   {kind: kindScore, help: "risk score"},
	"size":    {kind: kindSize, help: "file size in bytes"},
	"age":     {kind: kindAge, help: "time since mtime"},
	"time":    {kind: kindTime, help: "mtime"},
}

// FieldNames lists the fields in alphabetical order, for help texts.
func FieldNames() []string {
	return []string{"age", "class", "format", "from", "name", "path", "queue", "rule", "score", "size", "subject", "time", "to"}
}

type nodeKind int

const (
	nodeOr nodeKind = iota
	nodeAnd
	nodeNot
	nodeTerm
)

// node is one element of the parsed tree. Binary nodes use left and right;
// not uses left.
type node struct {
	kind        nodeKind
	left, right *node

	// Terms.
	field string // lower-case field name
	op    Op
	raw   string // the value as written, unquoted
	pos   int    // byte offset of the term in the expression

	re    *regexp.Regexp
	num   float64 // size in bytes, age in seconds, score
	when  time.Time
	class model.Class
	str   string // the normalised comparison string
}

// Expr is a parsed selection expression. It is immutable and safe for
// concurrent use by Match.
type Expr struct {
	root *node
	src  string
}

// Source is the expression as given to Parse.
func (e *Expr) Source() string { return e.src }

// String is the canonical, fully parenthesised form of the expression;
// Parse(e.String()) reads the same tree.
func (e *Expr) String() string {
	var b strings.Builder
	writeCanonical(&b, e.root)
	return b.String()
}

func writeCanonical(b *strings.Builder, n *node) {
	switch n.kind {
	case nodeOr, nodeAnd:
		kw := " or "
		if n.kind == nodeAnd {
			kw = " and "
		}
		b.WriteByte('(')
		writeCanonical(b, n.left)
		b.WriteString(kw)
		writeCanonical(b, n.right)
		b.WriteByte(')')
	case nodeNot:
		b.WriteString("not ")
		writeCanonical(b, n.left)
	case nodeTerm:
		b.WriteString(n.field)
		b.WriteByte(' ')
		b.WriteString(n.op.String())
		b.WriteByte(' ')
		b.WriteString(quote(n.raw))
	}
}

// quote writes a value in double quotes, doubling any double quote.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Names returns the values of the name= and path= terms that select
// messages positively (not under a "not"): the messages "selected by name"
// that replay may release from hold-back with --include-suspects.
func (e *Expr) Names() []string {
	var out []string
	var walk func(n *node, negated bool)
	walk = func(n *node, negated bool) {
		switch n.kind {
		case nodeOr, nodeAnd:
			walk(n.left, negated)
			walk(n.right, negated)
		case nodeNot:
			walk(n.left, !negated)
		case nodeTerm:
			if !negated && n.op == OpEq && (n.field == "name" || n.field == "path") {
				out = append(out, n.raw)
			}
		}
	}
	walk(e.root, false)
	return out
}
