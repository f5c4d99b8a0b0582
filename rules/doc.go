// Package rules is the poison-message catalogue of imsforensic
// (reference/poison-rules.md): small stateless functions over a parsed
// model.Message, each returning findings with the evidence bytes, their
// file offset and MIME part path, and the KB articles behind the rule.
//
// Rules never re-read the file: they read the facts parse recorded
// (header fields with offsets, the byte scan, per-part body scans, the
// excerpts parse kept at each offset of interest). Every threshold is in
// Config, named after the registry value where the KB names one
// (LimitNestingLevels, Max Recipients on Submit), and can be overridden by
// a rules file or flags.
//
// The registry is an explicit slice (Registry), not init() side effects;
// Check runs every enabled rule and returns findings in the one order of
// model.SortFindings, so output is the same whatever the concurrency.
package rules
