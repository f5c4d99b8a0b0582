// Package sniff holds the streaming content analysers that package parse
// runs over each MIME leaf part while it reads a spool file once.
//
// Every analyser works in O(1) memory whatever the body size: it sees the
// body line by line (transfer decoders) or in chunks of any size (content
// sniffers), never holds the body, and gives the same result however the
// input is chunked. They are on the scanner's hot path, so they are concrete
// types (no interface call per byte) that allocate nothing per line; the
// zero value or Reset gives a ready analyser, and one analyser may be reused
// part after part. None of them is safe for concurrent use.
//
// What each one checks, and the rule of reference/poison-rules.md that
// consumes it:
//
//   - Base64 decodes and validates a base64 body (RFC 2045 section 6.8;
//     rule base64-invalid, KB Q190556).
//   - QP decodes a quoted-printable body (RFC 2045 section 6.7) and records
//     the first bad escape.
//   - TNEF walks an application/ms-tnef attribute list ([MS-OXTNEF]; rule
//     tnef-corrupt, KB Q152937 and kin).
//   - RTF checks the {\rtf signature and the brace balance (rule rtf-corrupt,
//     KB Q192940).
//   - Href finds an HTML href attribute whose quoted value starts with white
//     space (rule html-href-leading-space, KB Q194337).
//   - DBCS finds a lead byte without its trail byte in Shift_JIS, EUC-JP,
//     ISO-2022-JP, GBK, Big5 and EUC-KR/CP949 text (rule
//     dbcs-invalid-sequence, KB Q266638, Q282796).
//   - CheckEncodedWords and DecodeHeaderValue handle RFC 2047 encoded words
//     (rule encoded-word-invalid); KnownCharset answers rule charset-unknown
//     (KB Q163080).
//   - ParseUUBegin, IsUUEnd and IsBinHexMarker recognise uuencode and BinHex
//     4.0 framing lines (rules uuencode-no-end, uuencode-junk-after-end,
//     binhex-part).
//
// The analysers judge nothing: they record facts (offsets, flags, counts)
// that package rules turns into findings.
package sniff
