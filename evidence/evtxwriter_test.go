package evidence

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/imsforensic/imsforensic/model"
)

// A small writer of the documented .evtx layout (libyal's EVTX format
// description), for tests only: it writes what Event Viewer writes for a
// classic (pre-Vista style) source such as MSExchangeIMC, whose events
// no public sample holds. One template per chunk, defined inline in the
// chunk's first record and referenced by offset from the others; names
// inline at first use and referenced after. As Windows does for classic
// events (seen in testdata/evtx/system-dirty.evtx), EventData is a BinXml
// value holding an instance of a second template:
// <EventData><Data>%1 (string array)</Data><Binary>%3</Binary></EventData>.
// The reader must never be tuned to it beyond what the format says.

// EVTXTestEvent is one event to write (exported for the evidence_test
// package's triage test).
type EVTXTestEvent struct {
	RecordID   uint64
	Time       time.Time
	Provider   string
	EventID    uint16
	Qualifiers uint16
	Level      uint8
	Task       uint16
	Computer   string
	Strings    []string
	Data       []byte
}

// EVTXFromEvents turns events read from a .evt into what a current Event
// Viewer saves as .evtx: same source, ID, level, category, computer,
// strings and data, record numbers in order.
func EVTXFromEvents(evs []model.Event) []byte {
	var out []EVTXTestEvent
	for i, e := range evs {
		te := EVTXTestEvent{RecordID: uint64(i + 1), Time: e.Time, Provider: e.Source, EventID: uint16(e.EventID), Computer: e.Computer, Data: e.Data}
		switch e.Level {
		case "error":
			te.Level, te.Qualifiers = 2, 0xC000
		case "warning":
			te.Level, te.Qualifiers = 3, 0x8000
		default:
			te.Level, te.Qualifiers = 4, 0x4000
		}
		if n, err := strconv.ParseUint(e.Category, 10, 16); err == nil {
			te.Task = uint16(n)
		}
		for _, s := range e.Strings {
			te.Strings = append(te.Strings, string(s))
		}
		out = append(out, te)
	}
	return buildEVTX(out)
}

// exchangeIncident: the IMS stop of KB Q197792 as a saved .evtx would
// hold it.
func exchangeIncident() []EVTXTestEvent {
	t0 := time.Date(2001, 3, 14, 15, 32, 11, 0, time.UTC)
	data := binary.LittleEndian.AppendUint32(nil, 0x0001037f)
	data = binary.LittleEndian.AppendUint32(data, 0x80004005)
	return []EVTXTestEvent{
		{RecordID: 1, Time: t0, Provider: "MSExchangeIMC", EventID: 4116, Qualifiers: 0xC000, Level: 2, Task: 9, Computer: "EXCH1",
			Strings: []string{"0x80040115"}},
		{RecordID: 2, Time: t0.Add(time.Second), Provider: "MSExchangeIMC", EventID: 4117, Qualifiers: 0xC000, Level: 2, Task: 9, Computer: "EXCH1",
			Strings: []string{"P4KQ7M2A"}, Data: data},
		{RecordID: 3, Time: t0.Add(2 * time.Second), Provider: "MSExchangeIMC", EventID: 1001, Qualifiers: 0x4000, Level: 4, Task: 2, Computer: "EXCH1"},
	}
}

type evtxWriter struct {
	c     []byte // the chunk being written, from its first byte
	names map[string]uint32
	tmpl  uint32 // offset of the chunk's event template definition, 0 = none yet
	data  uint32 // offset of its EventData template definition
}

func (w *evtxWriter) u8(v byte)    { w.c = append(w.c, v) }
func (w *evtxWriter) u16(v uint16) { w.c = binary.LittleEndian.AppendUint16(w.c, v) }
func (w *evtxWriter) u32(v uint32) { w.c = binary.LittleEndian.AppendUint32(w.c, v) }
func (w *evtxWriter) u64(v uint64) { w.c = binary.LittleEndian.AppendUint64(w.c, v) }
func (w *evtxWriter) put32(at int, v uint32) {
	binary.LittleEndian.PutUint32(w.c[at:], v)
}

func (w *evtxWriter) utf16(s string) {
	for _, u := range utf16.Encode([]rune(s)) {
		w.u16(u)
	}
}

// name writes a name offset, and the name itself right after when it is
// its first use in the chunk.
func (w *evtxWriter) name(s string) {
	if off, ok := w.names[s]; ok {
		w.u32(off)
		return
	}
	off := uint32(len(w.c) + 4)
	w.names[s] = off
	w.u32(off)
	w.u32(0) // next name in the hash chain
	w.u16(0) // hash (not checked by readers)
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.utf16(s)
	w.u16(0)
}

type evtxAttr struct {
	name string
	sub  int // substitution index, -1 for the literal text lit
	typ  byte
	lit  string
}

