package report

import (
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// newTable returns a tablewriter table with every formatting choice made
// explicitly (tablewriter v1 title-cases headers and wraps cells by
// default), so golden files stay stable across versions.
func newTable(w io.Writer, header ...string) *tablewriter.Table {
	cfg := tablewriter.NewConfigBuilder().
		WithHeaderAutoFormat(tw.Off).
		WithHeaderAlignment(tw.AlignLeft).
		WithRowAutoWrap(tw.WrapNone).
		WithHeaderAutoWrap(tw.WrapNone).
		WithRowAlignment(tw.AlignLeft).
		Build()
	t := tablewriter.NewTable(w,
		tablewriter.WithConfig(cfg),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Symbols: tw.NewSymbols(tw.StyleASCII),
		})),
	)
	t.Header(toAny(header)...)
	return t
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
