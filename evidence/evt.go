package evidence

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
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

// evtScan is the state of one pass over a .evt file.
type evtScan struct {
	w      *evtWindow
	o      *Options
	p      *problems
	name   string
	header evtHeader

	events   []model.Event
	rejected int
	truncAt  int64 // offset of a record the file ends inside, -1 if none
	truncLen uint32
	pos      int // scan position in w.buf

	eofAt      int64 // offset of the ELF_EOF_RECORD, -1 until found
	eofScanned int64 // file offset up to which it was looked for
	size       int64 // bytes seen, the file size at the end
}

// evtEOFSignature follows the 0x28 size of the ELF_EOF_RECORD that ends
// the live records (MSDN bb309022).
var evtEOFSignature = []byte{0x28, 0, 0, 0, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x33, 0x33, 0x33, 0x33, 0x44, 0x44, 0x44, 0x44}

// evtHeader is what the ELF_LOGFILE_HEADER says, when there is one.
type evtHeader struct {
	ok         bool
	start, end int64 // StartOffset, EndOffset
	dirty      bool
}

func readEVT(r io.Reader, name string, o *Options, p *problems) []model.Event {
	sc := &evtScan{w: &evtWindow{r: r, headCap: min(o.MaxRecordBytes, 16<<20)}, o: o, p: p, name: name,
		truncAt: -1, eofAt: -1}
	w := sc.w
	if w.ensure(evtHeaderSize) && binary.LittleEndian.Uint32(w.buf) == evtHeaderSize && bytes.Equal(w.buf[4:8], evtSignature) {
		sc.header = evtHeader{ok: true, start: int64(binary.LittleEndian.Uint32(w.buf[0x10:])),
			end: int64(binary.LittleEndian.Uint32(w.buf[0x14:])), dirty: binary.LittleEndian.Uint32(w.buf[0x24:])&1 != 0}
	}
	if !sc.header.ok {
		p.warn("no .evt file header (overwritten, or a carved part of a log): records are found by their signature and all taken as live")
	}
	for sc.next() {
	}
	sc.findEOF()
	sc.size = w.base + int64(len(w.buf))
	sc.report()
	sc.markRecovered()
	return dedupRecords(sc.events)
}

// findEOF looks for the ELF_EOF_RECORD in the bytes read since last time.
func (sc *evtScan) findEOF() {
	w := sc.w
	from := max(sc.eofScanned-int64(len(evtEOFSignature)), w.base) - w.base
	if sc.eofAt < 0 {
		if i := bytes.Index(w.buf[from:], evtEOFSignature); i >= 0 {
			sc.eofAt = w.base + from + int64(i)
		}
	}
	sc.eofScanned = w.base + int64(len(w.buf))
}

// markRecovered tells live records from those found in slack space, the
// way the Event Log service sees them: the live records run from the
// header's StartOffset to the ELF_EOF_RECORD, wrapping from the end of the
// file to right after the header. A file copied while the service ran has
// a stale EndOffset (DIRTY), so the EOF record's place is believed first.
// Without a header, or when neither tells the end, every record is live.
func (sc *evtScan) markRecovered() {
	h := sc.header
	end := sc.eofAt
	if end < 0 && !h.dirty {
		end = h.end
	}
	if !h.ok || end < 0 || h.start < evtHeaderSize || h.start >= sc.size {
		return
	}
	for i := range sc.events {
		off := sc.events[i].Offset
		var live bool
		if h.start <= end {
			live = off >= h.start && off < end
		} else {
			live = off >= h.start || off >= evtHeaderSize && off < end
		}
		sc.events[i].Recovered = !live
	}
}

// dedupRecords drops a copy of a record that is the same record: the
// same number and the same content (a stale copy left in slack space),
// keeping the live one. Two records that share a number but differ (a log
// cleared and refilled) are both kept.
func dedupRecords(evs []model.Event) []model.Event {
	type key struct {
		num  uint64
		hash string
	}
	first := map[key]int{}
	out := evs[:0:0]
	for _, e := range evs {
		k := key{e.Record, recordContent(e)}
		if i, ok := first[k]; ok {
			if out[i].Recovered && !e.Recovered {
				out[i] = e
			}
			continue
		}
		first[k] = len(out)
		out = append(out, e)
	}
	return out
}

