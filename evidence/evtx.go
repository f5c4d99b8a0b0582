package evidence

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/imsforensic/imsforensic/model"
)

// Windows XML Event Log (.evtx, Vista and later), after libyal's "Windows
// XML Event Log (EVTX) format" (file header, chunk, event record) and
// [MS-EVEN6]. All integers are little-endian. A file is a 4096-byte header
// then 64 KiB chunks; each chunk holds a 512-byte header, event records,
// and the names and template definitions its records share.
//
// What the reader trusts, and why:
//   - A file header without its signature (overwritten or zeroed) is
//     reported and its chunks are read all the same, and so are the chunks
//     of a file that starts with one (carved, or cut out of a log):
//     evtxexport opens neither.
//   - The file header's chunk count is not believed: a log copied while the
//     Event Log service ran is "dirty" and its header lags behind its
//     chunks, so every chunk to the end of the file is tried (Event Viewer
//     does the same). A header whose CRC32 fails is reported; the chunks are
//     still read, since nothing in them depends on it.
//   - A chunk is read when its signature holds. Its header gives the end
//     of the records (the free space offset) and is the scope of every
//     offset inside them; when the header CRC32 fails the chunk is counted
//     damaged but its records are still read one by one, each checked on
//     its own, as evtxexport reads them (a copied live log can hold a chunk
//     whose header lags behind its records). A free space offset outside
//     the chunk is not believed: the records are then walked to the end of
//     the chunk. An all-zero chunk is unused space, not damage.
//   - When the CRC32 of a chunk's records fails (the chunk was being written
//     when the file was copied), the chunk is counted damaged, but each
//     record whose size, trailing copy of the size and BinXML all check out
//     is still read: losing intact records helps no one. Version 3.2 chunks
//     flagged "no CRC32" are not checked.
//   - A torn record (its size and the trailing copy disagree) does not end
//     the walk of its chunk: it goes on from the next sound record header.
//   - Records found outside the live records are recovered, as evtxexport's
//     "-m recovered" and the .evt reader's slack scan do: sound records in
//     the space past a chunk's free space offset (left there from the
//     chunk's earlier use when the log wrapped or was cleared), and sound
//     records in a chunk whose signature is gone (its header, and with it
//     the templates and names defined before the damage, may be lost: the
//     records that need them cannot be read). They are marked Recovered,
//     and a recovered copy of a record also read live is dropped
//     (dedupRecords). A recovered record that cannot be read is told in a
//     warning, not counted damaged: slack space is expected to hold
//     fragments.
//   - A recovered record's chunk may have been reused since it was written,
//     and what its offsets point at may now belong to other records. It is
//     read only when everything it points at still checks out: each
//     template instance names the definition it points at (the first 4
//     bytes of its GUID), that definition starts as a template does (a
//     fragment header or an element), each name's hash and NUL hold, the
//     BinXML ends where the record does (to its 8-byte padding), and the
//     provider name is text, not control characters. Every live record of
//     the committed samples passes these checks (TestEVTXTemplateIDCheck),
//     and of the 107,000 live records of the public logs swept
//     (docs/robustness.md) all but two end where their record does.
//     evtxexport reads such records anyway and renders what is there now.
//
// Accounting (model.EvidenceFile): Damaged counts each record that could
// not be read (torn, bad size, bad BinXML) and each chunk that could not
// be read at all, as one (how many records it held is unknown); each is
// told as a warning, since a copied live log is expected to hold some. A
// file cut short, or one with neither the file signature nor a chunk
// where the first belongs, is an error (the run is partial); so is
// reaching a limit of Options.
//
// The stream is read one chunk at a time: memory is one chunk plus the
// events, whatever the file size.
const (
	evtxFileHeaderSize  = 4096
	evtxChunkSize       = 64 << 10
	evtxChunkHeaderSize = 512
	evtxRecordHeader    = 24
	evtxNoCRC           = 0x4 // file and chunk flag of format 3.2: no CRC32 written
	evtxFileDirty       = 0x1
	maxUnparsedIDs      = 4096
)

var (
	evtxFileSignature   = []byte("ElfFile\x00")
	evtxChunkSignature  = []byte("ElfChnk\x00")
	evtxRecordSignature = []byte{0x2a, 0x2a, 0, 0}
)

