// Package parse turns the bytes of one quarantined message file into a
// model.Message: the format (IMS spool, Pickup/Replay X-Sender file, mbox,
// SMTP transcript, plain RFC 822), the envelope, every header field with its
// raw bytes and file offsets, the MIME tree, and a raw byte scan (line
// endings, longest line, NULs, 8-bit header bytes, boundaries, nesting,
// base64 validity, uuencode and BinHex blocks, decoded content signatures).
//
// It follows RFC 5322 (message syntax), RFC 2045-2047 and 2231 (MIME), RFC
// 5321 (envelope), RFC 4155 (mbox), and the IMS spool facts of KB Q190709
// and Q249273: an IMS spool file is recognised by the structure of its
// markers only ("ImCr" near the start with no header field before it,
// "EwLs" closing the envelope right before the header block; a message
// that merely holds the bytes is RFC 822), and its binary envelope is read
// heuristically (angle-bracket addresses, the HELO host, the X.400
// MTS-ID), never at fixed offsets, because the real layout is
// undocumented. SplitMbox (EachMbox) and ParseAt read the messages of an
// mbox one by one, with file offsets: mboxo and mboxrd split at "From "
// lines, mboxcl and mboxcl2 by a Content-Length that ends at a separator
// (as mutt and Mail::Box check it), Mozilla's "From - " lines without the
// empty line before them, a byte-order mark or empty lines before the
// first "From " line.
//
// Parse reads each file once, as a stream of lines, with bounded memory: a
// 1 GiB line or header field is processed in segments of Options.LineBuffer
// bytes and only a capped prefix of any value is kept. Malformed input is
// the subject matter, not a failure: Parse returns the Message together with
// Anomalies, and returns an error only for I/O errors and Options.MaxBytes.
//
// Why not go-message for the tree: its textproto.ReadHeader holds a whole
// header line in memory and it has no depth or part limits, so a hostile
// file could exhaust memory; it also normalises exactly what we must see
// (whitespace before the colon, empty keys, broken parameters). The tests
// cross-check this package's tree against go-message's Entity.Walk on
// well-formed messages, and the content analysers (package sniff) use
// go-message's charset table for RFC 2047 decoding.
//
// parse never touches the filesystem, prints, exits or panics.
package parse
