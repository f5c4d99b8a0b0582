package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// DefaultTableWidth is the width tables are wrapped to when the output is
// not a terminal (a file, a pipe, a golden file): wide enough for the
// reasons of a triage row on two or three lines, narrow enough to read
// in a mail or a ticket.
const DefaultTableWidth = 120

// tableWidth is the width in columns every table is wrapped to; 0 means
// no limit (--wide). Set once by the command line (SetTableWidth).
var tableWidth atomic.Int64

func init() { tableWidth.Store(DefaultTableWidth) }

// SetTableWidth sets the width tables wrap to: the terminal's width on a
// terminal, DefaultTableWidth otherwise, 0 for no limit.
func SetTableWidth(n int) { tableWidth.Store(int64(max(n, 0))) }

// table collects rows and renders them once every cell is known, so
// that it can choose the column widths: when the natural widths do not
// fit the table width, the widest columns are narrowed (never below their
// header) and their cells wrapped at spaces, a word longer than the
// column broken after a '-', '.', '@' or '/' where it can. Nothing is cut: a reason or a time is
// always shown whole, on more lines.
type table struct {
	w      io.Writer
	header []string
	rows   [][]string
	// giveWay are the columns narrowed first, down to giveWayFloor,
	// before every column shares the cut: message data (an address, a
	// subject) wraps before the findings do.
	giveWay []int
}

// giveWayFloor is how narrow a give-way column gets before the others
// are narrowed too.
const giveWayFloor = 16

// yieldFirst marks columns that are narrowed before the others.
func (t *table) yieldFirst(cols ...int) *table {
	t.giveWay = append(t.giveWay, cols...)
	return t
}

// newTable returns a table for w with these column headers.
func newTable(w io.Writer, header ...string) *table {
	return &table{w: w, header: header}
}

// Append adds one row, one cell per header: a []string or the cells.
func (t *table) Append(cells ...any) error {
	if len(cells) == 1 {
		if row, ok := cells[0].([]string); ok {
			t.rows = append(t.rows, row)
			return nil
		}
	}
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	t.rows = append(t.rows, row)
	return nil
}

// Render prints the table, wrapped to the table width: the header, then
// the rows, columns two spaces apart and no borders, as kubectl or docker
// print one (borders would cost a 9-column scan table 12 columns of the
// 120). A wrapped cell goes on under itself; the other cells of its row
// are blank there, so rows are still told apart by their first column.
//
// The width policy (which column gives way, where a cell wraps) is ours,
// decided before drawing; tablewriter draws the pre-wrapped cells with
// every formatting choice made explicitly (v1 title-cases headers and
// wraps by default), so golden files stay stable across its versions.
// It draws the header and each shape of row once (drawer); the rows of a
// shape are that drawing filled in.
func (t *table) Render() error {
	widths := t.columnWidths(int(tableWidth.Load()))
	header := make([]string, len(widths))
	for i := range widths {
		header[i] = padLines(t.header[i], widths[i])
	}
	out := bufio.NewWriterSize(t.w, 64<<10)
	d := &drawer{widths: widths, out: out, templates: map[string]*rowTemplate{}}
	// Drawn renderChunk rows at a time: every cell arrives padded to its
	// column's width and there are no borders, so the chunks end to end
	// are the one table. One tablewriter table of 200,000 rows took four
	// times as long per row as one of 20,000 (it holds every row in
	// several forms), and the rows wait here only as long as their chunk.
	for start := 0; start == 0 || start < len(t.rows); start += renderChunk {
		rows := t.rows[start:min(start+renderChunk, len(t.rows))]
		cells := make([][]string, len(rows))
		for j, r := range rows {
			cells[j] = make([]string, len(widths))
			for i := range widths {
				c := ""
				if i < len(r) {
					c = r[i]
				}
				cells[j][i] = padLines(wrapText(c, widths[i]), widths[i])
			}
		}
		var head []string
		if start == 0 {
			head = header
		}
		if err := d.chunk(head, cells); err != nil {
			return fmt.Errorf("table: %w", err)
		}
	}
	return out.Flush()
}

