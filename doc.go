// Package imsforensic is the root of the imsforensic module: mail-queue
// forensics and replay for the Exchange Internet Mail Service (KB Q197792).
// It holds no code; this comment is the map.
//
//	model            the types every package shares: Message, Finding, Event, Suspect, ReplayRecord
//	parse            bytes of one file in, Message out; one streaming pass, bounded memory
//	parse/sniff      streaming content analysers: base64, QP, TNEF, RTF, HTML href, DBCS, RFC 2047
//	rules            the poison catalogue (reference/poison-rules.md) over parsed Messages
//	inventory        walks TempIMS/Imcdata folders, parses and checks files on all cores
//	evidence         event logs (.evt, .evtx, CSV, text, dumpel), Dr. Watson, protocol and tracking logs
//	triage           joins messages, findings and evidence into ranked suspects and conclusions
//	replay           plans, journal, resume and undo; imcdata:, pickup:, replay-dir:, smtp:// targets
//	replay/selection the --select expression language (what replay, scan, triage and bisect select)
//	replay/simulate  offline replay through an emulated IMS
//	replay/bisect    finds the poison by replaying halves against a target
//	replay/smtpclient the smtp:// target's wire: TLS, AUTH, pipelined transactions
//	smtpsink         the local SMTP sink: storage, lint, faults, IMS emulation
//	corpus           deterministic generator of quarantined queues with ground truth and evidence
//	repair           minimal, re-checked fixes of poison messages (one fixer per rule), written as copies
//	redact           same-length, keyed placeholders for every word of a message; the structure and findings kept
//	report           table, JSON Lines, CSV and HTML renderers
//	guard            the one check that no output lies among the inputs (DESIGN.md section 4, item 1)
//	internal/atomicfile  durable writes: temp file, fsync, rename, directory fsync, group commit
//	internal/readonly    how every input is opened: regular files only, no blocking, no atime update
//	internal/outside     refuses an output inside an input folder (stop-gap until #14's guard)
//	cmd/imsforensic  one file per command; flags, wiring, exit codes
package imsforensic
