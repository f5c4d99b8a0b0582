package sniff

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// tnefAttr is one attribute for tnefStream.
type tnefAttr struct {
	level byte
	id    uint32
	data  []byte
}

// tnefStream builds a TNEF stream as Outlook writes it: signature, a
// legacy key, then each attribute with its checksum.
func tnefStream(attrs ...tnefAttr) []byte {
	b := binary.LittleEndian.AppendUint32(nil, TNEFSignature)
	b = binary.LittleEndian.AppendUint16(b, 0x0001)
	for _, a := range attrs {
		b = append(b, a.level)
		b = binary.LittleEndian.AppendUint32(b, a.id)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(a.data)))
		b = append(b, a.data...)
		var sum uint16
		for _, c := range a.data {
			sum += uint16(c)
		}
		b = binary.LittleEndian.AppendUint16(b, sum)
	}
	return b
}

// A winmail.dat shaped stream: attTnefVersion, attOemCodepage,
// attMessageClass, an attachment's attAttachRendData and attAttachData.
var sampleTNEF = tnefStream(
	tnefAttr{1, 0x00089006, []byte{0x00, 0x00, 0x01, 0x00}},
	tnefAttr{1, 0x00069007, []byte{0xE4, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
	tnefAttr{1, 0x00078008, []byte("IPM.Microsoft Mail.Note\x00")},
	tnefAttr{2, 0x00069002, bytes.Repeat([]byte{0xFF}, 14)},
	tnefAttr{2, 0x0006800F, bytes.Repeat([]byte("{}%PDF-1.4 "), 40)},
)

func scanTNEF(chunks [][]byte) model.TNEFScan {
	var t TNEF
	for _, c := range chunks {
		_, _ = t.Write(c)
	}
	return t.Result()
}

func TestTNEF(t *testing.T) {
	badSum := bytes.Clone(sampleTNEF)
	badSum[len(badSum)-1] ^= 0x01
	badLevel := bytes.Clone(sampleTNEF)
	badLevel[6] = 3
	bigLen := tnefStream(tnefAttr{1, 0x00069003, bytes.Repeat([]byte{'x'}, 200)})
	binary.LittleEndian.PutUint32(bigLen[6+5:], 1048576)

	tests := []struct {
		name     string
		in       []byte
		want     model.TNEFScan
		problems TNEFProblem
	}{
		{"sample", sampleTNEF, model.TNEFScan{SignatureOK: true, Attributes: 5}, 0},
		{"no attributes", tnefStream(), model.TNEFScan{SignatureOK: true}, 0},
		{"empty attribute data", tnefStream(tnefAttr{2, 0x00069005, nil}), model.TNEFScan{SignatureOK: true, Attributes: 1}, 0},
		{"empty", nil, model.TNEFScan{Detail: "no signature: stream is 0 bytes"}, TNEFBadSignature},
		{"short", []byte{0x78, 0x9F}, model.TNEFScan{Detail: "no signature: stream is 2 bytes"}, TNEFBadSignature},
		{"bad signature", []byte("{\\rtf1 hello}"), model.TNEFScan{Detail: "signature 0x74725C7B, want 0x223E9F78"}, TNEFBadSignature},
		{"big-endian signature", append([]byte{0x22, 0x3E, 0x9F, 0x78}, sampleTNEF[4:]...),
			model.TNEFScan{Detail: "signature 0x789F3E22, want 0x223E9F78"}, TNEFBadSignature},
		{"key truncated", sampleTNEF[:5], model.TNEFScan{SignatureOK: true, Truncated: true,
			Detail: "legacy key truncated: stream is 5 bytes"}, TNEFTruncated},
		{"header truncated", sampleTNEF[:6+4], model.TNEFScan{SignatureOK: true, Truncated: true,
			Detail: "attribute 1 at offset 6: header truncated after 4 of 9 bytes"}, TNEFTruncated},
		{"data truncated", bigLen[:len(bigLen)-2], model.TNEFScan{SignatureOK: true, Truncated: true,
			Detail: "attribute 1 (id 0x00069003) declares 1048576 bytes, 200 left"}, TNEFTruncated},
		{"checksum truncated", sampleTNEF[:len(sampleTNEF)-1], model.TNEFScan{SignatureOK: true, Attributes: 4, Truncated: true,
			Detail: "attribute 5 (id 0x0006800F): checksum truncated after 1 of 2 bytes"}, TNEFTruncated},
		{"bad checksum", badSum, model.TNEFScan{SignatureOK: true, Attributes: 5,
			Detail: "attribute 5 (id 0x0006800F) checksum 0x7098, data sums to 0x7198"}, TNEFBadChecksum},
		{"bad level", badLevel, model.TNEFScan{SignatureOK: true,
			Detail: "attribute 1 at offset 6: level 0x03 (want 1 or 2), id 0x00089006"}, TNEFBadLevel},
		{"trailing zero byte", append(bytes.Clone(sampleTNEF), 0), model.TNEFScan{SignatureOK: true, Attributes: 5, Truncated: true,
			Detail: "attribute 6 at offset 551: header truncated after 1 of 9 bytes"}, TNEFTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkChunkings(t, tt.in, scanTNEF)
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			var w TNEF
			_, _ = w.Write(tt.in)
			if p := w.Problems(); p != tt.problems {
				t.Errorf("Problems() = %b, want %b", p, tt.problems)
			}
		})
	}
}

func TestTNEFLimit(t *testing.T) {
	attrs := make([]tnefAttr, MaxTNEFAttributes+10)
	for i := range attrs {
		attrs[i] = tnefAttr{level: 1, id: 0x00069007}
	}
	var w TNEF
	_, _ = w.Write(tnefStream(attrs...))
	got := w.Result()
	want := model.TNEFScan{SignatureOK: true, Attributes: MaxTNEFAttributes,
		Detail: "walk stopped after 100000 attributes (limit)"}
	if got != want || w.Problems() != TNEFLimit {
		t.Fatalf("got %+v (problems %b), want %+v", got, w.Problems(), want)
	}
}

func TestTNEFReset(t *testing.T) {
	var w TNEF
	_, _ = w.Write([]byte("junk"))
	w.Reset()
	_, _ = w.Write(sampleTNEF)
	if got := w.Result(); got != (model.TNEFScan{SignatureOK: true, Attributes: 5}) {
		t.Fatalf("after Reset: %+v", got)
	}
}

func FuzzTNEF(f *testing.F) {
	f.Add(sampleTNEF, uint16(7))
	f.Add(sampleTNEF[:40], uint16(3))
	f.Add(tnefStream(tnefAttr{2, 0x00069002, []byte{1, 2, 3}}), uint16(12))
	f.Add([]byte{0x78, 0x9F, 0x3E, 0x22, 0, 0, 1, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, uint16(9))
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		want := scanTNEF([][]byte{in})
		k := int(cut) % (len(in) + 1)
		if got := scanTNEF([][]byte{in[:k], in[k:]}); got != want {
			t.Fatalf("cut at %d: %+v, whole %+v", k, got, want)
		}
		if want.Attributes*11 > len(in) {
			t.Fatalf("%d attributes in %d bytes", want.Attributes, len(in))
		}
		if !want.SignatureOK && want.Attributes != 0 {
			t.Fatalf("attributes counted without a signature: %+v", want)
		}
		if (!want.SignatureOK || want.Truncated) && want.Detail == "" {
			t.Fatalf("defect without a detail: %+v", want)
		}
		if !want.SignatureOK && want.Truncated {
			t.Fatalf("truncated without a signature: %+v", want)
		}
	})
}

func BenchmarkTNEFWrite(b *testing.B) {
	data := bytes.Repeat([]byte("attachment bytes "), 1<<16)
	stream := tnefStream(tnefAttr{2, 0x0006800F, data})
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		var w TNEF
		for c := stream; len(c) > 0; {
			n := min(4096, len(c))
			_, _ = w.Write(c[:n])
			c = c[n:]
		}
		if r := w.Result(); r.Attributes != 1 {
			b.Fatal(r)
		}
	}
}
