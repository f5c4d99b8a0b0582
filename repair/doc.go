// Package repair writes minimal, re-checked fixes of poison messages, so the
// mail behind a crash- or stall-class finding is delivered instead of
// deleted (the KB's answer, Q197792).
//
// Bytes takes one file's bytes (File and Preview a file's path) and returns the repaired copy and the list of
// byte edits that made it. Each rule with a known safe repair has a fixer
// (fix_*.go) that computes the smallest change removing its trigger; what
// each fixer does, or why a rule has none, is the rule's repair text
// (rules.RepairDoc, generated into the README). The loop is:
//
//	parse -> rules.Check -> fix the first crash/stall rule -> parse again ...
//
// until no crash- or stall-class finding with a fixer is left. A fix that
// does not lower its rule's findings is undone and the rule reported with
// "the repair did not remove the trigger". The copy is parsed and checked
// with the same rules.Config at the end: if any crash-class finding is
// left, no copy is written and the file is "not repairable", each remaining
// finding with its reason.
//
// Promises:
//   - The bytes before the RFC 822 part (an IMS spool envelope, ImCr..EwLs,
//     or X-Sender lines) are never edited: a spool file stays a spool file
//     with the same envelope bytes (KB Q197792, ims-kb.md 1.5: the layout
//     is undocumented, so nothing in it can be safely rewritten).
//   - Every edit is listed (rule, part, offset, before, after); replaying
//     the list over the original gives the copy byte for byte.
//   - File writes each copy through internal/atomicfile under the output
//     folder with the input's file name, after the one output guard
//     (package guard): never over an input, never inside an input folder
//     or the queue folder a message came from (DESIGN.md section 4).
//
// Memory is bounded whatever the input (issue 16: a poison message is
// often a huge attachment): a file up to 4 MiB is repaired in memory; a
// bigger one is read through a 64 KiB window of the file (type text), each
// fix streams the new version into a temporary file next to the copy
// (unnamed where Linux has O_TMPFILE, so an interrupt or SIGKILL leaves
// nothing; else atomicfile's ".imsf-" temporaries, removed on every way
// out), and every check parses that version as a stream. Fixers read the
// bytes through the text's methods only, so both paths give the same copy
// and changes byte for byte (TestStreamMatchesMemory). An mbox is repaired
// one message at a time, its copy written from the first repaired message
// on. What a record lists (a change's before and after) is held as ever.
//
// Why a package of its own, next to rules and not inside replay: a repair is
// a policy over parsed messages (what to change for each rule), as triage is
// a policy over findings; replay only copies bytes. A repaired copy is then
// replayed like any message, and the replay journal records its hashes.
//
// RFCs followed where a fix writes new bytes: RFC 2045/2046 (MIME headers,
// boundaries, base64 padding), RFC 2047 (encoded words for 8-bit header
// text), RFC 5322 (field syntax, line ends).
package repair
