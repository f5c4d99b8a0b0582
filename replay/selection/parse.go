package selection

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
)

// ErrSyntax is the sentinel every *ParseError unwraps to.
var ErrSyntax = errors.New("selection: syntax error")

// ParseError is a bad expression, with the column (1-based, in
// characters) where reading stopped.
type ParseError struct {
	Expr string
	Pos  int // byte offset
	Col  int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("select: column %d: %s", e.Col, e.Msg)
}

func (e *ParseError) Unwrap() error { return ErrSyntax }

// Caret returns the expression and a second line with a caret under the
// column of the error, for a terminal.
func (e *ParseError) Caret() string {
	return model.Escape(e.Expr) + "\n" + strings.Repeat(" ", e.Col-1) + "^"
}

// IsSyntax reports whether err is (or wraps) a selection syntax error.
func IsSyntax(err error) bool { return errors.Is(err, ErrSyntax) }

// maxDepth bounds nesting so that a hostile expression cannot exhaust the
// stack.
const maxDepth = 100

type parser struct {
	src   string
	pos   int
	depth int
}

// Parse reads a selection expression (grammar in the package doc).
func Parse(expr string) (*Expr, error) {
	p := &parser{src: expr}
	p.skipSpace()
	if p.pos == len(p.src) {
		return nil, p.errAt(p.pos, "empty expression")
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		if p.src[p.pos] == ')' {
			return nil, p.errAt(p.pos, "unmatched ')'")
		}
		return nil, p.errAt(p.pos, fmt.Sprintf("unexpected %s: expected 'and', 'or' or the end", p.excerpt()))
	}
	return &Expr{root: root, src: expr}, nil
}

func (p *parser) errAt(pos int, msg string) *ParseError {
	if pos > len(p.src) {
		pos = len(p.src)
	}
	return &ParseError{Expr: p.src, Pos: pos, Col: utf8.RuneCountInString(p.src[:pos]) + 1, Msg: msg}
}

// excerpt quotes the next word of the input for an error message.
func (p *parser) excerpt() string {
	end := p.pos
	for end < len(p.src) && end-p.pos < 20 && !isSpaceAt(p.src, end) {
		end++
	}
	return strconv.Quote(p.src[p.pos:end])
}

func isSpaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// keyword consumes kw (case-insensitive) when it stands as a word here.
func (p *parser) keyword(kw string) bool {
	p.skipSpace()
	end := p.pos + len(kw)
	if end > len(p.src) || !strings.EqualFold(p.src[p.pos:end], kw) {
		return false
	}
	if end < len(p.src) && !isSpaceAt(p.src, end) && p.src[end] != '(' {
		return false
	}
	p.pos = end
	return true
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(p.pos, fmt.Sprintf("nesting deeper than %d levels", maxDepth))
	}
	return nil
}

func (p *parser) parseOr() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &node{kind: nodeOr, left: left, right: right}
	}
	return left, nil
}

func (p *parser) parseAnd() (*node, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = &node{kind: nodeAnd, left: left, right: right}
	}
	return left, nil
}

func (p *parser) parseUnary() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.skipSpace()
	if p.pos == len(p.src) {
		return nil, p.errAt(p.pos, "unexpected end: expected a term such as size>30K, 'not' or '('")
	}
	if p.src[p.pos] == '(' {
		open := p.pos
		p.pos++
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos == len(p.src) || p.src[p.pos] != ')' {
			if p.pos == len(p.src) {
				return nil, p.errAt(open, "'(' is never closed")
			}
			return nil, p.errAt(p.pos, fmt.Sprintf("unexpected %s: expected 'and', 'or' or ')'", p.excerpt()))
		}
		p.pos++
		return inner, nil
	}
	if p.keyword("not") {
		inner, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &node{kind: nodeNot, left: inner}, nil
	}
	return p.parseTerm()
}

func isFieldByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func (p *parser) parseTerm() (*node, error) {
	start := p.pos
	for p.pos < len(p.src) && isFieldByte(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return nil, p.errAt(start, fmt.Sprintf("unexpected %s: expected a field name, 'not' or '('", p.excerpt()))
	}
	name := strings.ToLower(p.src[start:p.pos])
	info, ok := fields[name]
	if !ok {
		return nil, p.errAt(start, fmt.Sprintf("unknown field %q (fields: %s)", p.src[start:p.pos], strings.Join(FieldNames(), ", ")))
	}
	p.skipSpace()
	opPos := p.pos
	op, ok := p.readOp()
	if !ok {
		return nil, p.errAt(opPos, fmt.Sprintf("expected an operator (= != < <= > >= ~) after %s", name))
	}
	p.skipSpace()
	valPos := p.pos
	raw, err := p.readValue()
	if err != nil {
		return nil, err
	}
	n := &node{kind: nodeTerm, field: name, op: op, raw: raw, pos: start}
	if msg := compileTerm(n, info); msg != "" {
		if strings.HasPrefix(msg, "operator") {
			return nil, p.errAt(opPos, msg)
		}
		return nil, p.errAt(valPos, msg)
	}
	return n, nil
}