// EVTXOptions bounds the .evtx reader on hostile input. Zero values are
// the defaults; -1 means unlimited (not recommended).
type EVTXOptions struct {
	// MaxDepth caps the nesting of BinXML: elements, template instances
	// and BinXml values together. 0 = 64.
	MaxDepth int
	// MaxChunkTokens caps the work spent on one chunk: BinXML tokens read
	// plus elements built. A real chunk needs a few tens of thousands.
	// 0 = 2,000,000. Going over it counts the chunk damaged and keeps its
	// events read so far.
	MaxChunkTokens int
}

func (o EVTXOptions) withDefaults() EVTXOptions {
	o.MaxDepth = intLimit(o.MaxDepth, 64)
	o.MaxChunkTokens = intLimit(o.MaxChunkTokens, 2_000_000)
	return o
}

// evtxRecord is what the reader takes from one event record.
type evtxRecord struct {
	Offset     int64 // file offset of the record
	ID         uint64
	Written    time.Time // record header
	Created    time.Time // System/TimeCreated@SystemTime
	Provider   string    // System/Provider@Name
	SourceName string    // System/Provider@EventSourceName
	EventID    uint32    // System/EventID, the low 16 bits
	Qualifiers uint32    // System/EventID@Qualifiers (the high 16 bits)
	Level      int       // System/Level, -1 when absent
	Keywords   uint64
	Task       uint32
	Computer   string
	User       string  // System/Security@UserID, a SID
	Strings    []bxVal // EventData/Data and ComplexData, or the values of UserData
	Data       []byte  // EventData/Binary
	// Recovered: found outside the live records of a readable chunk (its
	// slack space, or a chunk without signature).
	Recovered bool
}

// evtxStats counts what one file held.
type evtxStats struct {
	Chunks  int // chunks in use (an all-zero chunk is unused space)
	Damaged int // of those, chunks that failed a check
	Records int // read, the recovered ones included
	// Recovered counts the records read from slack space and from chunks
	// without a signature.
	Recovered int
	// Unparsed lists the record numbers of the blocks the recovery scan
	// found sound (signature, size, trailing copy) that did not parse,
	// up to maxUnparsedIDs: the oracle tests match them with the records
	// evtxexport finds there and cannot export either.
	Unparsed []uint64
	Dirty    bool // the header's dirty flag
	// HeaderChunks is the chunk count the file header claims; a dirty
	// file can hold more.
	HeaderChunks int
	HeaderOK     bool // signature and CRC32 of the file header
}

// isEVTX reports whether head starts with the .evtx file signature.
func isEVTX(head []byte) bool { return bytes.HasPrefix(head, evtxFileSignature) }

// looksEVTX reports whether head is an .evtx file, also one whose header
// is damaged (a chunk signature where the first chunk starts) or missing
// (a chunk at the start: carved, or cut out of a log).
func looksEVTX(head []byte) bool {
	return isEVTX(head) || bytes.HasPrefix(head, evtxChunkSignature) ||
		len(head) >= evtxFileHeaderSize+len(evtxChunkSignature) && bytes.Equal(head[evtxFileHeaderSize:evtxFileHeaderSize+len(evtxChunkSignature)], evtxChunkSignature)
}

func readEVTX(r io.Reader, name string, o *Options, p *problems) []model.Event {
	var events []model.Event
	cut := 0
	st := walkEVTX(r, o, p, func(rec *evtxRecord) bool {
		for _, s := range rec.Strings {
			// capString cuts at most 3 bytes short of the cap.
			if len(s.Text) > o.MaxStringBytes-4 {
				cut++
			}
		}
		events = append(events, evtxEvent(rec, name, o))
		if len(events) >= o.MaxEvents {
			p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
			return false
		}
		return true
	})
	if st.Damaged > 0 {
		p.warn("%d of %d chunks damaged", st.Damaged, st.Chunks)
	}
	if cut > 0 {
		// A PowerShell 4104 script block runs to 32,000 characters.
		p.warn("%d strings reached MaxStringBytes (%d bytes) and were cut there", cut, o.MaxStringBytes)
	}
	if st.Recovered == 0 {
		return events
	}
	p.warn("%d records recovered from slack space or damaged chunks (marked recovered)", st.Recovered)
	return dedupRecords(events)
}

