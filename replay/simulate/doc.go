// Package simulate replays a quarantined queue through a model of the
// Exchange 5.5 Internet Mail Service and store, offline: which message
// crashes store.exe, which events the server would log, how the restart
// retries the same spool file into a crash loop, how many messages are
// stuck behind it, and whether the queue drains once the suspects are held
// back (DESIGN.md section 3, `imsforensic simulate`).
//
// The model follows reference/ims-kb.md:
//
//   - 1.6 and Q197792: after Queue.dat is deleted the IMS re-reads IN and
//     OUT and converts the files in file-time order (modification time,
//     then name); a message the store crashes on is retried first when
//     the service restarts (4182 "will be retried when the server is
//     restarted"), so the queue never gets past it.
//   - 2.1 and 3.1: an inbound crash logs Dr. Watson 4097 for store.exe,
//     3039 with data 0x80040115 (the store died under the IMS), 4182
//     naming the spool file and 4102 (the IMS shuts down); an outbound
//     message whose header block is over 32 KiB logs 4116 with HRESULT
//     0x8007000E (Q193639).
//   - 2.3 and 2.4: stall-class messages are archived to IN\Archive with
//     4117 naming the file (Q190084, Q252624, Q246051) or stay in the
//     queue (4120 / 4131 for more than 32,766 recipients, Q272672; 4081,
//     4037), and the queue moves on.
//   - 6.2: with Options.PoisonThreshold set, the Exchange 2007+ poison
//     message behaviour: after that many crashes with the message in
//     flight it goes to the poison queue and the rest drains.
//
// The crash oracle is the rule catalogue (reference/poison-rules.md): a
// message crashes the store when its heaviest finding is of class crash.
// Simulate is a pure function of the messages and the options; it reads no
// file and writes nothing.
package simulate
