package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
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
func (t *table) Render() error {
	widths := t.columnWidths(int(tableWidth.Load()))
	header := make([]string, len(widths))
	for i := range widths {
		header[i] = padLines(t.header[i], widths[i])
	}
	// Drawn renderChunk rows at a time, each chunk by its own tablewriter
	// table: every cell arrives padded to its column's width and there
	// are no borders, so the chunks end to end are the one table. One
	// table of 200,000 rows took four times as long per row as one of
	// 20,000 (tablewriter holds every row in several forms).
	for start := 0; start == 0 || start < len(t.rows); start += renderChunk {
		rows := t.rows[start:min(start+renderChunk, len(t.rows))]
		var head []string
		if start == 0 {
			head = header
		}
		if err := t.renderRows(head, rows, widths); err != nil {
			return err
		}
	}
	return nil
}

// renderChunk is how many rows one tablewriter table draws (a variable
// for the test that draws the same table in one piece).
var renderChunk = 1000

// renderRows draws the header (when given) and rows, each cell wrapped
// and padded to its column's width, and writes them trimmed of trailing
// blanks.
func (t *table) renderRows(header []string, rows [][]string, widths []int) error {
	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
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
		cells := make([]string, len(widths))
		for i := range widths {
			c := ""
			if i < len(r) {
				c = r[i]
			}
			cells[i] = padLines(wrapText(c, widths[i]), widths[i])
		}
		if err := tbl.Append(cells); err != nil {
			return fmt.Errorf("table: %w", err)
		}
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	// The last column's padding is trailing blanks: trimmed so a golden
	// file or a pasted table carries none.
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, out.String())
	return err
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