// open writes an element start; it returns the offset of its data size
// field, to be patched by close.
func (w *evtxWriter) open(name string, attrs ...evtxAttr) int {
	tok := byte(bxOpenStart)
	if len(attrs) > 0 {
		tok |= bxHasMore
	}
	w.u8(tok)
	w.u16(0xFFFF) // dependency identifier: none
	size := len(w.c)
	w.u32(0)
	w.name(name)
	if len(attrs) > 0 {
		list := len(w.c)
		w.u32(0)
		for i, a := range attrs {
			tok := byte(bxAttribute)
			if i < len(attrs)-1 {
				tok |= bxHasMore
			}
			w.u8(tok)
			w.name(a.name)
			if a.sub < 0 {
				w.text(a.lit)
			} else {
				w.sub(a.sub, a.typ)
			}
		}
		w.put32(list, uint32(len(w.c)-list-4))
	}
	return size
}

func (w *evtxWriter) sub(i int, typ byte) {
	w.u8(bxNormalSubst)
	w.u16(uint16(i))
	w.u8(typ)
}

func (w *evtxWriter) text(s string) {
	w.u8(bxValue)
	w.u8(vtString)
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.utf16(s)
}

// leaf writes <name attrs>content</name>, content written by fill, or
// <name attrs/> when fill is nil.
func (w *evtxWriter) leaf(name string, fill func(), attrs ...evtxAttr) {
	size := w.open(name, attrs...)
	if fill == nil {
		w.u8(bxCloseEmpty)
	} else {
		w.u8(bxCloseStart)
		fill()
		w.u8(bxEndElement)
	}
	w.put32(size, uint32(len(w.c)-size-4))
}

// Substitution slots of the classic-event template.
const (
	slotProvider = iota
	slotQualifiers
	slotEventID
	slotLevel
	slotTask
	slotKeywords
	slotTime
	slotRecordID
	slotChannel
	slotComputer
	slotEventData
	slotCount
)

// definition writes a template definition: next offset, GUID, size,
// then a fragment with the element tree written by body.
func (w *evtxWriter) definition(body func()) {
	w.u32(0)                               // next definition
	w.c = append(w.c, make([]byte, 16)...) // GUID
	size := len(w.c)
	w.u32(0)
	w.c = append(w.c, bxFragmentHeader, 1, 1, 0)
	body()
	w.u8(bxEOF)
	w.put32(size, uint32(len(w.c)-size-4))
}

// eventTemplate: <Event><System>...</System>%10</Event>.
func (w *evtxWriter) eventTemplate() {
	w.leaf("Event", func() {
		w.leaf("System", func() {
			w.leaf("Provider", nil, evtxAttr{name: "Name", sub: slotProvider, typ: vtString})
			w.leaf("EventID", func() { w.sub(slotEventID, vtUint16) }, evtxAttr{name: "Qualifiers", sub: slotQualifiers, typ: vtUint16})
			w.leaf("Level", func() { w.sub(slotLevel, vtUint8) })
			w.leaf("Task", func() { w.sub(slotTask, vtUint16) })
			w.leaf("Keywords", func() { w.sub(slotKeywords, vtHex64) })
			w.leaf("TimeCreated", nil, evtxAttr{name: "SystemTime", sub: slotTime, typ: vtFileTime})
			w.leaf("EventRecordID", func() { w.sub(slotRecordID, vtUint64) })
			w.leaf("Channel", func() { w.sub(slotChannel, vtString) })
			w.leaf("Computer", func() { w.sub(slotComputer, vtString) })
		})
		w.optional(slotEventData, vtBinXML)
	}, evtxAttr{name: "xmlns", sub: -1, lit: "http://schemas.microsoft.com/win/2004/08/events/event"})
}

func (w *evtxWriter) dataTemplate() {
	w.leaf("EventData", func() {
		w.leaf("Data", func() { w.optional(0, vtString|vtArray) })
		w.leaf("Binary", func() { w.optional(2, vtBinary) })
	})
}

func (w *evtxWriter) optional(i int, typ byte) {
	w.u8(bxOptionalSubst)
	w.u16(uint16(i))
	w.u8(typ)
}

// instance writes a template instance: the definition inline the first
// time (*def == 0) and by offset after, then the values.
func (w *evtxWriter) instance(def *uint32, body func(), values []evtxValue) {
	w.u8(bxTemplate)
	w.u8(1)
	w.u32(0) // template identifier
	if *def == 0 {
		*def = uint32(len(w.c) + 4)
		w.u32(*def)
		w.definition(body)
	} else {
		w.u32(*def)
	}
	w.u32(uint32(len(values)))
	desc := len(w.c)
	w.c = append(w.c, make([]byte, 4*len(values))...)
	for i, v := range values {
		at := len(w.c)
		if v.write != nil {
			v.write()
		}
		binary.LittleEndian.PutUint16(w.c[desc+4*i:], uint16(len(w.c)-at))
		w.c[desc+4*i+2] = v.typ
	}
}

