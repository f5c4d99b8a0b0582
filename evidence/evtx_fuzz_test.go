package evidence

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixEVTXChecksums rewrites the file header CRC and every chunk's header
// and records CRC of b (a copy), so that mutated input reaches the record
// walk and the BinXML parser instead of stopping at a checksum.
func fixEVTXChecksums(b []byte) []byte {
	b = append([]byte(nil), b...)
	le := binary.LittleEndian
	if len(b) >= 128 {
		le.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	}
	for off := evtxFileHeaderSize; off+evtxChunkHeaderSize <= len(b); off += evtxChunkSize {
		c := b[off:min(off+evtxChunkSize, len(b))]
		if free := int(le.Uint32(c[48:])); free >= evtxChunkHeaderSize && free <= len(c) {
			le.PutUint32(c[52:], crc32.ChecksumIEEE(c[evtxChunkHeaderSize:free]))
		}
		le.PutUint32(c[124:], crc32.Update(crc32.ChecksumIEEE(c[:120]), crc32.IEEETable, c[128:evtxChunkHeaderSize]))
	}
	return b
}

// FuzzEVTX is seeded with the start of each sample: the file header and
// about 8 KiB of the first chunk (a cut file is read up to the cut), as
// the fuzzer works poorly on inputs of 64 KiB and more.
func FuzzEVTX(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "evtx", "*.evtx"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no samples: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), evtxFileHeaderSize+8<<10)])
	}
	f.Add(buildEVTX(exchangeIncident())[:evtxFileHeaderSize+4<<10])
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, FormatEVTX, data)
		start := time.Now()
		fuzzRead(t, FormatEVTX, fixEVTXChecksums(data))
		// Bounded time: a 1 MiB input is 16 chunks of bounded work.
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%d bytes took %v", len(data), d)
		}
	})
}