// renderChunk is how many rows one tablewriter table draws (a variable
// for the test that draws the same table in one piece).
var renderChunk = 1000

// rowsByTemplate counts the rows drawn from a template, for the tests
// that must know the templates were used.
var rowsByTemplate atomic.Int64

// drawByTemplate lets rows be drawn from their shape's template (false
// in the test that compares the two ways).
var drawByTemplate = true

// drawer writes the chunks of one table. tablewriter lays the table out,
// but drawing every row through it cost about 100 µs a row, nine tenths
// of the CPU of a 200,000-event timeline. Once the cells are padded to
// their column's width, the layout of a row depends only on its shape
// (how many lines each cell has) and the widths: so tablewriter draws
// each shape once, with a placeholder in every cell line (rowTemplate),
// and the rows of that shape are its drawing with their lines put in the
// placeholders' places. A chunk where tablewriter would measure a line
// otherwise than the column's width (a character the two width tables
// disagree on, a word too long to break) is drawn by tablewriter whole,
// as every chunk was before (TestTableTemplatesDrawWhatTablewriterDraws).
type drawer struct {
	widths    []int
	out       *bufio.Writer
	templates map[string]*rowTemplate
	key, row  []byte
	lines     [][]string
}

// chunk writes header (when given) and rows, each cell already wrapped
// and padded to its column's width.
func (d *drawer) chunk(header []string, rows [][]string) error {
	if !drawByTemplate || !d.fits(header) {
		return d.tablewriter(header, rows)
	}
	for _, r := range rows {
		if !d.fits(r) {
			return d.tablewriter(header, rows)
		}
	}
	if header != nil {
		if err := d.tablewriter(header, nil); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if err := d.draw(r); err != nil {
			return err
		}
	}
	return nil
}

