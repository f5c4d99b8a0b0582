package sniff

// DBCS finds the first lead byte without a valid trail byte in text of a
// legacy multibyte (double-byte) charset: Shift_JIS, EUC-JP, ISO-2022-JP,
// GB2312/GBK/GB18030, Big5, EUC-KR/CP949 (rule dbcs-invalid-sequence,
// KB Q266638 and Q282796: the IMS and the store read past a lone lead byte
// and stopped). O(1) memory; any chunking of Write gives the same result.
//
// Only missing or invalid trail bytes are judged, not unassigned code
// points or stray single bytes: those decode to replacement characters and
// crashed nothing. In ISO-2022-JP, which is 7-bit, an 8-bit byte counts as
// invalid too, and in a two-byte mode an odd byte before an escape, a line
// end or the end of the text is a lead byte missing its trail.
//
// Create one with NewDBCS; Reset makes it ready for the next part.
type DBCS struct {
	kind   dbcsKind
	tables dbcsTables
	offset int64 // bytes consumed
	// need counts bytes still expected in the current multibyte sequence
	// (two-byte families), or is 1 while an ISO-2022-JP two-byte mode
	// waits for a trail byte.
	need    int
	seq     byte // which sequence is open: see the dbcsSeq constants
	leadAt  int64
	twoByte bool // ISO-2022-JP: a two-byte set is designated
	inEsc   bool // ISO-2022-JP: inside an escape sequence
	escKind byte // first intermediate byte of the escape ('$', '(', ...)
	found   bool
	foundAt int64
}

// Sequence kinds within the two-byte families.
const (
	dbcsSeqPair  byte = iota // lead + one trail
	dbcsSeqSS2               // EUC-JP 0x8E + half-width katakana
	dbcsSeqSS3               // EUC-JP 0x8F + two bytes (JIS X 0212)
	dbcsSeqFour2             // GB18030 four-byte form, third byte next
	dbcsSeqFour3             // GB18030 four-byte form, fourth byte next
)

const esc = 0x1B

// NewDBCS returns a checker for charset (any case, quotes and white space
// trimmed), or nil when charset is not a legacy multibyte encoding it
// knows (US-ASCII, ISO-8859-x, UTF-8 ...): callers then skip the check.
func NewDBCS(charset string) *DBCS {
	kind := dbcsKindOf(charset)
	if kind == dbcsNone {
		return nil
	}
	d := &DBCS{}
	d.init(kind)
	return d
}

func (d *DBCS) init(kind dbcsKind) {
	*d = DBCS{kind: kind}
	if int(kind) < len(dbcsTablesByKind) {
		d.tables = dbcsTablesByKind[kind]
	}
}

// Reset forgets the text, keeping the charset, for the next part.
func (d *DBCS) Reset() { d.init(d.kind) }

// Write checks p, the next decoded bytes of the text. It never fails; once
// a defect is found it only counts bytes.
func (d *DBCS) Write(p []byte) (int, error) {
	base := d.offset
	d.offset += int64(len(p))
	if d.found {
		return len(p), nil
	}
	if d.kind == dbcsISO2022JP {
		d.writeISO2022JP(p, base)
	} else {
		d.writeMultibyte(p, base)
	}
	return len(p), nil
}

func (d *DBCS) report(at int64) {
	d.found, d.foundAt = true, at
}

// writeMultibyte runs the lead/trail machine of the 8-bit families.
func (d *DBCS) writeMultibyte(p []byte, base int64) {
	lead, trail := d.tables.lead, d.tables.trail
	for i := 0; i < len(p); i++ {
		c := p[i]
		if d.need == 0 {
			if c < 0x80 {
				continue
			}
			switch {
			case d.kind == dbcsEUCJP && c == 0x8E:
				d.need, d.seq = 1, dbcsSeqSS2
			case d.kind == dbcsEUCJP && c == 0x8F:
				d.need, d.seq = 2, dbcsSeqSS3
			case lead[c]:
				d.need, d.seq = 1, dbcsSeqPair
			default:
				continue // a single 8-bit byte (half-width katakana in Shift_JIS, unassigned)
			}
			d.leadAt = base + int64(i)
			continue
		}
		var ok bool
		switch d.seq {
		case dbcsSeqSS2:
			ok = c >= 0xA1 && c <= 0xDF
		case dbcsSeqSS3:
			ok = eucTrail[c]
		case dbcsSeqFour2:
			ok = c >= 0x81 && c <= 0xFE
			d.seq = dbcsSeqFour3
		case dbcsSeqFour3:
			ok = c >= 0x30 && c <= 0x39
		default:
			if d.kind == dbcsGB18030 && c >= 0x30 && c <= 0x39 {
				ok = true
				d.need, d.seq = 3, dbcsSeqFour2
			} else {
				ok = trail[c]
			}
		}
		if !ok {
			d.report(d.leadAt)
			return
		}
		d.need--
	}
}

// writeISO2022JP tracks the designated set (RFC 1468, RFC 1554): ESC $ @,
// ESC $ B, ESC $ A, ESC $ ( x select two-byte sets; ESC ( B, ESC ( J,
// ESC ( I select single-byte sets.
func (d *DBCS) writeISO2022JP(p []byte, base int64) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 0x80 {
			if d.need > 0 {
				d.report(d.leadAt)
			} else {
				d.report(base + int64(i))
			}
			return
		}
		if d.inEsc {
			switch {
			case c >= 0x20 && c <= 0x2F: // intermediate byte
				if d.escKind == 0 {
					d.escKind = c
				}
				continue
			case c >= 0x30 && c <= 0x7E: // final byte
				switch d.escKind {
				case '$':
					d.twoByte = true
				case '(':
					d.twoByte = false
				}
			}
			// Anything else aborts the sequence, designating nothing.
			d.inEsc = false
			continue
		}
		switch {
		case c == esc || c == '\r' || c == '\n':
			if d.need > 0 {
				d.report(d.leadAt)
				return
			}
			if c == esc {
				d.inEsc, d.escKind = true, 0
			}
		case !d.twoByte:
		case c >= 0x21 && c <= 0x7E:
			if d.need > 0 {
				d.need = 0
			} else {
				d.need, d.leadAt = 1, base+int64(i)
			}
		case d.need > 0:
			d.report(d.leadAt) // a space or control where the trail byte must be
			return
		}
	}
}

// Result returns the decoded offset of the first lead byte without a valid
// trail byte (or of the first 8-bit byte in ISO-2022-JP), taking the text to
// have ended; -1: none.
func (d *DBCS) Result() int64 {
	switch {
	case d.found:
		return d.foundAt
	case d.need > 0:
		return d.leadAt
	}
	return -1
}

// ValidDBCSString checks s, a header value or display name already RFC 2047
// decoded to its charset's bytes, and returns the index of the first lead
// byte without its trail byte, or -1 (also when charset is not a multibyte
// charset NewDBCS knows).
func ValidDBCSString(charset string, s []byte) (badAt int) {
	kind := dbcsKindOf(charset)
	if kind == dbcsNone {
		return -1
	}
	var d DBCS
	d.init(kind)
	_, _ = d.Write(s)
	return int(d.Result())
}
