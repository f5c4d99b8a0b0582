package corpus

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"time"
	"unicode/utf16"
)

// Legacy binary event log layout (ims-kb.md 4.2; MSDN "Event Log File
// Format", EVENTLOGRECORD). All integers little-endian.
const (
	evtHeaderSize  = 0x30
	evtSignature   = 0x654c664c // "LfLe" on disk
	evtRecordFixed = 0x38
	evtEOFSize     = 0x28
	evtFlagDirty   = 0x1
	evtRetention   = 7 * 24 * 3600
)

// Event types of EVENTLOGRECORD.EventType.
const (
	evError   = 1
	evWarning = 2
	evInfo    = 4
)

// logEvent is one Application log record as the generator models it.
type logEvent struct {
	t        time.Time
	source   string
	code     uint16 // the number Event Viewer shows
	typ      uint16 // evError, evWarning, evInfo
	category uint16
	catName  string // "Internal Processing", "None", ...
	strs     []string
	data     []byte
	desc     string // the rendered description (exports only)
}

// messageID is the full 32-bit message ID with the severity bits set as
// the message compiler writes them (Sev(2)|C|R|Facility|Code): readers must
// compare EventID & 0xFFFF.
func (e *logEvent) messageID() uint32 {
	sev := uint32(1) // informational
	switch e.typ {
	case evError:
		sev = 3
	case evWarning:
		sev = 2
	}
	return sev<<30 | uint32(e.code)
}

func utf16z(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return append(b, 0, 0)
}

// evtRecord encodes one EVENTLOGRECORD: the fixed part, SourceName and
// Computername (UTF-16LE, NUL-terminated), padding to a DWORD (where the
// user SID would start; none here), the strings, the data, padding to a
// DWORD and the trailing copy of Length.
func evtRecord(e *logEvent, number uint32, computer string) []byte {
	var v []byte
	v = append(v, utf16z(e.source)...)
	v = append(v, utf16z(computer)...)
	for (evtRecordFixed+len(v))%4 != 0 {
		v = append(v, 0)
	}
	sidOffset := evtRecordFixed + len(v)
	strOffset := sidOffset
	for _, s := range e.strs {
		v = append(v, utf16z(s)...)
	}
	dataOffset := evtRecordFixed + len(v)
	v = append(v, e.data...)
	for (evtRecordFixed+len(v)+4)%4 != 0 {
		v = append(v, 0)
	}
	length := evtRecordFixed + len(v) + 4
	r := make([]byte, 0, length)
	le := binary.LittleEndian
	ts := uint32(e.t.Unix())
	r = le.AppendUint32(r, uint32(length))
	r = le.AppendUint32(r, evtSignature)
	r = le.AppendUint32(r, number)
	r = le.AppendUint32(r, ts) // TimeGenerated
	r = le.AppendUint32(r, ts) // TimeWritten
	r = le.AppendUint32(r, e.messageID())
	r = le.AppendUint16(r, e.typ)
	r = le.AppendUint16(r, uint16(len(e.strs)))
	r = le.AppendUint16(r, e.category)
	r = le.AppendUint16(r, 0) // ReservedFlags
	r = le.AppendUint32(r, 0) // ClosingRecordNumber
	r = le.AppendUint32(r, uint32(strOffset))
	r = le.AppendUint32(r, 0) // UserSidLength
	r = le.AppendUint32(r, uint32(sidOffset))
	r = le.AppendUint32(r, uint32(len(e.data)))
	r = le.AppendUint32(r, uint32(dataOffset))
	r = append(r, v...)
	return le.AppendUint32(r, uint32(length))
}

// evtHeader encodes ELF_LOGFILE_HEADER.
func evtHeader(start, end, current, oldest, maxSize, flags uint32) []byte {
	le := binary.LittleEndian
	h := make([]byte, 0, evtHeaderSize)
	for _, v := range []uint32{evtHeaderSize, evtSignature, 1, 1, start, end, current, oldest, maxSize, flags, evtRetention, evtHeaderSize} {
		h = le.AppendUint32(h, v)
	}
	return h
}

// evtEOF encodes the EOF (cursor) record.
func evtEOF(begin, end, current, oldest uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, 0, evtEOFSize)
	for _, v := range []uint32{evtEOFSize, 0x11111111, 0x22222222, 0x33333333, 0x44444444, begin, end, current, oldest, evtEOFSize} {
		b = le.AppendUint32(b, v)
	}
	return b
}

// writeEVT writes events (in time order) as a saved .evt file whose first
// record number is first. live=true models a copy taken while the Event
// Log service ran (Q255861): DIRTY set and a stale header (StartOffset and
// EndOffset point at old positions, CurrentRecordNumber lags), so readers
// must scan for records by signature.
func writeEVT(path string, events []logEvent, first uint32, computer string, live bool) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	w := bufio.NewWriter(f)
	var recs [][]byte
	size := uint32(evtHeaderSize)
	for i := range events {
		r := evtRecord(&events[i], first+uint32(i), computer)
		recs = append(recs, r)
		size += uint32(len(r))
	}
	end := size
	size += evtEOFSize
	next := first + uint32(len(events))
	var hdr []byte
	if live {
		stale := evtHeaderSize + uint32(len(recs[0])) // as if the header was last flushed one record earlier
		hdr = evtHeader(stale+8, end-uint32(len(recs[len(recs)-1])), next-1, first, size, evtFlagDirty)
	} else {
		hdr = evtHeader(evtHeaderSize, end, next, first, size, 0)
	}
	_, err = w.Write(hdr)
	for _, r := range recs {
		if err == nil {
			_, err = w.Write(r)
		}
	}
	if err == nil {
		_, err = w.Write(evtEOF(evtHeaderSize, end, next, first))
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("corpus: write %s: %w", path, err)
	}
	return nil
}
