package corpus

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// Attachment types of clean mail.
var attachTypes = []struct{ ctype, ext string }{
	{"application/pdf", "pdf"}, {"application/msword", "doc"}, {"application/vnd.ms-excel", "xls"},
	{"application/x-zip-compressed", "zip"}, {"image/jpeg", "jpg"}, {"image/gif", "gif"},
	{"application/vnd.ms-powerpoint", "ppt"},
}

// pickSize draws a target message size, log-uniform within bands: 90 %
// 2-20 KB, 9 % 20-100 KB, 0.95 % 100-500 KB and a long tail of 1-3 MB
// messages (about five per ten thousand).
func (g *gen) pickSize() int {
	band := func(lo, hi float64) int { return int(lo * math.Pow(hi/lo, g.rng.Float64())) }
	switch p := g.rng.IntN(10000); {
	case p < 9000:
		return band(2<<10, 20<<10)
	case p < 9900:
		return band(20<<10, 100<<10)
	case p < 9995:
		return band(100<<10, 500<<10)
	default:
		return band(1<<20, 3<<20)
	}
}

// buildClean writes a clean message of about target bytes: CRLF line ends,
// lines <= 998, Date and Message-ID, valid base64, closed boundaries, a
// final CRLF and no 8-bit header bytes. A small, realistic share carries a
// risk-class trait (TNEF, DSN, BinHex, forwarded mail with attachments);
// the traits are returned so truth.json lists them.
func (g *gen) buildClean(b *bytes.Buffer, m *mail, target int) []string {
	rng := g.rng
	if m.dir == "IN" {
		switch p := rng.IntN(1000); {
		case p < 10:
			g.writeTop(b, m)
			g.bodyTNEF(b, m, true)
			return []string{"tnef-part"}
		case p < 16:
			m.envFrom = ""
			m.fromHdr = "Mail Delivery Subsystem <MAILER-DAEMON@" + m.host + ">"
			m.subject, m.plain = "Returned mail: see transcript for details", "Returned mail: see transcript for details"
			g.writeTop(b, m)
			g.bodyDSN(b, m)
			return []string{"dsn-report"}
		case p < 20:
			m.subject, m.plain = "FW: "+m.subject, "FW: "+m.plain
			g.writeTop(b, m)
			g.bodyForward(b, m, true)
			return []string{"embedded-message-with-attachments"}
		case p < 21:
			g.writeTop(b, m)
			g.bodyBinHex(b)
			return []string{"binhex-part"}
		}
	}
	kind := rng.IntN(100)
	if target > 24*1024 {
		kind = 70 // large mail carries an attachment
	}
	var cs *charsetSample
	if kind >= 22 && kind < 40 || rng.IntN(10) == 0 {
		cs = &charsetSamples[rng.IntN(len(charsetSamples))]
		if strings.HasPrefix(cs.charset, "iso-8859") || cs.charset == "windows-1252" {
			m.subject = encodedWordQ(cs.charset, []byte(cs.subject))
		} else {
			m.subject = encodedWordB(cs.charset, []byte(cs.subject))
		}
		m.plain = "(" + cs.charset + " subject)"
	}
	g.writeTop(b, m)
	switch {
	case kind < 22:
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		fillText(b, rng, max(200, target-b.Len()))
	case kind < 40:
		g.writeCharsetPart(b, cs, target-b.Len())
	case kind < 68:
		g.bodyAlternative(b, target-b.Len())
	case kind < 90:
		g.bodyMixed(b, m, target-b.Len(), false)
	case kind < 94:
		g.bodyMixed(b, m, target-b.Len(), true)
	case kind < 97:
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		fillText(b, rng, 400)
		b.WriteString("\r\n")
		writeUU(b, fmt.Sprintf("data%02d.zip", rng.IntN(100)), randBytes(g.scratch[:0], rng, max(500, (target-b.Len())*3/4)), false)
	default:
		m.subject, m.plain = "FW: "+m.subject, "FW: "+m.plain
		g.bodyForward(b, m, false)
	}
	return nil
}

// writeCharsetPart writes a single text/plain part in a national charset
// with the transfer encoding a 2001 mailer would pick.
func (g *gen) writeCharsetPart(b *bytes.Buffer, cs *charsetSample, n int) {
	var text bytes.Buffer
	for text.Len() < max(n/2, 300) {
		text.WriteString(cs.body)
		text.WriteString("\r\n")
		if g.rng.IntN(3) == 0 {
			fillText(&text, g.rng, 200)
		}
	}
	fmt.Fprintf(b, "Content-Type: text/plain; charset=\"%s\"\r\n", cs.charset)
	switch cs.charset {
	case "iso-2022-jp":
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
		b.Write(text.Bytes())
	case "iso-8859-1", "iso-8859-2", "windows-1252":
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		writeQP(b, text.Bytes())
	default:
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		writeBase64(b, text.Bytes())
	}
}

