package evidence

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/imsforensic/imsforensic/model"
)

// Legacy binary event log (.evt, NT 3.x-2003), ims-kb.md 4.2. All integers
// are little-endian.
//
// The reader does not trust the header's StartOffset/EndOffset: a file
// copied while the Event Log service ran has DIRTY set and stale offsets,
// and a wrapped log is a ring buffer. It scans for the record signature
// "LfLe" at offset 4 of a record and believes a record only when its
// Length is plausible (>= 0x38, <= MaxRecordBytes) and the trailing copy
// of Length matches. A record cut by the end of a wrapped file continues
// right after the header; it is joined back. Records seen twice (a stale
// copy) are kept once, by record number.
//
// EVENTLOGRECORD fixed part offsets:
const (
	evtOffRecordNumber = 0x08
	evtOffTimeGen      = 0x0C
	evtOffTimeWritten  = 0x10
	evtOffEventID      = 0x14
	evtOffEventType    = 0x18
	evtOffNumStrings   = 0x1A
	evtOffCategory     = 0x1C
	evtOffStringOffset = 0x24
	evtOffDataLength   = 0x30
	evtOffDataOffset   = 0x34
)

// evtWindow is a bounded sliding window over the file.
type evtWindow struct {
	r    io.Reader
	buf  []byte
	base int64 // file offset of buf[0]
	eof  bool
	err  error // read error other than EOF

	// head keeps the bytes right after the file header, where the rest of
	// a record split by the wrap-around continues.
	head    []byte
	headCap int
}

const evtChunk = 64 << 10

// ensure tries to have n bytes in the window; it reports whether it has.
func (w *evtWindow) ensure(n int) bool {
	for len(w.buf) < n && !w.eof {
		if cap(w.buf)-len(w.buf) < evtChunk {
			nb := make([]byte, len(w.buf), 2*cap(w.buf)+evtChunk)
			copy(nb, w.buf)
			w.buf = nb
		}
		k, err := w.r.Read(w.buf[len(w.buf):cap(w.buf)])
		if k > 0 {
			w.keepHead(w.base+int64(len(w.buf)), w.buf[len(w.buf):len(w.buf)+k])
			w.buf = w.buf[:len(w.buf)+k]
		}
		if err == io.EOF {
			w.eof = true
		} else if err != nil {
			w.eof, w.err = true, err
		}
	}
	return len(w.buf) >= n
}

func (w *evtWindow) keepHead(off int64, b []byte) {
	end := off + int64(len(b))
	lo, hi := int64(evtHeaderSize), int64(evtHeaderSize+w.headCap)
	if end <= lo || off >= hi {
		return
	}
	if off < lo {
		b, off = b[lo-off:], lo
	}
	if int64(len(w.head))+lo != off {
		return
	}
	if room := w.headCap - len(w.head); len(b) > room {
		b = b[:room]
	}
	w.head = append(w.head, b...)
}

// discard drops the first n bytes of the window.
func (w *evtWindow) discard(n int) {
	copy(w.buf, w.buf[n:])
	w.buf = w.buf[:len(w.buf)-n]
	w.base += int64(n)
}

func readEVT(r io.Reader, name string, o *Options, p *problems) []model.Event {
	w := &evtWindow{r: r, headCap: o.MaxRecordBytes}
	if o.MaxRecordBytes > 16<<20 {
		w.headCap = 16 << 20
	}
	hasHeader := w.ensure(evtHeaderSize) && binary.LittleEndian.Uint32(w.buf) == evtHeaderSize &&
		bytes.Equal(w.buf[4:8], evtSignature)

	var (
		events    []model.Event
		seen      = map[uint32]bool{}
		rejected  int
		truncAt   int64 = -1
		truncLen  uint32
		pos       int
		maxRecord = o.MaxRecordBytes
	)
	for {
		if pos > 4*evtChunk {
			w.discard(pos)
			pos = 0
		}
		if !w.ensure(pos + 8) {
			break
		}
		i := bytes.Index(w.buf[pos+4:], evtSignature)
		if i < 0 {
			if w.eof {
				break
			}
			pos = len(w.buf) - 7
			w.ensure(len(w.buf) + 1)
			continue
		}
		c := pos + i
		length := binary.LittleEndian.Uint32(w.buf[c:])
		if length < evtFixedSize || int64(length) > int64(maxRecord) {
			pos = c + 1
			continue
		}
		L := int(length)
		var rec []byte
		if w.ensure(c + L) {
			if binary.LittleEndian.Uint32(w.buf[c+L-4:]) != length {
				rejected++
				pos = c + 1
				continue
			}
			rec = w.buf[c : c+L]
		} else {
			// The file ends inside this record: either the wrap-around
			// split it (the rest follows the header) or the file is cut.
			tail := w.buf[c:]
			need := L - len(tail)
			var joined []byte
			if hasHeader && need > 0 && need <= len(w.head) && splitTrailer(tail, w.head[:need]) == length {
				joined = append(append(make([]byte, 0, L), tail...), w.head[:need]...)
			}
			if joined != nil {
				rec = joined
			} else {
				if truncAt < 0 {
					truncAt, truncLen = w.base+int64(c), length
				}
				pos = c + 1
				continue
			}
		}
		off := w.base + int64(c)
		ev, num, err := parseEVTRecord(rec, name, o)
		if err != nil {
			p.addf("record at offset %d: %w", off, err)
		}
		if !seen[num] {
			seen[num] = true
			events = append(events, ev)
			if len(events) >= o.MaxEvents {
				p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
				return events
			}
		}
		truncAt = -1
		if c+L > len(w.buf) {
			pos = len(w.buf)
		} else {
			pos = c + L
		}
	}
	if w.err != nil {
		p.addf("read at offset %d: %w", w.base+int64(len(w.buf)), w.err)
	}
	if truncAt >= 0 {
		p.addf("record at offset %d claims %d bytes but the file ends first: %w", truncAt, truncLen, ErrTruncated)
	}
	if rejected > 0 {
		p.addf("%d record-like blocks failed the trailing length check and were skipped: %w", rejected, ErrCorrupt)
	}
	if len(events) == 0 && len(p.errs) == 0 {
		if hasHeader {
			return events // an empty log is a valid log
		}
		p.addf("no event record found: %w", ErrCorrupt)
	}
	return events
}

