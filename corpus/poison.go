package corpus

import (
	"bytes"
	"fmt"
	"strings"
)

// poisonBuilder writes one poison message for a rule into b (the RFC 822
// part; envelope hooks go into m). Each message is otherwise normal: the
// defect is the one poison-rules.md describes, nothing else.
type poisonBuilder func(g *gen, b *bytes.Buffer, m *mail, variant int)

// poisonVariants is how many messages a rule gets with --poison: the
// blank-charset trigger has five spellings (Q278320), each its own file.
func poisonVariants(rule string) int {
	if rule == "blank-charset" {
		return len(blankCharsetSpellings)
	}
	return 1
}

var blankCharsetSpellings = []string{`charset=""`, `charset = ""`, `charset=" "`, `charset=`, "charset =\r\n \"\""}

// extraRules lists rules a poison message trips by construction besides its
// own (truth.json lists them too).
var extraRules = map[string][]string{
	"recipients-over-32766":  {"recipients-over-limit"},
	"close-boundary-missing": {"truncated"},
}

func plainPart(b *bytes.Buffer, g *gen, n int) {
	b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
	fillText(b, g.rng, n)
}

// mixedWith writes multipart/mixed with a text part and one attachment part
// whose header lines are partHeader (CRLF-terminated) and whose body is
// partBody; close=false leaves out the closing delimiter.
func mixedWith(b *bytes.Buffer, g *gen, partHeader string, partBody func(), close bool) {
	bd := g.boundary()
	fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--%s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", bd, bd)
	fillText(b, g.rng, 300+g.rng.IntN(1200))
	fmt.Fprintf(b, "\r\n--%s\r\n%s\r\n", bd, partHeader)
	partBody()
	if close {
		fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
	}
}

func attachment(g *gen, b *bytes.Buffer, n int) func() {
	return func() { writeBase64(b, randBytes(g.scratch[:0], g.rng, n)) }
}

