// Package archive tells an archive of files (zip, 7z, rar, cab, tar and
// the gzip, bzip2 and xz streams they come in) by its signature, so that
// a queue or an evidence file sent as one is said to be one instead of
// being read as a message or a log. Nothing here reads inside an
// archive: the user extracts a copy and gives the files.
package archive

import "bytes"

// Kind names the archive format whose signature head begins with
// (or holds, for tar), or "". No spool file, RFC 822 message or evidence
// file begins with these bytes: an IMS file begins with its envelope or a
// header line, an event log with its own signature or text.
func Kind(head []byte) string {
	for _, a := range magics {
		if bytes.HasPrefix(head, a.magic) {
			return a.kind
		}
	}
	if len(head) >= 262 && string(head[257:262]) == "ustar" { // POSIX tar header
		return "tar"
	}
	if len(head) >= 10 && string(head[:3]) == "BZh" && '1' <= head[3] && head[3] <= '9' && string(head[4:10]) == "1AY&SY" {
		return "bzip2" // its level, then the first block's magic (pi's digits)
	}
	return ""
}

var magics = []struct {
	kind  string
	magic []byte
}{
	{"zip", []byte("PK\x03\x04")},
	{"zip", []byte("PK\x05\x06")}, // an empty zip: its end record alone
	{"zip", []byte("PK\x07\x08")}, // a spanned zip's first part
	{"7z", []byte("7z\xBC\xAF\x27\x1C")},
	{"rar", []byte("Rar!\x1A\x07")},
	{"cab", []byte("MSCF\x00\x00\x00\x00")},
	{"gzip", []byte{0x1F, 0x8B, 0x08}},
	{"xz", []byte("\xFD7zXZ\x00")},
}
