package corpus

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
)

// Word lists for filler text. Plain ASCII; sentences end with "." attached
// to a word so no line ever holds a lone dot (lone-dot-line is planted
// only on purpose).
var words = strings.Fields(`the a quarterly report meeting budget project customer order invoice
shipment review draft agenda please find attached update schedule team support request contract
proposal estimate delivery price offer revised figures market sales forecast plan office travel
approval signature account payment due date next week monday tuesday wednesday thursday friday
regards thanks comments questions minutes notes summary status issue ticket server network
backup migration exchange upgrade service pack install test results sample document version
final copy internal external partner vendor supplier north south region branch manager director
we you they will should could can would have has been be is are was were our your their this
that these those with from for about into over after before during without within under`)

var firstNames = strings.Fields(`John Mary Peter Anna Robert Linda Michael Susan David Karen James Lisa
Thomas Nancy Daniel Betty Paul Helen Mark Sandra Kenji Yuki Olga Ivan Hans Petra Pierre Claire`)

var lastNames = strings.Fields(`Smith Jones Miller Brown Wilson Taylor Clark Lewis Walker Young Allen
King Wright Scott Green Baker Adams Nelson Carter Mitchell Tanaka Suzuki Petrov Ivanova Schmidt Weber Martin Dubois`)

var remoteDomains = strings.Fields(`example.net example.org mail.example.co.jp example.de example.ru
example.fr globex.example initech.example umbrella.example acme.example hooli.example vandelay.example`)

var subjects = []string{
	"Quarterly report", "Meeting agenda for next week", "RE: Invoice 4471", "FW: Price list",
	"Project status update", "Minutes of the review meeting", "Order confirmation", "RE: Contract draft",
	"Travel plan", "Budget 2001", "Server migration schedule", "RE: RE: Delivery date", "Proposal",
	"Support ticket 10233", "Lunch on Friday?", "Revised figures", "Service pack install tonight",
}

// words appends about n bytes of wrapped ASCII text (lines <= 72 octets,
// CRLF line ends) to b.
func fillText(b *bytes.Buffer, rng *rand.Rand, n int) {
	start := b.Len()
	line := 0
	sentence := 0
	for b.Len()-start < n {
		w := words[rng.IntN(len(words))]
		if sentence == 0 && len(w) > 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		sentence++
		if sentence > 6+rng.IntN(10) {
			w += "."
			sentence = 0
		}
		if line+len(w)+1 > 72 {
			b.WriteString("\r\n")
			line = 0
			if sentence == 0 && rng.IntN(4) == 0 {
				b.WriteString("\r\n")
			}
		} else if line > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteString("\r\n")
}

// randBytes appends n pseudo-random bytes (attachment contents).
func randBytes(dst []byte, rng *rand.Rand, n int) []byte {
	for n >= 8 {
		v := rng.Uint64()
		dst = append(dst, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
		n -= 8
	}
	for ; n > 0; n-- {
		dst = append(dst, byte(rng.Uint32()))
	}
	return dst
}

// writeBase64 appends data base64-encoded in 76-character CRLF lines
// (RFC 2045 6.8).
func writeBase64(b *bytes.Buffer, data []byte) {
	var line [76]byte
	for len(data) > 0 {
		n := min(57, len(data))
		base64.StdEncoding.Encode(line[:], data[:n])
		b.Write(line[:base64.StdEncoding.EncodedLen(n)])
		b.WriteString("\r\n")
		data = data[n:]
	}
}

// writeQP appends data quoted-printable encoded (RFC 2045 6.7), soft line
// breaks at 76. CRLF in data is kept as a hard line break.
func writeQP(b *bytes.Buffer, data []byte) {
	const hex = "0123456789ABCDEF"
	line := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			b.WriteString("\r\n")
			line = 0
			i++
			continue
		}
		enc := c == '=' || c < 32 && c != '\t' || c > 126
		// White space before a line end must be encoded.
		if (c == ' ' || c == '\t') && (i+1 == len(data) || data[i+1] == '\r') {
			enc = true
		}
		// A dot at the start of a line is encoded so no lone "." appears.
		if c == '.' && line == 0 {
			enc = true
		}
		w := 1
		if enc {
			w = 3
		}
		if line+w > 75 {
			b.WriteString("=\r\n")
			line = 0
		}
		if enc {
			b.WriteByte('=')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
		line += w
	}
	if line > 0 {
		b.WriteString("\r\n")
	}
}

// writeUU appends a uuencode block "begin 644 name" ... "end" (the
// terminating line is left out when noEnd is true).
func writeUU(b *bytes.Buffer, name string, data []byte, noEnd bool) {
	b.WriteString("begin 644 " + name + "\r\n")
	enc := func(v byte) byte {
		if v == 0 {
			return '`'
		}
		return v + 32
	}
	for len(data) > 0 {
		n := min(45, len(data))
		b.WriteByte(enc(byte(n)))
		chunk := data[:n]
		for i := 0; i < n; i += 3 {
			var t [3]byte
			copy(t[:], chunk[i:min(i+3, n)])
			b.WriteByte(enc(t[0] >> 2))
			b.WriteByte(enc((t[0]&3)<<4 | t[1]>>4))
			b.WriteByte(enc((t[1]&15)<<2 | t[2]>>6))
			b.WriteByte(enc(t[2] & 63))
		}
		b.WriteString("\r\n")
		data = data[n:]
	}
	if !noEnd {
		b.WriteString("`\r\nend\r\n")
	}
}

// encodedWordB returns an RFC 2047 B encoded-word for raw bytes in charset.
func encodedWordB(charset string, raw []byte) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(raw) + "?="
}

// encodedWordQ returns an RFC 2047 Q encoded-word.
func encodedWordQ(charset string, raw []byte) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	sb.WriteString("=?" + charset + "?Q?")
	for _, c := range raw {
		switch {
		case c == ' ':
			sb.WriteByte('_')
		case c > 32 && c < 127 && c != '=' && c != '?' && c != '_' && c != '"':
			sb.WriteByte(c)
		default:
			sb.WriteByte('=')
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		}
	}
	sb.WriteString("?=")
	return sb.String()
}

// writeField appends "Name: value" folded at spaces so that no line is
// longer than 78 octets where the value allows it.
func writeField(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(":")
	line := len(name) + 1
	for i, tok := range strings.Split(value, " ") {
		if i > 0 || true {
			if line+1+len(tok) > 78 && line > len(name)+1 {
				b.WriteString("\r\n")
				line = 0
			}
			b.WriteByte(' ')
			line++
		}
		b.WriteString(tok)
		line += len(tok)
	}
	b.WriteString("\r\n")
}

type charsetSample struct {
	charset, body, subject string
}
