// Package bisect finds the messages that crash a target: the automated
// form of the KB's manual procedure (reference/ims-kb.md 1.6: Q197792,
// Q169223, Q168883, Q317653 put files back half at a time, restart, and
// wait for the store to crash again), never taking more rounds than that
// procedure by hand (ManualHalving) on any mix of culprits.
//
// A round replays one group of messages to the target and asks: did it
// crash? Find first tests every message not yet decided. A target that
// says which message it died on (an SMTP server dropping the connection or
// answering 554 during that message's DATA) makes each crash isolate one
// culprit: the messages before it went through, the ones after it are the
// next round. k culprits then take at most k+1 rounds and each message is
// sent once; triage's suspects (Options.Rank) go first, so rank 1 is known
// after one message. A crash the target cannot place (a probe's exit
// status, a health check) is halved as by hand, question for question:
// without more than a yes or no per round, no search can test the ranked
// suspects first and still promise never to need more rounds than halving
// by hand (a culprit no rule flags at the end of the queue costs the
// manual procedure only its halvings, with no round to spare).
//
// Messages whose only crash or stall findings are in the IMS envelope
// (UntestableOverSMTP) cannot crash an SMTP server; over SMTP they are
// reported as not testable here, with the ways to test them.
//
// Targets: an SMTP server (SMTPTester; with the imsforensic sink in
// --emulate ims, a poison message drops the connection mid-DATA, and
// after the sink's poison threshold it is refused with 554 5.6.0: both
// mean "crashed") or any program (ProbeTester: its exit status). Every
// round is journaled (JSON Lines, fsynced) before the next starts; a
// search resumed from its journal (ReadJournal, Options.Resume) reads
// those rounds back instead of testing them again and ends with the same
// result.
package bisect
