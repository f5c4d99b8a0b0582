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
