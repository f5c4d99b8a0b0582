// Package bisect finds the messages that crash a target by adaptive group
// testing, the automated form of the KB's manual procedure (reference/
// ims-kb.md 1.6: Q197792, Q169223, Q168883, Q317653 put files back half at
// a time, restart, and wait for the store to crash again).
//
// A round replays one group of messages to the target and asks one
// question: did it crash? Find runs binary splitting with clearing for an
// unknown number of culprits: test the first half of the queue; a half
// that goes through is cleared for good and the rest is halved again; a
// half that crashes is searched by halving (the untested other halves are
// kept for later). When one message is left it is a culprit; the untested
// remainder is then tested as a whole, and the search goes on until a test
// of the remainder goes through. With k >= 1 culprits among n messages it
// uses at most k*ceil(log2 n) + k rounds: ceil(log2 n) to isolate each
// culprit and one test of the remainder after each. A queue with no
// culprit at all takes about ceil(log2 n) + 1 rounds to clear.
//
// Targets: an SMTP server (SMTPTester; with the imsforensic sink in
// --emulate ims, a poison message drops the connection mid-DATA, and
// after the sink's poison threshold it is refused with 554 5.6.0: both
// mean "crashed") or any program (ProbeTester: its exit status). Every
// round is journaled (JSON Lines, fsynced) before the next starts.
package bisect
