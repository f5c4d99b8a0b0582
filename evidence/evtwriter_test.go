package evidence

import (
	"encoding/binary"
	"unicode/utf16"
)

// A small writer of the documented .evt layout (ims-kb.md 4.2), for tests
// only: the readers must never be tuned to it beyond what MSDN documents.

type testRecord struct {
	Number    uint32
	Time      uint32 // Unix seconds, UTC
	EventID   uint32 // full message ID; the code is the low 16 bits
	Type      uint16
	Category  uint16
	Source    string
	Computer  string
	Strings   []string
	Data      []byte
	SIDLength int // bytes of a fake SID between the names and the strings
}

func encodeUTF16Z(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return append(b, 0, 0)
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// encodeRecord lays out one EVENTLOGRECORD: fixed part, SourceName,
// ComputerName, SID, strings, data, padding, trailing Length.
func encodeRecord(r testRecord) []byte {
	var body []byte
	body = append(body, encodeUTF16Z(r.Source)...)
	body = append(body, encodeUTF16Z(r.Computer)...)
	body = pad4(body)
	sidOffset := evtFixedSize + len(body)
	body = append(body, make([]byte, r.SIDLength)...)
	strOffset := evtFixedSize + len(body)
	for _, s := range r.Strings {
		body = append(body, encodeUTF16Z(s)...)
	}
	dataOffset := evtFixedSize + len(body)
	body = append(body, r.Data...)
	body = pad4(body)
	length := evtFixedSize + len(body) + 4

	b := make([]byte, evtFixedSize, length)
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(length))
	copy(b[4:], evtSignature)
	le.PutUint32(b[0x08:], r.Number)
	le.PutUint32(b[0x0C:], r.Time)
	le.PutUint32(b[0x10:], r.Time+1)
	le.PutUint32(b[0x14:], r.EventID)
	le.PutUint16(b[0x18:], r.Type)
	le.PutUint16(b[0x1A:], uint16(len(r.Strings)))
	le.PutUint16(b[0x1C:], r.Category)
	le.PutUint32(b[0x24:], uint32(strOffset))
	le.PutUint32(b[0x28:], uint32(r.SIDLength))
	le.PutUint32(b[0x2C:], uint32(sidOffset))
	le.PutUint32(b[0x30:], uint32(len(r.Data)))
	le.PutUint32(b[0x34:], uint32(dataOffset))
	b = append(b, body...)
	return le.AppendUint32(b, uint32(length))
}

const (
	evtFlagDirty = 0x1
	evtFlagWrap  = 0x2
)

func encodeHeader(start, end, current, oldest, maxSize, flags uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, evtHeaderSize)
	le.PutUint32(b[0:], evtHeaderSize)
	copy(b[4:], evtSignature)
	le.PutUint32(b[8:], 1)
	le.PutUint32(b[12:], 1)
	le.PutUint32(b[16:], start)
	le.PutUint32(b[20:], end)
	le.PutUint32(b[24:], current)
	le.PutUint32(b[28:], oldest)
	le.PutUint32(b[32:], maxSize)
	le.PutUint32(b[36:], flags)
	le.PutUint32(b[40:], 0)
	le.PutUint32(b[44:], evtHeaderSize)
	return b
}

func encodeEOF(begin, end, current, oldest uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, 0, 0x28)
	for _, v := range []uint32{0x28, 0x11111111, 0x22222222, 0x33333333, 0x44444444, begin, end, current, oldest, 0x28} {
		b = le.AppendUint32(b, v)
	}
	return b
}

// linearEVT is a log that never wrapped: header, records, EOF record.
func linearEVT(recs ...testRecord) []byte {
	var body []byte
	for _, r := range recs {
		body = append(body, encodeRecord(r)...)
	}
	end := uint32(evtHeaderSize + len(body))
	next := uint32(1)
	if len(recs) > 0 {
		next = recs[len(recs)-1].Number + 1
	}
	out := encodeHeader(evtHeaderSize, end, next, 1, uint32(end+0x28), 0)
	out = append(out, body...)
	return append(out, encodeEOF(evtHeaderSize, end, next, 1)...)
}

// wrappedEVT lays records out as a ring buffer of size total: the oldest
// records start at oldestAt, the log wraps, the newest records follow the
// header, then the EOF record, then stale bytes. A record that does not
// fit at the end is split: its rest continues right after the header.
func wrappedEVT(total, oldestAt int, recs []testRecord) []byte {
	file := make([]byte, total)
	for i := range file {
		file[i] = 0x27 // what the service fills unused space with
	}
	pos := oldestAt
	for _, r := range recs {
		b := encodeRecord(r)
		for _, c := range b {
			if pos == total {
				pos = evtHeaderSize
			}
			file[pos] = c
			pos++
		}
	}
	last := recs[len(recs)-1].Number
	copy(file[pos:], encodeEOF(uint32(oldestAt), uint32(pos), last+1, recs[0].Number))
	// A log closed cleanly: the header agrees with the EOF record.
	copy(file, encodeHeader(uint32(oldestAt), uint32(pos), last+1, recs[0].Number, uint32(total), evtFlagWrap))
	return file
}