// walkEVTX reads the file header and every chunk, and gives each record
// to fn until fn returns false. Problems go to p.
func walkEVTX(r io.Reader, o *Options, p *problems, fn func(*evtxRecord) bool) evtxStats {
	var st evtxStats
	hdr := make([]byte, evtxFileHeaderSize)
	n, err := io.ReadFull(r, hdr)
	base := int64(evtxFileHeaderSize) // file offset of chunk 0
	switch {
	case bytes.HasPrefix(hdr[:n], evtxChunkSignature):
		// A chunk where the file header should be: a chunk carved from a
		// disk or cut out of a log. Its records are what is left.
		p.warn("no file header: the file starts with a chunk (carved, or cut out of a log); its chunks are read")
		r, base = io.MultiReader(bytes.NewReader(hdr[:n]), r), 0
	case n == evtxFileHeaderSize && !isEVTX(hdr):
		// The header overwritten or zeroed, its chunks maybe not: a
		// damaged header is no reason to lose them.
		first := make([]byte, len(evtxChunkSignature))
		m, _ := io.ReadFull(r, first)
		if !bytes.Equal(first[:m], evtxChunkSignature) {
			p.addf("file header: no ElfFile signature, and no chunk after it: %w", ErrCorrupt)
			return st
		}
		p.warn("file header damaged (no ElfFile signature); its chunks are read")
		r = io.MultiReader(bytes.NewReader(first), r)
	case n < 128 || !isEVTX(hdr):
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			p.addf("read file header: %w", err)
		} else {
			p.addf("file header: %d bytes, no ElfFile signature: %w", n, ErrCorrupt)
		}
		return st
	default:
		flags := binary.LittleEndian.Uint32(hdr[120:])
		st.Dirty = flags&evtxFileDirty != 0
		st.HeaderChunks = int(binary.LittleEndian.Uint16(hdr[42:]))
		if flags&evtxNoCRC != 0 || crc32.ChecksumIEEE(hdr[:120]) == binary.LittleEndian.Uint32(hdr[124:]) {
			st.HeaderOK = true
		} else {
			p.warn("file header CRC32 mismatch (its chunks are read anyway)")
		}
		if n < evtxFileHeaderSize {
			p.addf("file ends inside its header (%d bytes): %w", n, ErrTruncated)
			return st
		}
	}
	// Header block size: 4096 in every file seen; the chunks follow it.
	chunk := make([]byte, evtxChunkSize)
	for index := 0; ; index++ {
		off := base + int64(index)*evtxChunkSize
		n, err := io.ReadFull(r, chunk)
		if n == 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				p.addf("read chunk %d: %w", index, err)
			}
			return st
		}
		if n < evtxChunkSize {
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				p.addf("read chunk %d: %w", index, err)
			}
			if allZero(chunk[:n]) {
				return st
			}
			// A cut file: the records wholly before the cut are read from
			// the chunk, zero-filled past it (its records CRC32 then fails
			// and the walk stops at the cut record).
			st.Damaged++
			st.Chunks++
			p.damaged++ // the record the cut went through
			p.addf("chunk %d at offset %d: file ends after %d of its %d bytes: %w", index, off, n, evtxChunkSize, ErrTruncated)
			clear(chunk[n:])
			if n >= evtxChunkHeaderSize {
				quiet := &problems{name: p.name}
				var cst evtxStats
				readEVTXChunk(chunk, index, off, o, quiet, &cst, fn)
				st.Records += cst.Records
			}
			return st
		}
		more, damaged := readEVTXChunk(chunk, index, off, o, p, &st, fn)
		if damaged {
			st.Damaged++
		}
		if !more {
			return st
		}
	}
}

