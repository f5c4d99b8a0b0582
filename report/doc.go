// Package report renders imsforensic's results (messages, suspects,
// conclusions, events, replay records and summaries, simulation timelines,
// bisect culprits) as a table for people, JSON Lines (the canonical form,
// DESIGN.md section 3), CSV, and a self-contained HTML report. It is the
// only package that renders: commands hand it model types and it prints
// them; it is the only importer of tablewriter and html/template. Its
// tables (table.go) wrap to the terminal's width (120 columns otherwise,
// none with --wide) without cutting a reason: the width policy is ours,
// tablewriter draws the wrapped cells (each shape of row once, the rows
// filled into its drawing: 200,000 rows drawn one by one cost 40 s). The HTML
// view models (TriageHTML, SimulationHTML) are laid out here from values
// computed before: the replay plan it shows is replay.Preview's, never a
// rule of its own. Renderers only read the model types; they compute
// nothing that a renderer of another format would need. Output order is
// the order the caller gives, which is always one of model's total orders.
package report
