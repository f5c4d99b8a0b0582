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
// fsynced JSON Lines journal of model.ReplayRecord (STYLE.md item 13):
//
//	plan   one line per message: plan/skip/hold/refuse, with the reason
//	begin  before a write or send: the intent (Result "begin"), with Dest
//	done   after it: the target's record (Result ok, failed, skipped, refused)
//
// Running again with the same journal resumes: a message with a done-ok
// record is skipped ("already written"); a message with a begin and no done
// is checked at its destination by folder targets (complete and identical:
// recorded done; absent: written again; leftover temporary files of this
// tool: removed). Lines torn by a crash are moved to "<journal>.broken",
// never deleted.
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
