// Package report renders imsforensic's results (messages, suspects,
// conclusions, replay records) as a table for people, JSON Lines (the
// canonical form, DESIGN.md section 3), CSV, and a self-contained HTML
// report. Renderers only read the model types; they compute nothing that a
// renderer of another format would need. Output order is the order the
// caller gives, which is always one of model's total orders.
package report