var poisonBuilders = map[string]poisonBuilder{
	"blank-charset": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		spell := blankCharsetSpellings[v%len(blankCharsetSpellings)]
		if v%2 == 0 {
			fmt.Fprintf(b, "Content-Type: text/plain; %s\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", spell)
			fillText(b, g.rng, 1500)
			return
		}
		bd := g.boundary()
		fmt.Fprintf(b, "Content-Type: multipart/alternative;\r\n\tboundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: text/plain; %s\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", bd, bd, spell)
		var text bytes.Buffer
		fillText(&text, g.rng, 1200)
		b.Write(text.Bytes())
		fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", bd)
		writeQP(b, htmlFrom(text.Bytes()))
		fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
	},
	"header-block-over-32k": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		// Q193639: many large properties, none over 21 KB, together over 32 KB.
		for i := range 12 {
			var sb strings.Builder
			for sb.Len() < 2900 {
				_, a := g.person(g.rng, g.domain)
				sb.WriteString(a + " ")
			}
			m.extraTop = append(m.extraTop, foldLine(fmt.Sprintf("X-Distribution-Log-%02d", i+1), strings.TrimSpace(sb.String())))
		}
		g.writeTop(b, m)
		plainPart(b, g, 1200)
	},
	"header-field-over-21k": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		var sb strings.Builder
		for sb.Len() < 22*1024 {
			fmt.Fprintf(&sb, "<%08X.%04X@%s> ", g.rng.Uint32(), g.rng.IntN(0x10000), g.domain)
		}
		m.extraTop = append(m.extraTop, foldLine("References", strings.TrimSpace(sb.String())))
		m.subject, m.plain = "RE: "+m.subject, "RE: "+m.plain
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"subject-over-20k": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		var s bytes.Buffer
		fillText(&s, g.rng, 20*1024+600)
		m.subject = strings.Join(strings.Fields(s.String()), " ")
		m.plain = "(subject over 20 KB)"
		g.writeTop(b, m)
		plainPart(b, g, 800)
	},
	"filename-unbalanced-paren": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: image/bmp; name=\"(JPEG-IM.BMP\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=(JPEG-IM.BMP\r\n", attachment(g, b, 6000), true)
	},
	"missing-boundary-prolog": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		bd := g.boundary()
		fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n", bd)
		// Q217155: the first body part is not preceded by its boundary, so
		// its MIME headers sit in a large preamble.
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		fillText(b, g.rng, 6000)
		fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: application/pdf; name=\"offer.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", bd)
		writeBase64(b, randBytes(g.scratch[:0], g.rng, 4000))
		fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
	},
	"mime-nesting-over-30": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		const depth = 34
		var bds []string
		for i := range depth {
			bd := fmt.Sprintf("=_nest_%02d_%08X", i, g.rng.Uint32())
			bds = append(bds, bd)
			fmt.Fprintf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n", bd, bd)
		}
		plainPart(b, g, 500)
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(b, "\r\n--%s--\r\n", bds[i])
		}
	},
	"tnef-corrupt": func(g *gen, b *bytes.Buffer, m *mail, v int) { g.writeTop(b, m); g.bodyTNEF(b, m, false) },
	"tnef-part":    func(g *gen, b *bytes.Buffer, m *mail, v int) { g.writeTop(b, m); g.bodyTNEF(b, m, true) },
	"binhex-part":  func(g *gen, b *bytes.Buffer, m *mail, v int) { g.writeTop(b, m); g.bodyBinHex(b) },
	"uuencode-no-end": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		// x-uuencode: the store uudecodes the body (in a 7bit text part
		// of a MIME message it would leave the block as text, Q167393).
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n")
		fillText(b, g.rng, 400)
		b.WriteString("\r\n")
		writeUU(b, "budget.xls", randBytes(g.scratch[:0], g.rng, 5000), true)
	},
	"uuencode-junk-after-end": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n")
		fillText(b, g.rng, 400)
		b.WriteString("\r\n")
		writeUU(b, "budget.xls", randBytes(g.scratch[:0], g.rng, 5000), false)
		b.WriteString("\r\n--\r\nSent from the field office gateway\r\n")
	},
	"base64-invalid": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/pdf; name=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\n", func() {
			var enc bytes.Buffer
			writeBase64(&enc, randBytes(g.scratch[:0], g.rng, 6000))
			raw := enc.Bytes()
			// Q190556: characters outside the alphabet in the third line.
			copy(raw[78*2+10:], "!*#")
			b.Write(raw)
		}, true)
	},
	"rtf-corrupt": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/rtf; name=\"memo.rtf\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"memo.rtf\"\r\n", func() {
			rtf := "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\\pard\\plain\\f0\\fs20 Draft minutes {\\b of the review\\par {\\i unfinished \\par "
			writeBase64(b, []byte(rtf+strings.Repeat("text \\par ", 200)))
		}, true)
	},
	"html-href-leading-space": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		bd := g.boundary()
		fmt.Fprintf(b, "Content-Type: multipart/alternative;\r\n\tboundary=\"%s\"\r\n\r\n--%s\r\n", bd, bd)
		plainPart(b, g, 800)
		fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<HTML><BODY>\r\n<P>Please see our new offer:</P>\r\n<P><A HREF=\" http://www.example.com/offer.html\">offer</A></P>\r\n</BODY></HTML>\r\n\r\n--%s--\r\n", bd, bd)
	},
	"content-type-invalid-chars": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/ms\x01word; name=\"memo.doc\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"memo.doc\"\r\n", attachment(g, b, 5000), true)
	},
	"address-comment-separator": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		_, a := g.person(g.rng, g.domain)
		m.rcpts = []string{"mchiba@" + g.domain, a}
		m.toHdr = "mchiba@" + g.domain + " (Chiba, Masao), " + a
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"address-mixed-separators": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		var as []string
		m.rcpts = m.rcpts[:0]
		for range 3 {
			_, a := g.person(g.rng, g.remoteDomain())
			as = append(as, a)
			m.rcpts = append(m.rcpts, a)
		}
		m.toHdr = as[0] + "; " + as[1] + ", " + as[2]
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"imcea-malformed": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		addr := "IMCEAEX-_O=" + strings.ToUpper(g.org) + "_OU=HQ_CN=RECIPIENTS_CN=J+2ESMITH+ZZ@" + g.domain
		m.rcpts = []string{addr}
		m.toHdr = "\"John Smith\" <" + addr + ">"
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"filename-unicode-no-extension": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		name := encodedWordB("iso-2022-jp", []byte("\x1b$BJs9p\x1b(B"))
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/octet-stream; name=\""+name+"\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\""+name+"\"\r\n", attachment(g, b, 4000), true)
	},
	"filename-over-246-bytes": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		name := "Minutes_of_the_quarterly_review_meeting_with_the_regional_sales_managers"
		for len(name) < 256 {
			name += "_and_the_partners"
		}
		name += ".doc"
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/msword;\r\n\tname=\""+name+"\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n\tfilename=\""+name+"\"\r\n", attachment(g, b, 4000), true)
	},
	"dbcs-invalid-sequence": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		// Q266638: a Shift_JIS display name whose last lead byte lost its trail byte.
		m.fromHdr = encodedWordB("shift_jis", []byte("\x8eR\x93c\x91\xbe\x98")) + " <tyamada@mail.example.co.jp>"
		m.envFrom = "tyamada@mail.example.co.jp"
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"crlf-run-128": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		cs := charsetSamples[0] // iso-2022-jp
		m.subject = encodedWordB(cs.charset, []byte(cs.subject))
		g.writeTop(b, m)
		b.WriteString("Content-Type: text/plain; charset=\"iso-2022-jp\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		b.WriteString(cs.body + "\r\n")
		b.WriteString(strings.Repeat("\r\n", 140))
		b.WriteString(cs.body + "\r\n")
	},
	"qp-utf16-misaligned": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		var text bytes.Buffer
		fillText(&text, g.rng, 600)
		u := []byte{0xFF, 0xFE}
		for _, c := range text.Bytes() {
			u = append(u, c, 0)
		}
		u = append(u, 'x') // odd length: the last code unit is cut (Q221149)
		b.WriteString("Content-Type: text/plain; charset=\"utf-16\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		writeQP(b, u)
	},
	"dsn-report": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.envFrom = ""
		m.fromHdr = "Mail Delivery Subsystem <MAILER-DAEMON@" + m.host + ">"
		m.subject, m.plain = "Returned mail: User unknown", "Returned mail: User unknown"
		g.writeTop(b, m)
		g.bodyDSN(b, m)
	},
	"embedded-message-with-attachments": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.subject, m.plain = "FW: "+m.subject, "FW: "+m.plain
		g.writeTop(b, m)
		g.bodyForward(b, m, true)
	},
	"postscript-qp": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/postscript; name=\"chart.ps\"\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: attachment; filename=\"chart.ps\"\r\n", func() {
			ps := "%!PS-Adobe-3.0\r\n%%Creator: Chart 2.1\r\n%%Pages: 1\r\n" + strings.Repeat("newpath 72 72 moveto 144 144 lineto stroke % =draw\r\n", 120) + "showpage\r\n%%EOF\r\n"
			writeQP(b, []byte(ps))
		}, true)
	},
	"header-non-header-line": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		// Q166026: a line that is neither a field nor a continuation.
		b.WriteString("Content-Type: TEXT/PLAIN; charset=US-ASCII\r\nsender abcdef@xyz.abc.com )\r\n\r\n")
		fillText(b, g.rng, 1500)
	},
	"received-comment-date": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.received = append(m.received, "from [10.1.1.3] by unixtest."+strings.TrimPrefix(m.host, "mail.")+"; (5.65/1.1.8.2/14Feb01-0313PM) id AA06568; "+g.rfcDate(m.t.Add(-900e9)))
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"mac-attributes-invalid": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/octet-stream; name=\"Budget\"; x-mac-type=\"TEX\"; x-mac-creator=\"MSWDX\"\r\nX-Mac-Type: TEX\r\nX-Mac-Creator: MSWDX\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"Budget\"\r\n", attachment(g, b, 5000), true)
	},
	"recipients-over-32766": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.rcpts = bulkRecipients(32767, g.domain)
		m.toHdr = "undisclosed-recipients:;"
		g.writeTop(b, m)
		plainPart(b, g, 1000)
	},
	"recipients-over-limit": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.rcpts = bulkRecipients(1200, g.domain)
		m.toHdr = "undisclosed-recipients:;"
		g.writeTop(b, m)
		plainPart(b, g, 1000)
	},
	"recipients-over-100": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.rcpts = m.rcpts[:0]
		for range 150 {
			_, a := g.person(g.rng, g.remoteDomain())
			m.rcpts = append(m.rcpts, a)
		}
		m.toHdr = "\"Newsletter list\" <newsletter@" + g.domain + ">"
		g.writeTop(b, m)
		plainPart(b, g, 3000)
	},
	"header-8bit": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.subject, m.plain = "R\xe9union \xe0 Gen\xe8ve", "(8-bit subject)"
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"multipart-digest-foreign-charset": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.subject, m.plain = "Digest Vol 3 Issue 12", "Digest Vol 3 Issue 12"
		g.writeTop(b, m)
		bd := g.boundary()
		fmt.Fprintf(b, "Content-Type: multipart/digest;\r\n\tboundary=\"%s\"\r\n\r\n", bd)
		for i, cs := range []string{"us-ascii", "iso-2022-jp", "koi8-r"} {
			fmt.Fprintf(b, "--%s\r\n\r\nMessage-ID: <d%d.%08X@lists.example.org>\r\nFrom: member%d@example.org\r\nSubject: item %d\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"%s\"\r\n", bd, i, g.rng.Uint32(), i, i, g.rfcDate(m.t.Add(-7200e9)), cs)
			switch cs {
			case "us-ascii":
				b.WriteString("\r\n")
				fillText(b, g.rng, 500)
			case "iso-2022-jp":
				b.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n" + charsetSamples[0].body + "\r\n")
			default:
				b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
				writeBase64(b, []byte(charsetSamples[2].body))
			}
			b.WriteString("\r\n")
		}
		fmt.Fprintf(b, "--%s--\r\n", bd)
	},
	"charset-unknown": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		b.WriteString("Content-Type: text/plain; charset=\"windows-1259\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		var t bytes.Buffer
		fillText(&t, g.rng, 1500)
		writeQP(b, t.Bytes())
	},
	"x400-address-over-1024": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		// Q263457: only the envelope holds the long X.400 address, so the
		// RFC 822 part stays within 998-octet lines.
		var sb strings.Builder
		sb.WriteString("IMCEAX400-c=US+3Ba=+20+3Bp=PARTNER+3Bo=GATEWAY+3Bs=Smith+3Bg=John")
		for i := 0; sb.Len() < 1100; i++ {
			fmt.Fprintf(&sb, "+3BDDA+3ARoute%02d=Relay%02d.Division%02d.Partner", i, i, i)
		}
		sb.WriteString("@" + g.domain)
		m.rcpts = append(m.rcpts[:0], sb.String())
		m.toHdr = "\"John Smith\" <jsmith@partner.example>"
		g.writeTop(b, m)
		plainPart(b, g, 1500)
	},
	"no-final-crlf": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		plainPart(b, g, 1500)
		b.WriteString("Ref 1A.") // Q146993: the file ends "31 41 2E", no CRLF
	},
	"line-over-998": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		b.WriteString("Content-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<HTML><BODY>")
		for range 40 {
			b.WriteString("<TD><FONT face=Arial size=2>cell value</FONT></TD>")
		}
		b.WriteString("</BODY></HTML>\r\n")
	},
	"bare-lf": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		var t bytes.Buffer
		fillText(&t, g.rng, 1500)
		b.Write(bytes.ReplaceAll(t.Bytes(), []byte("\r\n"), []byte("\n")))
		b.WriteString("\r\n")
	},
	"bare-cr": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		plainPart(b, g, 700)
		b.WriteString("Name:\rPeter\r\n")
		fillText(b, g.rng, 500)
	},
	"nul-byte": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		plainPart(b, g, 700)
		b.WriteString("Field\x00value\r\n")
		fillText(b, g.rng, 500)
	},
	"header-count-over-1000": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		for i := range 1005 {
			m.extraTop = append(m.extraTop, fmt.Sprintf("X-Hop-%04d: ok\r\n", i))
		}
		g.writeTop(b, m)
		plainPart(b, g, 1000)
	},
	"boundary-missing": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		b.WriteString("Content-Type: multipart/mixed\r\n\r\n--=_orphan\r\n")
		plainPart(b, g, 1000)
		b.WriteString("\r\n--=_orphan--\r\n")
	},
	"boundary-invalid": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		bd := "=_" + strings.Repeat("LongBoundary", 7) // 86 characters: over the RFC 2046 limit of 70
		fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n--%s\r\n", bd, bd)
		plainPart(b, g, 1000)
		fmt.Fprintf(b, "\r\n--%s--\r\n", bd)
	},
	"close-boundary-missing": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		mixedWith(b, g, "Content-Type: application/pdf; name=\"offer.pdf\"\r\nContent-Transfer-Encoding: base64\r\n", attachment(g, b, 3000), false)
	},
	"truncated": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\n") // the file ends inside the header block
	},
	"duplicate-unique-header": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.extraTop = append(m.extraTop, "Subject: "+subjects[g.rng.IntN(len(subjects))]+" (2)\r\n")
		g.writeTop(b, m)
		plainPart(b, g, 1200)
	},
	"encoded-word-invalid": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.subject, m.plain = "=?iso-8859-1?X?R=E9union?=", "(invalid encoded-word)"
		g.writeTop(b, m)
		plainPart(b, g, 1200)
	},
	"date-invalid": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.dateValue = "Mittwoch, 32 Foo 2001 25:61:00"
		g.writeTop(b, m)
		plainPart(b, g, 1200)
	},
	"date-missing": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.noDate = true
		g.writeTop(b, m)
		plainPart(b, g, 1200)
	},
	"parts-over-1000": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		bd := g.boundary()
		fmt.Fprintf(b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\n", bd)
		for i := range 1005 {
			fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain\r\n\r\nitem %d\r\n", bd, i)
		}
		fmt.Fprintf(b, "--%s--\r\n", bd)
	},
	"cte-invalid": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		b.WriteString("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: x-gzip64\r\n\r\n")
		fillText(b, g.rng, 1200)
	},
	"empty-file": func(g *gen, b *bytes.Buffer, m *mail, v int) { m.emptyFile = true },
	"no-message": func(g *gen, b *bytes.Buffer, m *mail, v int) { m.envOnly = true },
	"envelope-missing-recipient": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.envNoRcpt = true
		g.writeTop(b, m)
		plainPart(b, g, 1200)
	},
	"envelope-markers-broken": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		m.envNoEwLs = true
		g.writeTop(b, m)
		plainPart(b, g, 1200)
	},
	"lone-dot-line": func(g *gen, b *bytes.Buffer, m *mail, v int) {
		g.writeTop(b, m)
		plainPart(b, g, 600)
		b.WriteString(".\r\n")
		fillText(b, g.rng, 400)
	},
}

// bulkRecipients returns n distinct local addresses.
func bulkRecipients(n int, domain string) []string {
	r := make([]string, n)
	for i := range r {
		r[i] = fmt.Sprintf("user%05d@%s", i, domain)
	}
	return r
}

// foldLine returns "Name: value" folded at spaces (lines <= 78), CRLF-terminated.
func foldLine(name, value string) string {
	var b bytes.Buffer
	writeField(&b, name, value)
	return b.String()
}
