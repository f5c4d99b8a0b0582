// Package model holds the types that flow through imsforensic: the parsed
// Message with its Findings, the evidence Event, the triage Suspect and the
// replay Record. It is the protocol package of the tool: every renderer reads
// only these types, and their JSON encoding (snake_case keys, a "type"
// discriminator and SchemaVersion) is the contract of DESIGN.md section 3.
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