// readEVTXChunk checks one chunk and walks its records. It reports
// whether to go on and whether the chunk was damaged.
func readEVTXChunk(chunk []byte, index int, off int64, o *Options, p *problems, st *evtxStats, fn func(*evtxRecord) bool) (more, damaged bool) {
	le := binary.LittleEndian
	if !bytes.HasPrefix(chunk, evtxChunkSignature) {
		if allZero(chunk) {
			return true, false
		}
		st.Chunks++
		n, unread, limit := recoverEVTXRecords(newBXParser(chunk, o), chunk, evtxChunkHeaderSize, off, st, fn)
		if n < 0 {
			return false, true
		}
		if limit != nil {
			p.addf("chunk %d: %w", index, limit)
		}
		p.damage("chunk %d at offset %d: no ElfChnk signature; %s", index, off, recoveredText(n, unread))
		return true, true
	}
	st.Chunks++
	flags := le.Uint32(chunk[120:])
	checked := flags&evtxNoCRC == 0
	headerBad := false
	if checked {
		c := crc32.Update(crc32.ChecksumIEEE(chunk[:120]), crc32.IEEETable, chunk[128:evtxChunkHeaderSize])
		if c != le.Uint32(chunk[124:]) {
			p.warn("chunk %d at offset %d: header CRC32 mismatch; its records are read one by one", index, off)
			headerBad = true
		}
	}
	free, freeKnown := int(le.Uint32(chunk[48:])), true
	if free < evtxChunkHeaderSize || free > evtxChunkSize {
		p.warn("chunk %d at offset %d: free space offset %d outside the chunk; its records are read as far as their sizes chain them, the rest of the chunk as slack space", index, off, free)
		free, headerBad = evtxChunkSize, true
		checked = false // the records CRC32 covers up to a free space offset we do not have
		freeKnown = false
	}
	crcBad := checked && crc32.ChecksumIEEE(chunk[evtxChunkHeaderSize:free]) != le.Uint32(chunk[52:])
	before := p.damaged
	defer func() {
		// Told only when no damaged record explains it.
		if crcBad && p.damaged == before {
			p.warn("chunk %d at offset %d: records CRC32 mismatch; its records are read", index, off)
		}
	}()
	damaged = crcBad || headerBad
	bp := newBXParser(chunk, o)
	slack := free
	for pos := evtxChunkHeaderSize; pos+evtxRecordHeader+4 <= free; {
		if !freeKnown && (!bytes.Equal(chunk[pos:pos+4], evtxRecordSignature) || !soundEVTXRecord(chunk, pos)) {
			// Without the free space offset the end of the live records is
			// where their chain of sizes ends.
			slack = pos
			break
		}
		if !bytes.Equal(chunk[pos:pos+4], evtxRecordSignature) {
			if allZero(chunk[pos:free]) {
				break
			}
			next := nextEVTXRecord(chunk, pos+1, free)
			p.damage("chunk %d: no record signature at chunk offset %d; %s", index, pos, resumeText(next))
			damaged = true
			if next < 0 {
				break
			}
			pos = next
			continue
		}
		if !soundEVTXRecord(chunk, pos) {
			next := nextEVTXRecord(chunk, pos+1, free)
			p.damage("chunk %d: record at chunk offset %d: size %d and its trailing copy disagree (torn record); %s", index, pos, le.Uint32(chunk[pos+4:]), resumeText(next))
			damaged = true
			if next < 0 {
				break
			}
			pos = next
			continue
		}
		size := int(le.Uint32(chunk[pos+4:]))
		rec, err := parseEVTXRecord(bp, chunk, pos, size)
		rec.Offset = off + int64(pos)
		if err != nil {
			damaged = true
			if errors.Is(err, ErrLimitExceeded) {
				// The chunk's budget is spent: its slack space is not read.
				p.addf("chunk %d: record %d at offset %d: %w", index, rec.ID, rec.Offset, err)
				return true, damaged
			}
			p.damage("chunk %d: record %d at offset %d: %v", index, rec.ID, rec.Offset, err)
		} else {
			st.Records++
			if !fn(&rec) {
				return false, damaged
			}
		}
		pos += size
	}
	if slack < evtxChunkSize {
		// The same parser: one token budget for the chunk, live and slack.
		n, unread, limit := recoverEVTXRecords(bp, chunk, slack, off, st, fn)
		if n < 0 {
			return false, damaged
		}
		if limit != nil {
			p.addf("chunk %d: slack space: %w", index, limit)
		}
		if n > 0 || unread > 0 {
			// Fragments alone are what slack space holds: not worth a
			// word; a sound record that cannot be read is (a cleared or
			// wrapped log's older records, their templates overwritten).
			p.warn("chunk %d at offset %d: slack space from chunk offset %d: %s", index, off, slack, recoveredText(n, unread))
		}
	}
	return true, damaged
}