func (p *parser) readOp() (Op, bool) {
	rest := p.src[p.pos:]
	for _, c := range []struct {
		s  string
		op Op
	}{{"!=", OpNe}, {"<=", OpLe}, {">=", OpGe}, {"==", OpEq}, {"=", OpEq}, {"<", OpLt}, {">", OpGt}, {"~", OpMatch}} {
		if strings.HasPrefix(rest, c.s) {
			p.pos += len(c.s)
			return c.op, true
		}
	}
	return 0, false
}

// readValue reads a quoted value (the quote doubled inside) or a bare word
// (up to white space or a parenthesis).
func (p *parser) readValue() (string, error) {
	if p.pos == len(p.src) {
		return "", p.errAt(p.pos, "expected a value after the operator")
	}
	if q := p.src[p.pos]; q == '"' || q == '\'' {
		open := p.pos
		p.pos++
		var b strings.Builder
		for {
			i := strings.IndexByte(p.src[p.pos:], q)
			if i < 0 {
				p.pos = len(p.src)
				return "", p.errAt(open, "quoted value is never closed")
			}
			b.WriteString(p.src[p.pos : p.pos+i])
			p.pos += i + 1
			if p.pos < len(p.src) && p.src[p.pos] == q {
				b.WriteByte(q)
				p.pos++
				continue
			}
			return b.String(), nil
		}
	}
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != '(' && p.src[p.pos] != ')' && !isSpaceAt(p.src, p.pos) {
		_, n := utf8.DecodeRuneInString(p.src[p.pos:])
		p.pos += n
	}
	if p.pos == start {
		return "", p.errAt(p.pos, "expected a value after the operator")
	}
	return p.src[start:p.pos], nil
}

// compileTerm checks the operator against the field and reads the value;
// it returns an error message ("operator ..." for operator errors).
func compileTerm(n *node, info fieldInfo) string {
	if info.kind == kindString {
		switch n.op {
		case OpEq, OpNe:
			n.str = normalise(n.field, n.raw)
			return ""
		case OpMatch:
			src := n.raw
			if info.reFold {
				src = "(?i)" + src
			}
			re, err := regexp.Compile(src)
			if err != nil {
				return fmt.Sprintf("bad regular expression: %v", err)
			}
			n.re = re
			return ""
		default:
			return fmt.Sprintf("operator %s does not apply to %s (use = != or ~)", n.op, n.field)
		}
	}
	if n.op == OpMatch {
		return fmt.Sprintf("operator ~ does not apply to %s (use = != < <= > >=)", n.field)
	}
	var err error
	switch info.kind {
	case kindSize:
		n.num, err = parseSize(n.raw)
	case kindAge:
		n.num, err = parseAge(n.raw)
	case kindScore:
		n.num, err = strconv.ParseFloat(strings.TrimSpace(n.raw), 64)
		if err == nil && (math.IsNaN(n.num) || math.IsInf(n.num, 0)) {
			err = errors.New("not a finite number")
		}
		if err != nil {
			err = fmt.Errorf("score wants a number such as 50 or 12.5")
		}
	case kindTime:
		n.when, err = parseTime(n.raw)
	case kindClass:
		v := strings.ToLower(strings.TrimSpace(n.raw))
		if v == "none" {
			v = ""
		}
		n.class, err = model.ParseClass(v)
		if err != nil {
			err = fmt.Errorf("unknown class %q (want info, risk, stall, crash or none)", n.raw)
		}
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// ParseSize reads a size as --select does (30K, 2M, 1.5G, 512, 10KB;
// 1024-based) into whole bytes, for other flags that take a size.
func ParseSize(s string) (int64, error) {
	v, err := parseSize(s)
	if err != nil {
		return 0, err
	}
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(v), nil
}

// parseSize reads 30K, 2M, 1.5G, 512, 10KB (1024-based).
func parseSize(s string) (float64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "B")
	mult := 1.0
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult != 1 {
			t = t[:len(t)-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(t, "xXpPeEnN_") {
		return 0, fmt.Errorf("size wants a number with an optional unit K, M or G (1024-based), such as 30K; got %q", s)
	}
	return v * mult, nil
}

// parseAge reads 3d, 12h, 30m, 45s, 2w and combinations such as 1d12h,
// as seconds.
func parseAge(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	bad := fmt.Errorf("age wants a number and a unit s, m, h, d or w, such as 3d or 12h; got %q", s)
	if t == "" {
		return 0, bad
	}
	total := 0.0
	for t != "" {
		i := 0
		for i < len(t) && ('0' <= t[i] && t[i] <= '9' || t[i] == '.') {
			i++
		}
		if i == 0 || i == len(t) {
			return 0, bad
		}
		v, err := strconv.ParseFloat(t[:i], 64)
		if err != nil {
			return 0, bad
		}
		var unit float64
		switch t[i] {
		case 's':
			unit = 1
		case 'm':
			unit = 60
		case 'h':
			unit = 3600
		case 'd':
			unit = 86400
		case 'w':
			unit = 7 * 86400
		default:
			return 0, bad
		}
		total += v * unit
		t = t[i+1:]
	}
	if math.IsInf(total, 0) {
		return 0, bad
	}
	return total, nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseTime reads RFC 3339 or a date with an optional time; a time
// without a zone is UTC.
func parseTime(s string) (time.Time, error) {
	t := strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if v, err := time.Parse(l, t); err == nil {
			return v, nil
		}
	}
	return time.Time{}, fmt.Errorf("time wants 2006-01-02, 2006-01-02T15:04 or RFC 3339; got %q", s)
}
