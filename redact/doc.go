// Package redact writes copies of messages that are safe to hand to a
// vendor and on which the same rules still fire at the same structure.
//
// Every word (ASCII letters and digits, UTF-8 characters) of the addresses
// (local part and domain), display names, subject, body text, attachment
// names and contents is replaced by a placeholder of the same length and
// character class, keyed by HMAC-SHA256 under Options.Key: the same word
// gets the same placeholder in every file, so "alee@example.org" is one
// person across a whole queue. Kept as written: field names, header order,
// line structure and line ends, the MIME syntax (Content-Type and
// Content-Disposition but for file names, Content-Transfer-Encoding,
// boundaries and delimiter lines, charset labels, RFC 2047 and 2231
// syntax), Date and the date of Received fields, the vocabulary of dates
// and trace fields, HTML tag and attribute names, RTF control words, the
// uuencode and BinHex marker lines, ISO 2022 escapes, IMCEA escapes, and
// every byte of the IMS envelope but its addresses, HELO host and MTS-ID
// (the layout is undocumented: ims-kb.md 1.5). Transfer encodings are
// undone and done again: a base64 part is redacted through its decoded
// form and encoded again into the same layout; a TNEF stream is redacted
// attribute by attribute with its checksums computed again (MS-OXTNEF
// 2.1.3); base64 that does not decode, and quoted-printable, are redacted
// in their encoded form, keeping every escape, stray byte and padding.
// Because every length is kept, every finding's offset points at the same
// structure in the copy.
//
// The copy is checked again: the byte each finding points at is kept from
// the start; a finding that redaction lost or added widens what is kept to
// its evidence, then to its header field or part, and is reported ("kept",
// "finding-changed") if that is still not enough. Then the check that no
// word remains: every word of three or more characters outside the kept
// syntax is looked for in the copy where the original wrote it; one left
// in a range a finding needs is reported with its rule (kept-for-finding),
// one nothing explains means no copy is written (not-safe).
//
// Known limit: bytes of a legacy 8-bit or DBCS charset (not ASCII, not
// UTF-8) are left as they are, since their characters cannot be told apart
// without the charset and rules read their lead/trail structure; the ASCII
// letters around them are replaced, and the word check reads ASCII and
// UTF-8 words only.
//
// Memory: a message is redacted whole (the file, its copy and the masks),
// so File refuses one over MaxFileBytes, unless its big bodies are base64
// binary attachments, which are streamed from the file (hole.go); an mbox
// file over 4 MiB is read one message at a time. Either way the copy is
// written to a temporary file next to the copy as it is made, and the
// record and copy are those the whole file gives
// (TestFileMboxStreamMatchesWhole, TestFileHolesMatchWhole).
//
// The mapping from words to placeholders goes only to the file the user
// names (--map), never into the output folder. File writes each copy
// through internal/atomicfile after the one output guard (package guard):
// never inside the evidence (DESIGN.md section 4).
//
// A package of its own, beside repair: redaction is one policy (what is
// content and what is structure) over parsed messages, and both commands
// share only the output rules.
package redact
