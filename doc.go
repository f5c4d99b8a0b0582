// Package imsforensic is the root of the imsforensic module: mail-queue
// forensics and replay for the Exchange Internet Mail Service (KB Q197792).
// It holds no code; this comment is the map, and HACKING.md ("Layout")
// says the same with the reasons.
//
// The five packages of the design card (DESIGN.md section 5):
//
//	cmd/imsforensic     one file per command; flags, wiring, exit codes
//	parse               bytes of one file in, Message out; one streaming pass, bounded memory
//	parse/sniff         streaming content analysers: base64, QP, TNEF, RTF, HTML href, DBCS, RFC 2047
//	replay              plans, journal, resume and undo; imcdata:, pickup:, replay-dir:, smtp:// targets
//	replay/selection    the --select expression language (what replay, scan, triage and bisect select)
//	replay/simulate     offline replay through an emulated IMS
//	replay/bisect       finds every poison message against a target, never in more rounds than halving by hand
//	replay/smtpclient   the smtp:// target's wire: TLS, AUTH, pipelined transactions
//	smtpsink            the local SMTP sink: storage, lint, faults, IMS emulation
//	corpus              deterministic generator of quarantined queues with ground truth and evidence
//
// The other top-level packages are the rows of the design's package table
// (rules, evidence, triage, report) and the shared pieces they and other
// programs build on; HACKING.md ("Layout") says why each stays at the top:
//
//	model               the protocol package: every record printed or journaled, typed words of the JSON contract
//	rules               the poison catalogue (reference/poison-rules.md) over parsed Messages
//	inventory           paths in, Messages out: walks TempIMS/Imcdata folders, parse + rules on all cores
//	evidence            event logs (.evt, .evtx, CSV, text, dumpel), Dr. Watson, protocol and tracking logs
//	triage              joins messages, findings and evidence into ranked suspects and conclusions
//	report              the only renderer: table, JSON Lines, CSV and HTML
//	guard               the one "no output inside the evidence" check, for the library's callers too
//	repair              minimal, re-checked fixes of poison messages (one fixer per rule), written as copies
//	redact              same-length, keyed placeholders for every word of a message; structure and findings kept
//
// Not for other programs:
//
//	internal/atomicfile durable writes: temp file, fsync, rename, directory fsync, group commit
//	internal/lock       one exclusive lock per replay target and per journal for a run
//	internal/readonly   opening evidence for a forensic read: regular files, no access-time update
//	internal/outside    how repair and redact write a copy: the guard's check, an atomic write, a rerun accepted
//	internal/kbsample   the rules' KB samples, listed for the tests of repair and redact
//	internal/asciifold  header names lowered and compared without a copy (parse, rules)
//	internal/archive    an archive of files told by its signature (inventory, evidence)
//	internal/sinktest   the sink on 127.0.0.1:0 for other packages' tests
//	internal/testqueue  a small queue folder with culprits, for the tests of bisect and the CLI
//	internal/teststate  a per-user state folder of the tests' own, so no test writes into the user's
//	internal/testpeer   tests with a Unix peer (swaks, Postfix, Python, Chromium) skip on Windows, saying which
//	internal/heapmeter  the peak heap of a piece of work, for the tests of bounded-memory paths
//	internal/stopwait   the wait for a stopped test server: a hang fails at once, with the stacks
//	bench, bench/...    benchmark programs (docs/benchmarks.md), never imported
package imsforensic