// htmlFrom turns plain text into a small HTML document.
func htmlFrom(text []byte) []byte {
	var h bytes.Buffer
	h.WriteString("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.0 Transitional//EN\">\r\n<HTML><HEAD>\r\n<META http-equiv=3DContent-Type content=\"text/html; charset=us-ascii\">\r\n</HEAD>\r\n<BODY>\r\n")
	for _, para := range bytes.Split(text, []byte("\r\n\r\n")) {
		h.WriteString("<P><FONT face=Arial size=2>")
		h.Write(bytes.ReplaceAll(para, []byte("\r\n"), []byte(" ")))
		h.WriteString("</FONT></P>\r\n")
	}
	h.WriteString("<P><A href=\"http://www.example.com/\">http://www.example.com/</A></P>\r\n</BODY></HTML>\r\n")
	return h.Bytes()
}

// bodyAlternative writes multipart/alternative: text/plain and text/html
// (the HTML quoted-printable, so its lines stay short).
func (g *gen) bodyAlternative(b *bytes.Buffer, n int) {
	bd := g.boundary()
	fmt.Fprintf(b, "Content-Type: multipart/alternative;\r\n\tboundary=\"%s\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n", bd)
	var text bytes.Buffer
	fillText(&text, g.rng, max(300, n*2/5))
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", bd)
	b.Write(text.Bytes())
	fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", bd)
	html := htmlFrom(text.Bytes())
	writeQP(b, bytes.ReplaceAll(html, []byte("=3D"), []byte("=")))
	fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
}

// bodyMixed writes multipart/mixed: a text part and one or more
// attachments (base64, or a quoted-printable text file when qpText).
func (g *gen) bodyMixed(b *bytes.Buffer, m *mail, n int, qpText bool) {
	rng := g.rng
	start := b.Len()
	bd := g.boundary()
	fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n", bd)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", bd)
	fillText(b, rng, 300+rng.IntN(1500))
	if qpText {
		var t bytes.Buffer
		for t.Len() < max(500, n) {
			fillText(&t, rng, 400)
			t.WriteString("Total: 1.250 =  net 1000 + tax\t250  \r\n")
		}
		fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: text/plain; charset=\"iso-8859-1\"; name=\"notes.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\n", bd)
		writeQP(b, t.Bytes())
	} else {
		count := 1
		if rng.IntN(5) == 0 {
			count = 2 + rng.IntN(2)
		}
		raw := max(400, (n-(b.Len()-start))*3/4/count)
		for i := range count {
			at := attachTypes[rng.IntN(len(attachTypes))]
			name := fmt.Sprintf("%s%d.%s", []string{"report", "scan", "budget", "photo", "minutes", "offer"}[rng.IntN(6)], i+1, at.ext)
			fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: %s;\r\n\tname=\"%s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n\tfilename=\"%s\"\r\n\r\n", bd, at.ctype, name, name)
			g.scratch = randBytes(g.scratch[:0], rng, raw)
			writeBase64(b, g.scratch)
		}
	}
	fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
}

// bodyForward writes multipart/mixed with a text part and a forwarded
// message/rfc822; the inner message carries an attachment when withAttach
// (the embedded-message-with-attachments trait, KB Q230563).
func (g *gen) bodyForward(b *bytes.Buffer, m *mail, withAttach bool) {
	rng := g.rng
	bd := g.boundary()
	fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n", bd)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", bd)
	fillText(b, rng, 200)
	fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: message/rfc822\r\n\r\n", bd)
	disp, addr := g.person(rng, g.remoteDomain())
	fmt.Fprintf(b, "Message-ID: <%08X@%s>\r\nFrom: \"%s\" <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n",
		rng.Uint32(), g.domain, disp, addr, m.rcpts[0], subjects[rng.IntN(len(subjects))], g.rfcDate(m.t.Add(-48*3600e9)))
	if withAttach {
		ib := g.boundary()
		fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n", ib, ib)
		fillText(b, rng, 300)
		fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: application/msword; name=\"memo.doc\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"memo.doc\"\r\n\r\n", ib)
		writeBase64(b, randBytes(g.scratch[:0], rng, 3000+rng.IntN(20000)))
		fmt.Fprintf(b, "\r\n--%s--\r\n", ib)
	} else {
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		fillText(b, rng, 500+rng.IntN(3000))
	}
	fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
}
