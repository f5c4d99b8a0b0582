package corpus

import (
	"bytes"
	"encoding/binary"
)

// Model spool envelope (docs/corpus.md). The real layout between ImCr and
// EwLs is undocumented (ims-kb.md 1.5, 9); this is a model shaped after
// the one rendered sample in KB Q190709, with variations (field order,
// padding, an optional leading byte run) so no reader can rely on fixed
// offsets.
const (
	fieldHelo    = 0x01
	fieldHost    = 0x02
	fieldFrom    = 0x03
	fieldMTSID   = 0x04
	fieldOpaque  = 0x05
	fieldRcpt    = 0x06
	fieldRetries = 0x07
)

var fieldOrders = [][]byte{
	{fieldHelo, fieldHost, fieldFrom, fieldMTSID, fieldOpaque},
	{fieldHost, fieldHelo, fieldMTSID, fieldFrom, fieldOpaque},
	{fieldHelo, fieldHost, fieldOpaque, fieldFrom, fieldMTSID},
}

// putField appends one envelope field: tag byte, u16 LE length, then the
// NUL-terminated string padded with 0-3 more NULs (the length covers the
// padding).
func (g *gen) putField(e *bytes.Buffer, tag byte, s []byte) {
	pad := 1 + g.rng.IntN(4)
	e.WriteByte(tag)
	_ = binary.Write(e, binary.LittleEndian, uint16(len(s)+pad))
	e.Write(s)
	e.Write(make([]byte, pad))
}

// opaque returns n bytes that are neither printable ASCII nor marker
// material, like the binary fields seen in Q190709.
func (g *gen) opaque(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		v := byte(g.rng.IntN(64))
		if v < 32 {
			b[i] = v
		} else {
			b[i] = 0x80 + (v-32)*3
		}
	}
	return b
}

// writeEnvelope appends the model envelope of m: the prologue, the fields,
// the recipients and the EwLs marker (left out for a broken-markers file).
func (g *gen) writeEnvelope(e *bytes.Buffer, m *mail) {
	if g.rng.IntN(4) == 0 {
		e.Write(g.opaque(1 + g.rng.IntN(3))) // some builds write a longer prologue
	}
	e.WriteByte(0xF7)
	e.WriteString("ImCr")
	var flags uint16
	if m.dir == "OUT" {
		flags = 1
	}
	_ = binary.Write(e, binary.LittleEndian, uint16(0x0505))
	_ = binary.Write(e, binary.LittleEndian, flags)
	_ = binary.Write(e, binary.LittleEndian, uint32(m.t.Unix()))
	_ = binary.Write(e, binary.LittleEndian, g.seq)
	g.seq++
	e.Write(make([]byte, g.rng.IntN(8)))
	helo, host := m.helo, m.host
	if m.dir == "OUT" {
		helo, host = g.fqdn, "MTS-OUT"
	}
	for _, f := range fieldOrders[g.rng.IntN(len(fieldOrders))] {
		switch f {
		case fieldHelo:
			g.putField(e, f, []byte(helo))
		case fieldHost:
			g.putField(e, f, []byte(host))
		case fieldFrom:
			g.putField(e, f, []byte("<"+m.envFrom+">"))
		case fieldMTSID:
			g.putField(e, f, []byte(m.mtsID))
		case fieldOpaque:
			g.putField(e, f, g.opaque(4+g.rng.IntN(13)))
		}
	}
	if m.dir == "OUT" {
		g.putField(e, fieldRetries, []byte{byte(g.rng.IntN(4)), 0, 0})
	}
	n := len(m.rcpts)
	if m.envNoRcpt {
		n = 0
	}
	_ = binary.Write(e, binary.LittleEndian, uint32(n))
	for _, r := range m.rcpts[:n] {
		g.putField(e, fieldRcpt, []byte("<"+r+">"))
	}
	if !m.envNoEwLs {
		e.WriteString("EwLs")
	}
}

// writeXSender appends the Pickup envelope: x-sender / x-receiver lines
// before the RFC 822 headers (KB Q201314, Q221384).
func writeXSender(e *bytes.Buffer, m *mail) {
	e.WriteString("x-sender: " + m.envFrom + "\r\n")
	for _, r := range m.rcpts {
		e.WriteString("x-receiver: " + r + "\r\n")
	}
}