// parseEVTRecord reads one EVENTLOGRECORD whose Length and trailing length
// were checked. Fields whose offsets point outside the record are left
// out and reported.
func parseEVTRecord(rec []byte, name string, o *Options) (model.Event, uint32, error) {
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(rec[off:]) }
	u16 := func(off int) uint16 { return binary.LittleEndian.Uint16(rec[off:]) }
	end := len(rec) - 4 // the trailing Length copy is not content
	num := u32(evtOffRecordNumber)

	ev := newEvent("eventlog", name+"#record="+strconv.FormatUint(uint64(num), 10))
	if t := u32(evtOffTimeGen); t != 0 {
		ev.Time = time.Unix(int64(t), 0).UTC()
	} else if t := u32(evtOffTimeWritten); t != 0 {
		ev.Time = time.Unix(int64(t), 0).UTC()
	}
	ev.EventID = u32(evtOffEventID) & 0xFFFF
	ev.Level = levelFromType(uint32(u16(evtOffEventType)))
	if c := u16(evtOffCategory); c != 0 {
		ev.Category = strconv.Itoa(int(c))
	}

	var problem error
	stringOffset := int(u32(evtOffStringOffset))
	dataLength, dataOffset := int64(u32(evtOffDataLength)), int64(u32(evtOffDataOffset))

	// SourceName and ComputerName follow the fixed part; they end before
	// the SID, strings or data.
	namesEnd := end
	for _, v := range []int64{int64(stringOffset), dataOffset} {
		if v >= evtFixedSize && v < int64(namesEnd) {
			namesEnd = int(v)
		}
	}
	src, n := utf16z(rec[evtFixedSize:namesEnd])
	ev.Source = capString(src, o.MaxStringBytes)
	comp, _ := utf16z(rec[evtFixedSize+n : namesEnd])
	ev.Computer = capString(comp, o.MaxStringBytes)

	if ns := int(u16(evtOffNumStrings)); ns > 0 {
		if stringOffset < evtFixedSize || stringOffset >= end {
			problem = fmt.Errorf("record %d: StringOffset %d outside the record: %w", num, stringOffset, ErrCorrupt)
		} else {
			strEnd := end
			if dataOffset > int64(stringOffset) && dataOffset < int64(end) {
				strEnd = int(dataOffset)
			}
			b := rec[stringOffset:strEnd]
			for k := 0; k < ns && len(b) > 0; k++ {
				s, used := utf16z(b)
				ev.Strings = append(ev.Strings, model.Text(capString(s, o.MaxStringBytes)))
				b = b[used:]
			}
		}
	}
	if dataLength > 0 {
		if dataOffset < evtFixedSize || dataOffset+dataLength > int64(end) {
			problem = fmt.Errorf("record %d: data (%d bytes at %d) outside the record: %w", num, dataLength, dataOffset, ErrCorrupt)
		} else {
			d := rec[dataOffset : dataOffset+dataLength]
			if len(d) > o.MaxDataBytes {
				d = d[:o.MaxDataBytes]
			}
			ev.Data = append(model.Bytes(nil), d...)
		}
	}
	Enrich(&ev)
	return ev, num, problem
}

// utf16z decodes a NUL-terminated UTF-16LE string at the start of b and
// returns it with the bytes used (terminator included).
func utf16z(b []byte) (string, int) {
	units := make([]uint16, 0, 32)
	i := 0
	for ; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			return string(utf16.Decode(units)), i + 2
		}
		units = append(units, c)
	}
	return string(utf16.Decode(units)), len(b)
}

// splitTrailer reads the trailing Length of a record split in two parts
// (a, then b) without joining them, so that rejecting a candidate costs
// no copy.
func splitTrailer(a, b []byte) uint32 {
	var t [4]byte
	n := len(a) + len(b)
	for i := 0; i < 4; i++ {
		k := n - 4 + i
		if k < len(a) {
			t[i] = a[k]
		} else {
			t[i] = b[k-len(a)]
		}
	}
	return binary.LittleEndian.Uint32(t[:])
}
