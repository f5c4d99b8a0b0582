package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestTableWrapsWithoutCutting: a row wider than the table width wraps
// within it, at spaces or after a '-', keeps every word, and stays on one
// line with no limit (--wide).
func TestTableWrapsWithoutCutting(t *testing.T) {
	reason := "time: 41s before the crash at 2001-03-14 18:01:52 UTC; rule: content-type-invalid-chars (crash, Q304024); direction: queue IN matches the IN crash"
	render := func(width int) string {
		defer SetTableWidth(DefaultTableWidth)
		SetTableWidth(width)
		var b bytes.Buffer
		tb := newTable(&b, "RANK", "NAME", "REASONS")
		tb.Append("1", "ZYN2NP5Y", reason)
		tb.Append("2", "averyveryverylongfilenamewithoutanyspaceatallinit-and-a-dash", "short")
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, width := range []int{60, 80, 120} {
		out := render(width)
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if w := len([]rune(l)); w > width {
				t.Errorf("width %d: line of %d:\n%s", width, w, out)
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(out), " "), reason) {
			t.Errorf("width %d: the reason was cut or reordered:\n%s", width, out)
		}
		if strings.Contains(out, "…") {
			t.Errorf("width %d: an ellipsis:\n%s", width, out)
		}
	}
	if out := render(60); !strings.Contains(out, "init-\n") {
		t.Errorf("a long word is not broken after a dash:\n%s", out)
	}
	if out := render(0); strings.Count(out, "\n") != 3 {
		t.Errorf("no limit: want one line per row:\n%s", out)
	}
}

// TestTableInChunksIsOneTable: a table drawn renderChunk rows at a time
// is byte for byte the table drawn in one piece, wrapped cells across a
// chunk's edge included.
func TestTableInChunksIsOneTable(t *testing.T) {
	draw := func(chunk int) string {
		defer func(n int) { renderChunk = n }(renderChunk)
		renderChunk = chunk
		var b strings.Builder
		tb := newTable(&b, "N", "WHAT", "DETAIL")
		for i := range 2500 {
			detail := "short"
			if i%7 == 0 {
				detail = strings.Repeat("a long reason that wraps ", 6)
			}
			if err := tb.Append(fmt.Sprint(i), "row", detail); err != nil {
				t.Fatal(err)
			}
		}
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	whole, chunked := draw(1<<30), draw(999)
	if whole != chunked {
		t.Fatalf("chunked table differs from the whole (%d and %d bytes)", len(chunked), len(whole))
	}
	if n := strings.Count(whole, "\n"); n < 2500+1 {
		t.Fatalf("%d lines", n)
	}
}

// TestTableTemplatesDrawWhatTablewriterDraws is the differential test of
// the row templates: random tables (wrapped cells, blank cells, wide,
// combining and ambiguous characters, raw escapes, controls, invalid UTF-8
// and tabs, characters of every kind of Unicode range, words too long for
// their column, every table width) drawn from templates are byte
// for byte the tables tablewriter draws chunk by chunk, as every table
// was drawn before the templates; and most rows did come from a template.
func TestTableTemplatesDrawWhatTablewriterDraws(t *testing.T) {
	words := []string{"a", "queue", "IN", "ZYN2NP5Y", "content-type-invalid-chars", "2001-03-14", "18:01:52",
		"jane@example.net", `D:\exchsrvr\imcdata\in\p4kq7m2a`, "(crash,", "Q304024);", "", "",
		"漢字", "Grüße", "e\u0301", "±§", "😀", "\x1b[31mred\x1b[0m", "tab\there", "zero\u200bwidth",
		"averyveryverylongfilenamewithoutanyspaceatallinit-and-a-dash", "line\nbreak", "\n",
		"cr\rhere", "nul\x00", "soft\u00adhyphen", "\ufeffbom", "\u0301", "   ", "del\x7f", "ｆｕｌｌ", "\xff\xfe", "\u2028sep"}
	rnd := uint64(1)
	next := func(n int) int { // a fixed xorshift: the same tables on every run
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int(rnd % uint64(n))
	}
	draw := func(byTemplate bool, width int, header []string, rows [][]string) string {
		defer func(b bool, n int) { drawByTemplate, renderChunk = b, n }(drawByTemplate, renderChunk)
		defer SetTableWidth(DefaultTableWidth)
		drawByTemplate, renderChunk = byTemplate, 7
		SetTableWidth(width)
		var b strings.Builder
		tb := newTable(&b, header...).yieldFirst(1)
		for _, r := range rows {
			tb.Append(r)
		}
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	before := rowsByTemplate.Load()
	total := 0
	for n := range 100 {
		cols := 1 + next(9)
		header := make([]string, cols)
		for i := range header {
			header[i] = []string{"N", "TIME", "FILE", "REASONS", "SOURCE", "ID"}[next(6)]
		}
		rows := make([][]string, next(30))
		for j := range rows {
			rows[j] = make([]string, cols)
			for i := range rows[j] {
				var cell []string
				for range next(12) {
					// Mostly plain words: a chunk with one character
					// the width tables disagree on is drawn whole by
					// tablewriter, and the templates must be used too.
					w := words[next(13)]
					if next(150) == 0 {
						w = words[next(len(words))]
					}
					cell = append(cell, w)
				}
				rows[j][i] = strings.Join(cell, " ")
			}
		}
		total += len(rows)
		width := []int{0, 20, 40, 80, 120}[n%5]
		want, got := draw(false, width, header, rows), draw(true, width, header, rows)
		if got != want {
			t.Fatalf("table %d (width %d) drawn from templates differs:\n%s\ntablewriter drew:\n%s", n, width, got, want)
		}
	}
	// Characters from every kind of Unicode range (controls, combining
	// marks, right-to-left, Hangul jamo, CJK, variation selectors, the
	// BOM, full-width forms, emoji, tags, lone surrogates written as
	// U+FFFD), a few to a cell among plain words.
	ranges := [][2]int{{0x20, 0x7e}, {0x0, 0x1f}, {0x80, 0x2ff}, {0x300, 0x36f}, {0x590, 0x6ff}, {0x1100, 0x11ff}, {0x2000, 0x206f},
		{0x2e80, 0x9fff}, {0xfe00, 0xfe0f}, {0xfeff, 0xfeff}, {0xff00, 0xffef}, {0x1f300, 0x1faff}, {0xe0000, 0xe007f}, {0xd800, 0xdfff}}
	for n := range 60 {
		rows := make([][]string, 30)
		for j := range rows {
			var b strings.Builder
			if next(3) == 0 {
				for range 1 + next(4) {
					rg := ranges[next(len(ranges))]
					b.WriteRune(rune(rg[0] + next(rg[1]-rg[0]+1)))
				}
			}
			rows[j] = []string{fmt.Sprint(j), words[next(13)] + b.String(), words[next(13)]}
		}
		total += len(rows)
		width := []int{0, 12, 40}[n%3]
		header := []string{"N", "WHAT", "DETAIL"}
		want, got := draw(false, width, header, rows), draw(true, width, header, rows)
		if got != want {
			t.Fatalf("table of odd characters %d (width %d) drawn from templates differs:\n%q\ntablewriter drew:\n%q", n, width, got, want)
		}
	}
	used := rowsByTemplate.Load() - before
	if used < int64(total)/2 || used == int64(total) {
		t.Errorf("%d of %d rows drawn from templates: both ways must be compared", used, total)
	}
	t.Logf("%d of %d rows drawn from templates", used, total)
}