type evtxValue struct {
	typ   byte
	write func()
}

func toFiletime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}

// record appends one event record to the chunk.
func (w *evtxWriter) record(e EVTXTestEvent) {
	start := len(w.c)
	w.c = append(w.c, evtxRecordSignature...)
	w.u32(0) // size, patched below
	w.u64(e.RecordID)
	w.u64(toFiletime(e.Time))
	w.c = append(w.c, bxFragmentHeader, 1, 1, 0)
	values := make([]evtxValue, slotCount)
	values[slotProvider] = evtxValue{vtString, func() { w.utf16(e.Provider) }}
	values[slotQualifiers] = evtxValue{vtUint16, func() { w.u16(e.Qualifiers) }}
	values[slotEventID] = evtxValue{vtUint16, func() { w.u16(e.EventID) }}
	values[slotLevel] = evtxValue{vtUint8, func() { w.u8(e.Level) }}
	values[slotTask] = evtxValue{vtUint16, func() { w.u16(e.Task) }}
	values[slotKeywords] = evtxValue{vtHex64, func() { w.u64(0x0080000000000000) }} // EventlogClassic
	values[slotTime] = evtxValue{vtFileTime, func() { w.u64(toFiletime(e.Time)) }}
	values[slotRecordID] = evtxValue{vtUint64, func() { w.u64(e.RecordID) }}
	values[slotChannel] = evtxValue{vtString, func() { w.utf16("Application") }}
	values[slotComputer] = evtxValue{vtString, func() { w.utf16(e.Computer) }}
	values[slotEventData] = evtxValue{vtBinXML, func() {
		strs := evtxValue{typ: vtNull}
		if len(e.Strings) > 0 {
			strs = evtxValue{vtString | vtArray, func() {
				for _, s := range e.Strings {
					w.utf16(s)
					w.u16(0)
				}
			}}
		}
		bin := evtxValue{typ: vtNull}
		if len(e.Data) > 0 {
			bin = evtxValue{vtBinary, func() { w.c = append(w.c, e.Data...) }}
		}
		w.c = append(w.c, bxFragmentHeader, 1, 1, 0)
		w.instance(&w.data, w.dataTemplate, []evtxValue{strs, {vtUint32, func() { w.u32(0) }}, bin})
		w.u8(bxEOF)
	}}
	w.instance(&w.tmpl, w.eventTemplate, values)
	w.u8(bxEOF)
	w.u32(uint32(len(w.c) - start + 4))
	w.put32(start+4, uint32(len(w.c)-start))
}

// buildEVTX writes a clean (not dirty) file: a header, then as many chunks
// as the events need, every CRC32 right.
func buildEVTX(evs []EVTXTestEvent) []byte {
	le := binary.LittleEndian
	var chunks [][]byte
	for len(evs) > 0 || len(chunks) == 0 {
		w := &evtxWriter{c: make([]byte, evtxChunkHeaderSize), names: map[string]uint32{}}
		copy(w.c, evtxChunkSignature)
		var first, last uint64
		lastOff := 0
		for len(evs) > 0 {
			before := len(w.c)
			w.record(evs[0])
			if len(w.c) > evtxChunkSize {
				w.c = w.c[:before] // the next chunk takes it
				break
			}
			if first == 0 {
				first = evs[0].RecordID
			}
			last, lastOff = evs[0].RecordID, before
			evs = evs[1:]
		}
		if first == 0 && len(evs) > 0 {
			panic("evtxwriter: a record larger than a chunk")
		}
		free := len(w.c)
		c := append(w.c, make([]byte, evtxChunkSize-len(w.c))...)
		le.PutUint64(c[8:], first)
		le.PutUint64(c[16:], last)
		le.PutUint64(c[24:], first)
		le.PutUint64(c[32:], last)
		le.PutUint32(c[40:], 128)
		le.PutUint32(c[44:], uint32(lastOff))
		le.PutUint32(c[48:], uint32(free))
		le.PutUint32(c[52:], crc32.ChecksumIEEE(c[evtxChunkHeaderSize:free]))
		le.PutUint32(c[124:], crc32.Update(crc32.ChecksumIEEE(c[:120]), crc32.IEEETable, c[128:evtxChunkHeaderSize]))
		chunks = append(chunks, c)
	}
	h := make([]byte, evtxFileHeaderSize)
	copy(h, evtxFileSignature)
	le.PutUint64(h[16:], uint64(len(chunks)-1))
	le.PutUint64(h[24:], uint64(le.Uint64(chunks[len(chunks)-1][16:])+1))
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1)
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], evtxFileHeaderSize)
	le.PutUint16(h[42:], uint16(len(chunks)))
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	out := h
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}