// recordContent is what makes two copies of a record the same record.
func recordContent(e model.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%s|%s|%d|%s|%x", e.Time.Unix(), e.Source, e.Computer, e.EventID, e.Level, []byte(e.Data))
	for _, s := range e.Strings {
		b.WriteString("|")
		b.WriteString(string(s))
	}
	return b.String()
}

// next finds and reads the next record; false at the end (or MaxEvents).
func (sc *evtScan) next() bool {
	w := sc.w
	if sc.pos > 4*evtChunk {
		sc.findEOF()
		w.discard(sc.pos)
		sc.pos = 0
	}
	if !w.ensure(sc.pos + 8) {
		return false
	}
	i := bytes.Index(w.buf[sc.pos+4:], evtSignature)
	if i < 0 {
		if w.eof {
			return false
		}
		sc.pos = len(w.buf) - 7
		w.ensure(len(w.buf) + 1)
		return true
	}
	c := sc.pos + i
	length := binary.LittleEndian.Uint32(w.buf[c:])
	if length < evtFixedSize || int64(length) > int64(sc.o.MaxRecordBytes) {
		sc.pos = c + 1
		return true
	}
	rec := sc.record(c, int(length))
	if rec == nil {
		sc.pos = c + 1
		return true
	}
	off := w.base + int64(c)
	ev, num, err := parseEVTRecord(rec, sc.name, sc.o)
	ev.Record, ev.Offset = uint64(num), off
	if err != nil {
		// The record is kept with the fields that read.
		sc.p.damaged++
		if sc.header.ok {
			sc.p.warn("record at offset %d: %v", off, err)
		} else {
			sc.p.addf("record at offset %d: %w", off, err)
		}
	}
	sc.events = append(sc.events, ev)
	if len(sc.events) >= sc.o.MaxEvents {
		sc.p.add(&LimitError{Limit: "MaxEvents", Max: int64(sc.o.MaxEvents)})
		return false
	}
	sc.truncAt = -1
	sc.pos = min(c+int(length), len(w.buf))
	return true
}

// record returns the L bytes of the record at c once its trailing Length
// matches, joining a record the wrap-around split; nil when the block is
// no record (it is counted).
func (sc *evtScan) record(c, L int) []byte {
	w := sc.w
	length := uint32(L)
	if w.ensure(c + L) {
		if binary.LittleEndian.Uint32(w.buf[c+L-4:]) != length {
			sc.rejected++
			return nil
		}
		return w.buf[c : c+L]
	}
	// The file ends inside this record: either the wrap-around split it
	// (the rest follows the header) or the file is cut.
	tail := w.buf[c:]
	need := L - len(tail)
	if sc.header.ok && need > 0 && need <= len(w.head) && splitTrailer(tail, w.head[:need]) == length {
		return append(append(make([]byte, 0, L), tail...), w.head[:need]...)
	}
	if sc.truncAt < 0 {
		sc.truncAt, sc.truncLen = w.base+int64(c), length
	}
	return nil
}

// report tells what could not be read, each damaged block counted in
// Damaged. In a log with a sound header, blocks that fail the length
// check are leftovers in slack space (or damage): told as warnings, the
// rest of the log read. Without a header (a carved fragment, a file that
// is no log) they are errors. A file that ends inside a record was cut
// (a copy that did not finish): always an error.
func (sc *evtScan) report() {
	p, w := sc.p, sc.w
	if w.err != nil {
		p.addf("read at offset %d: %w", w.base+int64(len(w.buf)), w.err)
	}
	if sc.truncAt >= 0 {
		p.damaged++
		p.addf("record at offset %d claims %d bytes but the file ends first: %w", sc.truncAt, sc.truncLen, ErrTruncated)
	}
	if sc.rejected > 0 {
		if sc.header.ok {
			p.damaged += sc.rejected
			p.warn("%d record-like blocks failed the trailing length check (damaged records or fragments in slack space) and were skipped", sc.rejected)
		} else {
			p.addf("%d record-like blocks failed the trailing length check and were skipped: %w", sc.rejected, ErrCorrupt)
		}
	}
	if len(sc.events) == 0 && !sc.header.ok && len(p.errs) == 0 {
		p.addf("no event record found: %w", ErrCorrupt)
	}
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
	ev.Qualifiers = uint16(u32(evtOffEventID) >> 16)
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
