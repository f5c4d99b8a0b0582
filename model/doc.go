// Package model holds the types that flow through imsforensic: the parsed
// Message with its Findings, the evidence Event, the triage Suspect and
// Conclusion, the ReplayRecord of replay and its journal, the SimStep and
// Simulation of simulate, the BisectStep, Culprit and BisectSummary of
// bisect, the SinkMessage and SinkPoison the sink stores. Every record the
// tool prints or journals is one of these types.
// It is the protocol package of the tool: every renderer (package report)
// reads only these types, and their JSON encoding (snake_case keys, a
// "type" discriminator from RecordType and SchemaVersion) is the contract of
// DESIGN.md section 3.
//
// The words of the contract are typed constants here, so a misspelt one
// does not compile: RecordType, ReplayAction, ReplayResult, SMTPPhase,
// ReplayOutcome, Verdict, SimAction, SimRun and BisectPhase. Values a
// renderer shows are computed once, before any renderer: the decoded
// subject (Message.SubjectDecoded) is parse's, not the table's.
//
// The package is a leaf: it imports nothing from imsforensic, so parse,
// rules, evidence, triage, replay, smtpsink and report can all depend on it
// without depending on each other.
//
// Ordering is part of the contract: SortMessages and SortFindings here, and
// triage.SortSuspects for suspects, define the one total order used before
// any output, so golden files are stable whatever the number of workers.
package model

// SchemaVersion is the version of every JSON Lines record the tool writes.
// Consumers must ignore unknown keys; a change that removes or renames a key
// bumps this number.
const SchemaVersion = 1
