// Package replay puts selected messages back: into an Imcdata folder
// (imcdata:DIR), the IMS 5.5 Pickup folder (pickup:DIR), an Exchange
// 2007+ Replay folder (replay-dir:DIR) or an SMTP server (smtp://), keeping
// the safety promise of DESIGN.md section 4.
//
// The engine (Run, Undo) is the same for every target: it plans every
// message first (target.Plan, plus the hold-back of crash-class suspects:
// HoldBack, the one copy of that rule; Preview shows the plan it makes
// without a target, for reports),
// then delivers the planned ones, recording each step in an append-only,
// fsynced JSON Lines journal of model.ReplayRecord (STYLE.md item 13).
// RunEach takes the messages as a stream (the command's parallel scan):
// into SMTP, whose Plan looks at nothing but the message, each message is
// planned as it comes and sent with the next batch while later files are
// still being read, with the decisions the whole list would get (each
// message is decided alone); folder targets, whose plan looks at what the
// folder holds, and dry runs collect the stream and plan the sorted list.
// The journal's lines:
//
//	plan   one line per message: plan/skip/hold/refuse, with the reason
//	begin  before a write or send: the intent (Result "begin"), with Dest
//	done   after it: the target's record (Result ok, failed, skipped, refused)
//
// A journal starts with a model.JournalHeader (target, sources, version,
// and the addresses an smtp:// target's host resolved to); one of another
// target is refused (ErrJournalTarget). Entries key on the
// source path and its sha256 (entryKey), so a file changed at the same
// path is planned again under the collision rules. By default the journal
// lives in the per-user state folder (StateDir, DefaultJournalPath), named
// from the target and the sources (an SMTP target by its host normalised,
// or on the loopback by its port alone, whether written localhost,
// 127.0.0.1 or [::1]). An SMTP target is identified by the addresses its
// host resolves to, once per run (smtp_identity.go; SMTPOptions.Resolver,
// at most 2 s, a host that does not resolve known by its name): a new
// default journal for a server that a journal of the same sources reached
// under another name is refused (ErrOtherSpelling) unless
// Options.SendAgain. An SMTP server cannot tell a duplicate, so before an
// smtp:// run plans, it reads the other journals that reached the same
// server, whatever their sources (crossjournal.go: the state folder's
// default journals and those beside a journal given elsewhere, each
// file's first line first, a journal of this server then once, line by
// line, never repaired; what is kept is 32 bytes per message): a message
// whose source sha256 one of them delivered is skipped ("already
// delivered to this server, journal FILE"), one it left in doubt is
// refused as the run's own in-doubt messages are, or resent with
// SMTPOptions.ResendInDoubt; the run's own journal and the run itself
// count too (a file of the same content as one sent under another path
// is skipped); Options.SendAgain sends them anyway. They
// are read under the server's locks, so a run that waited for another
// sees all it sent. A run holds exclusive locks (internal/lock) for its
// whole length: its target's (a folder target's is keyed on its temporary
// folder, links resolved; an SMTP target's, one per address and port, the
// loopback's on its port) and its journal's; a second run names the
// holder and fails (lock.ErrLocked), or waits with Options.Wait. Torn
// lines are recovered only under the journal's lock. A journal removed,
// replaced or truncated under a running replay stops it (ErrJournalLost).
// Outputs among the evidence are refused (package guard, safety.go).
//
// Running again with the same journal resumes: a message with a done-ok
// record is skipped ("already written"); a message with a begin and no done
// is checked at its destination by folder targets (complete and identical:
// recorded done; absent: written again; leftover temporary files of this
// tool: removed). Lines torn by a crash are moved to "<journal>.broken",
// never deleted.
//
// The SMTP target delivers in batches (batch.go): the begin records of up
// to 32 messages are written together and made durable by one fsync (with
// the plan lines before them), the batch is sent on one connection with
// PIPELINING (RFC 2920) when offered (package smtpclient owns the wire),
// and its done records are written at once and made durable by the fsync
// of the sender's next batch's begin records (one fsync for both) or, when
// no batch waits, by their own; they are reported once durable. Each
// sender (one per --concurrency) journals its own batches; senders that
// sync at the same moment share one fsync (atomicfile's group commit). The
// in-doubt window is one batch per sender (the one being sent, or the last
// one sent until that fsync): a kill between the two fsyncs leaves up to 32
// messages per sender (32 x --concurrency in all) begun and not done,
// which a rerun refuses ("outcome
// unknown") unless --resend-in-doubt, which resends them with the same
// ENVID: exactly once into a server that deduplicates on ENVID and sha256
// (the imsforensic sink), possibly twice into any other.
//
// Folder targets write each file under a temporary name in a sibling
// folder ".imsforensic-tmp" on the same volume, fsync it, rename it into
// place without replacing anything (internal/atomicfile), then fsync the
// folder: a crash at any instant leaves either no file or the whole file,
// and the IMS, its Pickup or the Exchange Replay poller never sees a
// partial one. KB references: Q197792 and Q230250 (moving files back to
// IN/OUT), Q312443 (Queue.dat renamed to Queue.old), Q201314 and Q221384
// (Pickup, X-Sender/X-Receiver, lone dots), and the Exchange 2007+ Replay
// directory format (ims-kb.md 6.2).
package replay