// recoverEVTXRecords reads the sound records of chunk from offset from to
// its end, found by their signature and by a size that agrees with its
// trailing copy, as Recovered records; a candidate is skipped by its
// first byte only, so a false start cannot hide a record inside it. It
// returns how many were read and how many failed their BinXML, or -1 when
// fn asked to stop. bp is the chunk's parser (its token budget is the
// chunk's); from here on it checks template identifiers. A record that
// spends the budget ends the scan with limit.
func recoverEVTXRecords(bp *bxParser, chunk []byte, from int, off int64, st *evtxStats, fn func(*evtxRecord) bool) (read, unread int, limit error) {
	bp.checkTemplateID = true
	for pos := nextEVTXRecord(chunk, from, len(chunk)); pos >= 0; {
		size := int(binary.LittleEndian.Uint32(chunk[pos+4:]))
		rec, err := parseEVTXRecord(bp, chunk, pos, size)
		rec.Offset = off + int64(pos)
		rec.Recovered = true
		next := pos + size
		if errors.Is(err, ErrLimitExceeded) {
			return read, unread, fmt.Errorf("record at offset %d: %w", rec.Offset, err)
		}
		if err != nil {
			unread++
			if len(st.Unparsed) < maxUnparsedIDs {
				st.Unparsed = append(st.Unparsed, rec.ID)
			}
			next = pos + 1
		} else {
			read++
			st.Records++
			st.Recovered++
			if !fn(&rec) {
				return -1, unread, nil
			}
		}
		pos = nextEVTXRecord(chunk, next, len(chunk))
	}
	return read, unread, nil
}

// recoveredText says what a recovery scan of a chunk found.
func recoveredText(read, unread int) string {
	switch {
	case read == 0 && unread == 0:
		return "no sound record in it"
	case unread == 0:
		return fmt.Sprintf("%d records recovered", read)
	}
	return fmt.Sprintf("%d records recovered, %d more found that do not parse (fragments, or records whose templates or names were overwritten)", read, unread)
}

// soundEVTXRecord reports whether the record header at pos has a size
// that stays in the chunk and agrees with the record's trailing copy.
func soundEVTXRecord(chunk []byte, pos int) bool {
	size := int(binary.LittleEndian.Uint32(chunk[pos+4:]))
	return size >= evtxRecordHeader+4 && pos+size <= len(chunk) && int(binary.LittleEndian.Uint32(chunk[pos+size-4:])) == size
}

// nextEVTXRecord finds the first sound record header at or after from and
// before free, or -1. A damaged or torn record would otherwise hide every
// sound record after it in its chunk: their sizes chain them, and the
// templates they use are found by chunk offset, not through the record
// that defined them, so they can be read on their own.
func nextEVTXRecord(chunk []byte, from, free int) int {
	for from+evtxRecordHeader+4 <= free {
		i := bytes.Index(chunk[from:free], evtxRecordSignature)
		if i < 0 {
			return -1
		}
		if pos := from + i; pos+evtxRecordHeader+4 <= free && soundEVTXRecord(chunk, pos) {
			return pos
		}
		from += i + 1
	}
	return -1
}

// resumeText says where the walk of a chunk goes on after damage.
func resumeText(next int) string {
	if next < 0 {
		return "the rest of the chunk is not read"
	}
	return fmt.Sprintf("read on from the next sound record at chunk offset %d", next)
}

// parseEVTXRecord reads one record: header, then its BinXML event.
func parseEVTXRecord(bp *bxParser, chunk []byte, pos, size int) (evtxRecord, error) {
	le := binary.LittleEndian
	rec := evtxRecord{ID: le.Uint64(chunk[pos+8:]), Level: -1}
	rec.Written, _ = filetime(le.Uint64(chunk[pos+16:]))
	c := &cursor{p: bp, pos: pos + evtxRecordHeader, end: pos + size - 4}
	nodes, err := c.fragment(0)
	if err != nil {
		return rec, fmt.Errorf("event: %w", wrapBinXML(err))
	}
	if bp.checkTemplateID && c.end-c.pos > 7 {
		// A record's BinXML ends at its end, padded to 8 bytes (all but
		// two of the 107,000 live records swept); one in slack space
		// whose BinXML ends early was overwritten inside.
		return rec, fmt.Errorf("event: BinXML ends %d bytes before the record does (overwritten): %w", c.end-c.pos, ErrCorrupt)
	}
	elems, err := bp.buildNodes(nodes, 0)
	if err != nil {
		return rec, fmt.Errorf("event: %w", wrapBinXML(err))
	}
	var ev *bxElem
	for _, e := range elems {
		if e.Name == "Event" {
			ev = e
			break
		}
	}
	if ev == nil {
		return rec, fmt.Errorf("event: no Event element: %w", ErrCorrupt)
	}
	fillEVTXRecord(&rec, ev, bp.o)
	if bp.checkTemplateID && (!plainText(rec.Provider) || !plainText(rec.SourceName)) {
		// A record in slack space whose values were overwritten while its
		// structure survived: a provider name with control characters is
		// no provider's (seen in a reused Security log's slack).
		return rec, fmt.Errorf("event: provider name %q is garbage (overwritten): %w", capString(rec.Provider, 64), ErrCorrupt)
	}
	return rec, nil
}

