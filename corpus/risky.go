package corpus

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// TNEF constants (MS-OXTNEF 2.1.3): the stream signature and a few
// message-level attributes.
const (
	tnefSignature     = 0x223E9F78
	attTnefVersion    = 0x00089006
	attOemCodepage    = 0x00069007
	attMessageClass   = 0x00078008
	attAttachRendData = 0x00069002
	attAttachTitle    = 0x00018010
	attAttachData     = 0x0006800F
)

func tnefAttr(t *bytes.Buffer, level byte, id uint32, data []byte) {
	t.WriteByte(level)
	_ = binary.Write(t, binary.LittleEndian, id)
	_ = binary.Write(t, binary.LittleEndian, uint32(len(data)))
	t.Write(data)
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	_ = binary.Write(t, binary.LittleEndian, sum)
}

// tnefStream builds a winmail.dat. A corrupt stream has a bad signature
// (variant 0) or is cut inside an attribute (variant 1): the tnef-corrupt
// trigger of KB Q152937 and kin.
func (g *gen) tnefStream(valid bool, variant int) []byte {
	var t bytes.Buffer
	sig := uint32(tnefSignature)
	if !valid && variant == 0 {
		sig = 0x223E9F00
	}
	_ = binary.Write(&t, binary.LittleEndian, sig)
	_ = binary.Write(&t, binary.LittleEndian, uint16(g.rng.IntN(0x10000)))
	tnefAttr(&t, 1, attTnefVersion, []byte{0, 0, 1, 0})
	tnefAttr(&t, 1, attOemCodepage, []byte{0xE4, 0x04, 0, 0, 0, 0, 0, 0})
	tnefAttr(&t, 1, attMessageClass, []byte("IPM.Microsoft Mail.Note\x00"))
	tnefAttr(&t, 2, attAttachRendData, make([]byte, 14))
	tnefAttr(&t, 2, attAttachTitle, []byte("memo.doc\x00"))
	data := randBytes(nil, g.rng, 2000+g.rng.IntN(6000))
	if !valid && variant == 1 {
		t.WriteByte(2)
		_ = binary.Write(&t, binary.LittleEndian, uint32(attAttachData))
		_ = binary.Write(&t, binary.LittleEndian, uint32(len(data)+5000))
		t.Write(data) // the stream ends inside the attribute
		return t.Bytes()
	}
	tnefAttr(&t, 2, attAttachData, data)
	return t.Bytes()
}

// bodyTNEF writes an Outlook "rich text" message as a foreign gateway
// relays it: text plus application/ms-tnef (winmail.dat).
func (g *gen) bodyTNEF(b *bytes.Buffer, m *mail, valid bool) {
	bd := g.boundary()
	fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", bd, bd)
	fillText(b, g.rng, 400+g.rng.IntN(2000))
	fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: application/ms-tnef;\r\n\tname=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n\tfilename=\"winmail.dat\"\r\n\r\n", bd)
	writeBase64(b, g.tnefStream(valid, g.rng.IntN(2)))
	fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
}

// bodyDSN writes an RFC 3464 delivery status notification from a foreign
// MTA (the dsn-report trait, KB Q303686).
func (g *gen) bodyDSN(b *bytes.Buffer, m *mail) {
	bd := g.boundary()
	fmt.Fprintf(b, "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n\r\n", bd)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\nThe original message was received at %s\r\nfrom %s [10.0.0.5]\r\n\r\n   ----- The following addresses had permanent fatal errors -----\r\n<%s>\r\n\r\n", bd, g.rfcDate(m.t.Add(-3600e9)), g.fqdn, "nobody@"+m.host)
	fmt.Fprintf(b, "--%s\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; %s\r\nArrival-Date: %s\r\n\r\nFinal-Recipient: RFC822; nobody@%s\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: SMTP; 550 5.1.1 User unknown\r\n\r\n", bd, m.host, g.rfcDate(m.t.Add(-3600e9)), m.host)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <%08X@%s>\r\nFrom: %s\r\nTo: nobody@%s\r\nSubject: %s\r\nDate: %s\r\n\r\n--%s--\r\n",
		bd, g.rng.Uint32(), g.domain, m.rcpts[0], m.host, subjects[g.rng.IntN(len(subjects))], g.rfcDate(m.t.Add(-3600e9)), bd)
}

// bodyBinHex writes a text part and an application/mac-binhex40 part.
func (g *gen) bodyBinHex(b *bytes.Buffer) {
	bd := g.boundary()
	fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n", bd, bd)
	fillText(b, g.rng, 300)
	fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: application/mac-binhex40; name=\"Chart.sit\"\r\n\r\n(This file must be converted with BinHex 4.0)\r\n\r\n:", bd)
	const alpha = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
	n := 1500 + g.rng.IntN(4000)
	for i := range n {
		if i > 0 && i%64 == 63 {
			b.WriteString("\r\n")
		}
		b.WriteByte(alpha[g.rng.IntN(len(alpha))])
	}
	fmt.Fprintf(b, ":\r\n\r\n--%s--\r\n", bd)
}