// fits reports whether every line of every cell is exactly its column's
// width to us and to tablewriter: then tablewriter's column widths are
// ours, whatever the rest of the chunk holds, and it writes the line as
// it is.
func (d *drawer) fits(cells []string) bool {
	for i, c := range cells {
		for line := range strings.SplitSeq(c, "\n") {
			if !printableASCII(line) {
				// tablewriter writes invalid UTF-8 as U+FFFD, and reads
				// an escape as the start of an ANSI sequence.
				if !utf8.ValidString(line) || strings.IndexByte(line, 0x1b) >= 0 || runewidth.StringWidth(line) != d.widths[i] || twwidth.Width(line) != d.widths[i] {
					return false
				}
			} else if len(line) != d.widths[i] {
				return false
			}
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// draw writes one row from its shape's template, or through tablewriter
// when the shape has none.
func (d *drawer) draw(cells []string) error {
	d.key = d.key[:0]
	d.lines = d.lines[:0]
	for _, c := range cells {
		ls := strings.Split(c, "\n")
		d.lines = append(d.lines, ls)
		d.key = strconv.AppendInt(d.key, int64(len(ls)), 10)
		d.key = append(d.key, ',')
	}
	tpl, ok := d.templates[string(d.key)]
	if !ok {
		var err error
		if tpl, err = newRowTemplate(d.widths, d.lines); err != nil {
			return err
		}
		d.templates[string(d.key)] = tpl
	}
	if tpl == nil {
		return d.tablewriter(nil, [][]string{cells})
	}
	rowsByTemplate.Add(1)
	d.row = d.row[:0]
	for _, s := range tpl.segs {
		if s.col < 0 {
			d.row = append(d.row, s.lit...)
		} else {
			d.row = append(d.row, d.lines[s.col][s.line]...)
		}
	}
	return writeTrimmed(d.out, d.row)
}

// tablewriter draws header (when given) and rows with tablewriter, as one
// table.
func (d *drawer) tablewriter(header []string, rows [][]string) error {
	var buf bytes.Buffer
	if err := drawTable(&buf, header, rows); err != nil {
		return err
	}
	return writeTrimmed(d.out, buf.Bytes())
}

// drawTable is tablewriter's drawing of the padded cells: borderless,
// every formatting choice explicit.
func drawTable(w io.Writer, header []string, rows [][]string) error {
	tbl := tablewriter.NewTable(w,
		tablewriter.WithConfig(borderlessConfig()),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Lines:      tw.LinesNone,
				Separators: tw.SeparatorsNone,
			},
		})),
	)
	if header != nil {
		tbl.Header(toAny(header)...)
	}
	for _, r := range rows {
		if err := tbl.Append(r); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// writeTrimmed writes each line of b without its trailing blanks (the
// last column's padding), so a golden file or a pasted table carries
// none.
func writeTrimmed(w *bufio.Writer, b []byte) error {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		w.Write(bytes.TrimRight(line, " \n"))
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

// rowTemplate is tablewriter's drawing of a row of one shape: the text
// between the cells' lines (gaps, blank lines under a shorter cell) and,
// in order, which cell line goes where.
type rowTemplate struct {
	segs []templateSeg
}

// templateSeg is literal text (col < 0) or line `line` of cell `col`.
type templateSeg struct {
	lit       string
	col, line int
}

// placeholders are the characters a template's cell lines are drawn
// with, one per line of the row: printable, not a blank, one column wide
// to every width table.
const placeholders = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~"

// newRowTemplate draws a row shaped as lines with tablewriter, every line
// of cell i a run of one placeholder as wide as widths[i], and finds each
// run in the drawing. It returns nil (draw such rows with tablewriter)
// when the shape has more lines than placeholders, a column is empty, or
// the drawing is not made of the runs, whole and once each, and blanks.
func newRowTemplate(widths []int, lines [][]string) (*rowTemplate, error) {
	type ref struct{ col, line int }
	var refs []ref
	cells := make([]string, len(widths))
	for i, ls := range lines {
		if widths[i] == 0 {
			return nil, nil
		}
		runs := make([]string, len(ls))
		for l := range ls {
			if len(refs) == len(placeholders) {
				return nil, nil
			}
			runs[l] = strings.Repeat(placeholders[len(refs):len(refs)+1], widths[i])
			refs = append(refs, ref{i, l})
		}
		cells[i] = strings.Join(runs, "\n")
	}
	var buf bytes.Buffer
	if err := drawTable(&buf, nil, [][]string{cells}); err != nil {
		return nil, err
	}
	drawn := buf.String()
	if !strings.HasSuffix(drawn, "\n") {
		return nil, nil
	}
	tpl := &rowTemplate{}
	seen := make([]bool, len(refs))
	lit := 0
	for i := 0; i < len(drawn); {
		p := strings.IndexByte(placeholders, drawn[i])
		if p < 0 {
			if drawn[i] != ' ' && drawn[i] != '\n' {
				return nil, nil
			}
			i++
			continue
		}
		r := refs[p]
		end := i + widths[r.col]
		if seen[p] || end > len(drawn) || drawn[i:end] != strings.Repeat(drawn[i:i+1], widths[r.col]) ||
			end < len(drawn) && drawn[end] == drawn[i] {
			return nil, nil
		}
		seen[p] = true
		if lit < i {
			tpl.segs = append(tpl.segs, templateSeg{lit: drawn[lit:i], col: -1})
		}
		tpl.segs = append(tpl.segs, templateSeg{col: r.col, line: r.line})
		i, lit = end, end
	}
	for _, s := range seen {
		if !s {
			return nil, nil
		}
	}
	if lit < len(drawn) {
		tpl.segs = append(tpl.segs, templateSeg{lit: drawn[lit:], col: -1})
	}
	return tpl, nil
}

// tableGap is the space between two columns.
const tableGap = 2

// padLines pads every line of a wrapped cell to width, so the column is
// exactly as wide as columnWidths chose whatever its cells hold, and
// alignment cannot move a value inside it.
func padLines(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = l + strings.Repeat(" ", max(width-runewidth.StringWidth(l), 0))
	}
	return strings.Join(lines, "\n")
}

// borderlessConfig is tablewriter's configuration for our tables: no
// automatic header formatting or wrapping (the cells arrive wrapped),
// left-aligned, and tableGap blanks after every cell in place of a
// column separator.
func borderlessConfig() tablewriter.Config {
	gap := tw.Padding{Left: "", Right: strings.Repeat(" ", tableGap), Overwrite: true}
	return tablewriter.NewConfigBuilder().
		WithTrimSpace(tw.Off).
		WithHeaderAutoFormat(tw.Off).
		WithHeaderAutoWrap(tw.WrapNone).
		WithRowAutoWrap(tw.WrapNone).
		WithHeaderAlignment(tw.AlignLeft).
		WithRowAlignment(tw.AlignLeft).
		Header().Padding().WithGlobal(gap).Build().Build().
		Row().Padding().WithGlobal(gap).Build().Build().
		Build()
}

// columnWidths returns each column's content width so that the table,
// gaps included, fits limit: the natural
// widths when they fit (or limit is 0), else every column capped at the
// same width c, the largest that fits, but never below its header nor
// below 8 columns.
func (t *table) columnWidths(limit int) []int {
	n := len(t.header)
	natural := make([]int, n)
	floor := make([]int, n)
	for i, h := range t.header {
		natural[i] = runewidth.StringWidth(h)
		floor[i] = max(natural[i], 8)
	}
	for _, r := range t.rows {
		for i := 0; i < n && i < len(r); i++ {
			for _, line := range strings.Split(r[i], "\n") {
				natural[i] = max(natural[i], runewidth.StringWidth(line))
			}
		}
	}
	avail := limit - tableGap*(n-1)
	sum := func(c int) int {
		s := 0
		for i := range natural {
			s += min(natural[i], max(c, floor[i]))
		}
		return s
	}
	if limit <= 0 || sum(1<<30) <= avail {
		return natural
	}
	natural = t.narrowGiveWay(natural, avail)
	if sum(1<<30) <= avail {
		return natural
	}
	top := 0
	for _, w := range natural {
		top = max(top, w)
	}
	// The largest cap that fits; sum is monotonic in c.
	c := sort.Search(top+1, func(c int) bool { return sum(c) > avail }) - 1
	out := make([]int, n)
	for i := range natural {
		out[i] = min(natural[i], max(c, floor[i]))
	}
	return out
}

// narrowGiveWay returns natural with the give-way columns capped at the
// largest common width (not below giveWayFloor) that fits avail, or at
// giveWayFloor when even that does not fit.
func (t *table) narrowGiveWay(natural []int, avail int) []int {
	if len(t.giveWay) == 0 {
		return natural
	}
	out := append([]int(nil), natural...)
	isGW := map[int]bool{}
	for _, i := range t.giveWay {
		isGW[i] = true
	}
	width := func(c int) int {
		s := 0
		for i, w := range natural {
			if isGW[i] {
				w = min(w, max(c, giveWayFloor))
			}
			s += w
		}
		return s
	}
	c := giveWayFloor
	if width(giveWayFloor) <= avail {
		top := 0
		for _, w := range natural {
			top = max(top, w)
		}
		c = sort.Search(top+1, func(c int) bool { return width(c) > avail }) - 1
	}
	for i := range out {
		if isGW[i] {
			out[i] = min(out[i], max(c, giveWayFloor))
		}
	}
	return out
}

// wrapText wraps s to width columns: at spaces where it can, a word
// longer than width broken. Existing line breaks are kept.
func wrapText(s string, width int) string {
	if width <= 0 || runewidth.StringWidth(s) <= width && !strings.Contains(s, "\n") {
		return s
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapLine(para, width)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.SplitAfter(s, " ") {
		ww := runewidth.StringWidth(strings.TrimRight(word, " "))
		if curW > 0 && curW+ww > width {
			flush()
		}
		for ww > width { // a word longer than the column: break it
			head := runewidth.Truncate(word, width, "")
			if head == "" {
				break
			}
			// After a '-', '.', '@', '/' or '\\' where there is one, so
			// "header-non-" ends a line, not "header-non-he".
			if i := strings.LastIndexAny(head[:len(head)-1], "-.@/\\,;:="); i >= len(head)/3 {
				head = head[:i+1]
			}
			if curW > 0 {
				flush()
			}
			lines = append(lines, head)
			word = word[len(head):]
			ww = runewidth.StringWidth(strings.TrimRight(word, " "))
		}
		cur.WriteString(word)
		curW += runewidth.StringWidth(word)
	}
	if curW > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