// plainText reports whether s has no control character and no U+FFFD.
func plainText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// wrapBinXML makes BinXML errors ErrCorrupt; limit errors stay limits.
func wrapBinXML(err error) error {
	if errors.Is(err, ErrLimitExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// fillEVTXRecord takes the fields of the Event element.
func fillEVTXRecord(rec *evtxRecord, ev *bxElem, o *Options) {
	sys := ev.child("System")
	if pr := sys.child("Provider"); pr != nil {
		rec.Provider, _ = pr.attr("Name")
		rec.SourceName, _ = pr.attr("EventSourceName")
	}
	if id := sys.child("EventID"); id != nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(id.text()), 10, 32); err == nil {
			rec.EventID = uint32(v) & 0xFFFF
		}
		if q, ok := id.attr("Qualifiers"); ok {
			if v, err := strconv.ParseUint(strings.TrimSpace(q), 10, 32); err == nil {
				rec.Qualifiers = uint32(v)
			}
		}
	}
	if l := sys.child("Level"); l != nil {
		if v, err := strconv.Atoi(strings.TrimSpace(l.text())); err == nil {
			rec.Level = v
		}
	}
	if k := sys.child("Keywords"); k != nil {
		rec.Keywords, _ = strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(k.text()), "0x"), 16, 64)
	}
	if t := sys.child("Task"); t != nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(t.text()), 10, 32); err == nil {
			rec.Task = uint32(v)
		}
	}
	if tc := sys.child("TimeCreated"); tc != nil {
		if s, ok := tc.attr("SystemTime"); ok {
			rec.Created, _ = time.Parse(time.RFC3339Nano, s)
		}
	}
	rec.Computer = capString(sys.child("Computer").text(), o.MaxStringBytes)
	if sec := sys.child("Security"); sec != nil {
		u, _ := sec.attr("UserID")
		rec.User = capString(u, o.MaxStringBytes)
	}

	if ed := ev.child("EventData"); ed != nil {
		for _, d := range ed.Kids {
			switch d.Name {
			case "Data", "ComplexData":
				// ComplexData (the event schema's structured EventData
				// item, e.g. Kernel-Processor-Power 26's IdleState) is an
				// insertion string like Data, as evtxexport lists it.
				rec.Strings = append(rec.Strings, dataStrings(d)...)
			case "Binary":
				rec.Data = binaryData(d, o)
			}
		}
	} else if ud := ev.child("UserData"); ud != nil && len(ud.Kids) > 0 {
		// UserData holds one provider-defined element; its values are the
		// event's strings, in document order. That element empty (as
		// Eventlog's 1100 <ServiceShutdown xmlns=.../>) gives none: the
		// event has no insertion strings, as evtxexport reads it.
		if top := ud.Kids[0]; len(top.Kids) > 0 || len(top.Text) > 0 || hasValueAttr(top) {
			userDataValues(top, &rec.Strings)
		}
	} else if pe := ev.child("ProcessingErrorData"); pe != nil {
		// Written instead of the event's data when the provider's payload
		// did not match its manifest (ErrorCode, DataItemName and the raw
		// EventPayload): its values are all that is left of the data.
		for _, k := range pe.Kids {
			userDataValues(k, &rec.Strings)
		}
	}
}

// dataStrings gives the strings of a Data element: one per substituted
// value (an array value gives one per element), none for a NULL value
// (the record had no insertion string there, as a .evt with NumStrings 0),
// and one for content that mixes literal text in.
func dataStrings(d *bxElem) []bxVal {
	if len(d.Text) == 0 {
		return []bxVal{{Type: vtString}}
	}
	var out []bxVal
	for _, v := range d.Text {
		if v.Literal {
			return []bxVal{{Type: vtString, Text: d.text()}}
		}
		if v.Type != vtNull {
			out = append(out, v)
		}
	}
	return out
}

