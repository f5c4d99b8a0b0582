// Package smtpsink is the local SMTP sink of imsforensic: a go-smtp server
// (RFC 5321, with the ESMTP parameters of RFC 1652 8BITMIME, RFC 1870 SIZE,
// RFC 3461 DSN and RFC 4954 AUTH= accepted and recorded) that stores every
// message it accepts as evidence, lints it, and can misbehave on purpose.
//
// What it promises (DESIGN.md section 4, item 7; STYLE.md item 14):
//
//   - It never relays. Every recipient is accepted into the store and
//     nothing is ever forwarded.
//   - It listens on 127.0.0.1 by default and refuses a non-loopback address
//     unless Config.AllowNonLoopback is set.
//   - Every limit is explicit (go-smtp defaults several to unlimited): size,
//     recipients, line length, connections, read and write timeouts.
//   - An acknowledged message is never lost: the 250 reply to DATA is sent
//     only after a sync that covers the contents and the names of
//     <id>.eml and <id>.json (internal/atomicfile's group commit with
//     OneSync: on Linux an unnamed O_TMPFILE file linked under its name as
//     soon as it is written whole, then one syncfs per step shared by all
//     sessions; elsewhere fsyncs). No partial file is ever visible under a
//     final name while the sink runs.
//   - Crash contract (store.go): a killed sink leaves nothing of an
//     unacknowledged message but, at worst, one of its two names; a
//     crashed machine may also leave a pair whose contents did not reach
//     the disk (names and contents are made durable by the same sync, not
//     contents first). Neither was acknowledged. The next start checks
//     every pair not covered by the store's checkpoint (the .eml's size
//     and sha256 against its .json, either file alone; the checkpoint
//     covers all but the last steps, so this reads a few messages, not the
//     store) and moves what fails, with temp files, to broken/: logged
//     ("quarantined", with the reason), counted (Stats.Quarantined), never
//     deleted.
//   - File names are chosen by the sink (time and counter), never taken from
//     message content.
//
// QUIRK: the .eml holds the DATA bytes as go-smtp's reader decodes them,
// which is already dot-decoded (RFC 5321 section 4.5.2 transparency undone,
// CRLF kept); go-smtp also removes a leading "." of a line ending in a bare
// LF, so the wire bytes are only visible in the per-connection transcript
// (Config.Transcripts), which tees the raw connection. For speed the sink
// decodes plain CRLF lines itself, the same way, and hands go-smtp anything
// else (data.go; FuzzDataMatchesGoSMTP holds the two to the same bytes).
//
// Exactly-once replay: a MAIL FROM with ENVID (RFC 3461) whose message has
// the same ENVID and sha256 as one already stored is acknowledged with 250
// but not stored twice. The replay SMTP target sends a deterministic ENVID
// for this.
//
// Misbehaviour on purpose: Faults (deterministic 4xx/5xx replies, delays and
// dropped connections per phase, address or lint rule), Chaos (random 4xx
// and disconnects, reproducible for a seed) and Emulate "ims", which drops
// the connection of a message with a crash-class finding as a dying
// Exchange store would and refuses it as poison after PoisonThreshold
// crashes (ims-kb.md 6.1 and 6.2: PoisonThreshold defaults to 2).
package smtpsink
