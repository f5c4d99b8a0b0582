// Package corpus generates realistic quarantined IMS queues for tests,
// benchmarks and demos: a TempIMS or Imcdata tree of spool files (KB
// Q197792), poison messages for every rule of reference/poison-rules.md,
// the evidence an administrator would hold after the incident (a binary
// .evt Application log, its CSV and text exports, Drwtsn32.log, IMS protocol
// logs and a message tracking log, per reference/ims-kb.md sections 3 and
// 4), and a ground-truth manifest, truth.json.
//
// The spool envelope the generator writes is a MODEL of its own (documented
// in docs/corpus.md): the real IMS layout between ImCr and EwLs is
// undocumented (ims-kb.md 1.5 and 9), so readers must not be tuned to it.
// The model varies field order and padding on purpose so that a parser
// relying on fixed offsets fails the tests.
//
// Output is deterministic: the same Config (Seed included) gives the same
// bytes. One PCG source drives every random choice, maps are never iterated
// for output, and all times derive from Config.Now. Messages are built and
// written one at a time through bufio, so memory stays bounded by the
// largest message plus a small per-file record, whatever Config.Messages.
//
// No other package needs corpus at run time except the demo command.
package corpus