// userDataValues lists the values of a UserData element in document
// order: each element's attributes (not its xmlns), then the text of a
// leaf. A leaf with neither text nor attributes gives an empty string.
// This is what evtxexport lists as the event's strings.
func userDataValues(e *bxElem, out *[]bxVal) {
	attrs := 0
	for _, a := range e.Attrs {
		if a.Name == "xmlns" || strings.HasPrefix(a.Name, "xmlns:") {
			continue
		}
		*out = append(*out, a.Val)
		attrs++
	}
	if len(e.Kids) == 0 {
		switch {
		case len(e.Text) == 1:
			*out = append(*out, e.Text[0])
		case len(e.Text) > 1 && !slices.ContainsFunc(e.Text, func(v bxVal) bool { return v.Literal }):
			// An array value (RestartManager 10005's Applications):
			// one string per element, as in EventData/Data.
			*out = append(*out, dataStrings(e)...)
		case len(e.Text) > 1:
			*out = append(*out, bxVal{Type: vtString, Text: e.text()})
		case attrs == 0:
			*out = append(*out, bxVal{Type: vtString})
		}
		return
	}
	for _, k := range e.Kids {
		userDataValues(k, out)
	}
}

// hasValueAttr reports whether e has an attribute that is not an xmlns.
func hasValueAttr(e *bxElem) bool {
	for _, a := range e.Attrs {
		if a.Name != "xmlns" && !strings.HasPrefix(a.Name, "xmlns:") {
			return true
		}
	}
	return false
}

// binaryData returns the bytes of EventData/Binary: the binary value, or
// the hex text a writer stored as a string.
func binaryData(d *bxElem, o *Options) []byte {
	var out []byte
	for _, v := range d.Text {
		if v.Bytes != nil {
			out = append(out, v.Bytes...)
		} else if b, err := hex.DecodeString(strings.TrimSpace(v.Text)); err == nil {
			out = append(out, b...)
		}
	}
	if len(out) > o.MaxDataBytes {
		out = out[:o.MaxDataBytes]
	}
	return out
}

// evtxEvent maps a record to the Event fields a .evt record gives.
func evtxEvent(rec *evtxRecord, name string, o *Options) model.Event {
	ev := newEvent("eventlog", name+"#record="+strconv.FormatUint(rec.ID, 10))
	ev.Record, ev.Offset = rec.ID, rec.Offset
	ev.Recovered = rec.Recovered
	ev.User = rec.User
	// TimeCreated is when the event was generated, the .evt TimeGenerated;
	// the record header's written time stands in when it is absent.
	ev.Time = rec.Created
	if ev.Time.IsZero() {
		ev.Time = rec.Written
	}
	// The classic source name, as Event Viewer shows it.
	ev.Source = rec.SourceName
	if ev.Source == "" {
		ev.Source = rec.Provider
	}
	ev.Source = capString(ev.Source, o.MaxStringBytes)
	ev.EventID = rec.EventID
	ev.Qualifiers = uint16(rec.Qualifiers)
	ev.Level = evtxLevel(rec.Level, rec.Keywords)
	if rec.Task != 0 {
		ev.Category = strconv.FormatUint(uint64(rec.Task), 10)
	}
	ev.Computer = rec.Computer
	for _, s := range rec.Strings {
		ev.Strings = append(ev.Strings, model.Text(capString(s.Text, o.MaxStringBytes)))
	}
	if len(rec.Data) > 0 {
		ev.Data = append(model.Bytes(nil), rec.Data...)
	}
	Enrich(&ev)
	return ev
}

// evtxLevel maps System/Level (and, for level 0, the audit keywords) to
// the level text the .evt reader uses.
func evtxLevel(level int, keywords uint64) string {
	const (
		auditFailure = 0x0010000000000000
		auditSuccess = 0x0020000000000000
	)
	switch level {
	case 0:
		switch {
		case keywords&auditFailure != 0:
			return "audit-failure"
		case keywords&auditSuccess != 0:
			return "audit-success"
		}
		return "information" // win:LogAlways, shown as Information
	case 1:
		return "critical"
	case 2:
		return "error"
	case 3:
		return "warning"
	case 4:
		return "information"
	case 5:
		return "verbose"
	}
	return ""
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
