// Package triage joins the parsed messages, their rule findings and the
// evidence events of an incident into ranked suspects, each with the
// reasons behind its rank, and into conclusions about the incident as a
// whole (DESIGN.md sections 3 and 5).
//
// It follows reference/ims-kb.md sections 2.1, 2.5 to 2.7, 3 and 4 and the
// two evidence sections of reference/poison-rules.md:
//
//   - An event that names a spool file (MSExchangeIMC 4117, 4182, 4115,
//     4081, the data of 4120 / 4131 / 4132, MSExchangeIS 12004 / 12006 /
//     12007) makes that file a prime suspect, whether or not a rule fires
//     on it (Q192186, Q293288, Q190084, Q272672).
//   - Crash events (4116, 4102, 4182, 3039, Dr. Watson 4097 and
//     Drwtsn32.log entries of store.exe or msexcimc.exe) raise the messages
//     written shortly before them; the faulting function raises the
//     messages that carry the rules it is known to crash on (functions.go);
//     the direction of the crash (IN or OUT) raises the messages of that
//     queue.
//   - The non-content patterns (4018 + 4116 at start, 4094 / 4023, 3018,
//     an outbound 4116 0x8007000E with no oversize OUT file) become
//     conclusions; they never accuse a file.
//
// Rank is a pure function of its inputs: the same messages and events give
// the same suspects in the same order (score descending, then path), so
// golden files and reports are stable. docs/triage.md explains the weights
// and verdict thresholds to users.
package triage
