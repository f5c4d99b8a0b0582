package sniff

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// TNEFSignature is the little-endian u32 every TNEF stream starts with.
const TNEFSignature = 0x223E9F78

// MaxTNEFAttributes caps the walk: a stream of tiny attributes cannot make
// the scan count forever (each attribute costs 11 bytes at least).
const MaxTNEFAttributes = 100000

// TNEFProblem is a set of the defects a TNEF walk found.
type TNEFProblem uint8

// TNEF defects. Truncation, a bad signature, a bad level and the limit end
// the walk; a checksum mismatch does not (the framing is intact).
const (
	TNEFBadSignature TNEFProblem = 1 << iota // first 4 bytes are not 0x223E9F78 (or missing)
	TNEFTruncated                            // stream ends inside the key, an attribute header, data or checksum
	TNEFBadChecksum                          // an attribute's checksum differs from the sum of its data bytes
	TNEFBadLevel                             // an attribute level other than 1 (message) or 2 (attachment)
	TNEFLimit                                // MaxTNEFAttributes reached; the rest was not walked
)

type tnefState uint8

const (
	tnefSignature tnefState = iota // signature (4) and legacy key (2)
	tnefHeader                     // level (1), id (4), length (4)
	tnefData
	tnefChecksum
	tnefStopped
)

const (
	tnefLeadLen   = 6
	tnefHeaderLen = 9
)

// TNEF walks a decoded application/ms-tnef stream ([MS-OXTNEF] 2.1.3):
// signature, legacy key, then attributes of level u8, id u32, length u32,
// data and a u16 checksum (sum of the data bytes mod 65536), all little
// endian. It keeps no attribute data: O(1) memory whatever the size, and any
// chunking of Write gives the same result. This is what rule tnef-corrupt
// needs (KB Q152937, Q241482 and kin: TNEF decoders crashed on short or
// lying streams).
//
// The zero value is ready to use; Reset makes it ready for the next part.
type TNEF struct {
	state     tnefState
	offset    int64 // stream bytes consumed
	buf       [tnefHeaderLen]byte
	bufN      int
	attrs     int
	attrStart int64
	attrID    uint32
	declared  int64
	remaining int64
	sum       uint16
	problems  TNEFProblem
	detail    []string
}

// Reset forgets everything, for the next part.
func (t *TNEF) Reset() { *t = TNEF{detail: t.detail[:0]} }

// Write walks p, the next decoded bytes of the stream. It never fails.
func (t *TNEF) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && t.state != tnefStopped {
		switch t.state {
		case tnefSignature, tnefHeader, tnefChecksum:
			want := t.wantLen()
			k := copy(t.buf[t.bufN:want], p)
			t.bufN += k
			t.offset += int64(k)
			p = p[k:]
			if t.bufN == want {
				t.bufN = 0
				t.fieldDone()
			}
		case tnefData:
			k := int64(len(p))
			if k > t.remaining {
				k = t.remaining
			}
			sum := t.sum
			for _, c := range p[:k] {
				sum += uint16(c)
			}
			t.sum = sum
			t.remaining -= k
			t.offset += k
			p = p[k:]
			if t.remaining == 0 {
				t.state = tnefChecksum
			}
		}
	}
	return n, nil
}

func (t *TNEF) wantLen() int {
	switch t.state {
	case tnefSignature:
		return tnefLeadLen
	case tnefHeader:
		return tnefHeaderLen
	}
	return 2
}

// fieldDone acts on a complete signature, attribute header or checksum.
func (t *TNEF) fieldDone() {
	switch t.state {
	case tnefSignature:
		if sig := binary.LittleEndian.Uint32(t.buf[:4]); sig != TNEFSignature {
			t.fail(TNEFBadSignature, fmt.Sprintf("signature 0x%08X, want 0x%08X", sig, TNEFSignature))
			return
		}
		t.state = tnefHeader
		t.attrStart = t.offset
	case tnefHeader:
		t.attrID = binary.LittleEndian.Uint32(t.buf[1:5])
		t.declared = int64(binary.LittleEndian.Uint32(t.buf[5:9]))
		if level := t.buf[0]; level != 1 && level != 2 {
			t.fail(TNEFBadLevel, fmt.Sprintf("attribute %d at offset %d: level 0x%02X (want 1 or 2), id 0x%08X",
				t.attrs+1, t.attrStart, level, t.attrID))
			return
		}
		t.remaining = t.declared
		t.sum = 0
		t.state = tnefData
		if t.remaining == 0 {
			t.state = tnefChecksum
		}
	case tnefChecksum:
		if got := binary.LittleEndian.Uint16(t.buf[:2]); got != t.sum && t.problems&TNEFBadChecksum == 0 {
			t.problems |= TNEFBadChecksum
			t.detail = append(t.detail, fmt.Sprintf("attribute %d (id 0x%08X) checksum 0x%04X, data sums to 0x%04X",
				t.attrs+1, t.attrID, got, t.sum))
		}
		t.attrs++
		t.attrStart = t.offset
		t.state = tnefHeader
		if t.attrs >= MaxTNEFAttributes {
			t.fail(TNEFLimit, fmt.Sprintf("walk stopped after %d attributes (limit)", t.attrs))
		}
	}
}

func (t *TNEF) fail(p TNEFProblem, detail string) {
	t.problems |= p
	t.detail = append(t.detail, detail)
	t.state = tnefStopped
}

// Problems returns the defects found so far, truncation included (the
// stream is taken to have ended).
func (t *TNEF) Problems() TNEFProblem {
	p := t.problems
	if t.truncation() != "" {
		if t.state == tnefSignature && t.bufN < 4 {
			p |= TNEFBadSignature
		} else {
			p |= TNEFTruncated
		}
	}
	return p
}

// truncation describes where the stream ended inside a structure, or
// returns "" when it ended between attributes (or the walk stopped).
func (t *TNEF) truncation() string {
	switch t.state {
	case tnefSignature:
		if t.bufN < 4 {
			return fmt.Sprintf("no signature: stream is %d bytes", t.bufN)
		}
		return fmt.Sprintf("legacy key truncated: stream is %d bytes", t.bufN)
	case tnefHeader:
		if t.bufN == 0 {
			return ""
		}
		return fmt.Sprintf("attribute %d at offset %d: header truncated after %d of %d bytes",
			t.attrs+1, t.attrStart, t.bufN, tnefHeaderLen)
	case tnefData:
		return fmt.Sprintf("attribute %d (id 0x%08X) declares %d bytes, %d left",
			t.attrs+1, t.attrID, t.declared, t.declared-t.remaining)
	case tnefChecksum:
		return fmt.Sprintf("attribute %d (id 0x%08X): checksum truncated after %d of 2 bytes",
			t.attrs+1, t.attrID, t.bufN)
	}
	return ""
}

// Result returns the verdict, taking the stream to have ended. Detail is
// empty for a sound stream and otherwise lists every defect, "; "
// separated. A bad level or checksum shows only in Detail (model.TNEFScan
// has no flag for them), and so does the attribute limit, which is not a
// defect: Problems tells them apart for callers that hold the TNEF.
func (t *TNEF) Result() model.TNEFScan {
	p := t.Problems()
	details := t.detail
	if tr := t.truncation(); tr != "" {
		details = append(details[:len(details):len(details)], tr)
	}
	return model.TNEFScan{
		SignatureOK: p&TNEFBadSignature == 0,
		Attributes:  t.attrs,
		Truncated:   p&TNEFTruncated != 0,
		Detail:      strings.Join(details, "; "),
	}
}
