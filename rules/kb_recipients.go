package rules

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Recipient counts (KB Q272672, Q246051, Q176477).

// eachHeaderAddr calls fn with the bounds of every addr-spec of a header
// value, leniently (poison address lists are often not RFC 5322), left to
// right and without overlap: exactly the matches of the regexp it
// replaced (headerAddrRE in the tests),
//
//	[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.\[\]-]+
//
// Neither class holds "@", so a match is the whole run of local bytes
// before an "@" and the whole run of domain bytes after it; a run not
// followed by "@" and a domain byte holds no match at all. The regexp was
// half of uniqueRecipients' time on the 32,767-recipient To fields.
func eachHeaderAddr(v string, fn func(start, end int)) {
	for p := 0; p < len(v); {
		if !headerLocalByte[v[p]] {
			p++
			continue
		}
		q := p
		for q < len(v) && headerLocalByte[v[q]] {
			q++
		}
		if q+1 < len(v) && v[q] == '@' && headerDomainByte[v[q+1]] {
			r := q + 1
			for r < len(v) && headerDomainByte[v[r]] {
				r++
			}
			fn(p, r)
			p = r
			continue
		}
		p = q
	}
}

var headerLocalByte, headerDomainByte = func() (local, domain [256]bool) {
	for c := 0; c < 256; c++ {
		alnum := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		local[c] = alnum || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", byte(c)) >= 0
		domain[c] = alnum || strings.IndexByte(".[]-", byte(c)) >= 0
	}
	return local, domain
}()

// uniqueRecipients counts the distinct recipient addresses (case-folded)
// of the envelope and of the top-level To, Cc and Bcc fields.
// toCcBcc are the header fields uniqueRecipients counts.
var toCcBcc = model.NewFieldNames("to", "cc", "bcc")

// recipientBound is at least uniqueRecipients(m): it counts every address
// that would be counted, duplicates and all, with no set and no lowered
// copies. A message within a limit by this count is within it by the
// other, which is then only built for the few messages that may exceed it.
func recipientBound(m *model.Message) int {
	n := len(m.Envelope.To)
	h := m.Header()
	for i := range h {
		if f := &h[i]; toCcBcc.HasLower(f) {
			eachHeaderAddr(string(f.Value), func(int, int) { n++ })
		}
	}
	return n
}

func uniqueRecipients(m *model.Message) int {
	e := &m.Envelope
	seen := make(map[string]bool, len(e.To)) // sized once: 32,767-recipient envelopes rehashed 15 times
	for _, a := range e.To {
		if a = strings.ToLower(trimAngleSpace(a)); a != "" {
			seen[a] = true
		}
	}
	h := m.Header()
	for i := range h {
		f := &h[i]
		if toCcBcc.HasLower(f) {
			v := string(f.Value)
			eachHeaderAddr(v, func(start, end int) { seen[strings.ToLower(v[start:end])] = true })
		}
	}
	return len(seen)
}

// trimAngleSpace is strings.Trim(a, "<> ") without building the cut set
// for each of a large envelope's 32,767 addresses.
func trimAngleSpace(a string) string {
	i, j := 0, len(a)
	for i < j && (a[i] == '<' || a[i] == '>' || a[i] == ' ') {
		i++
	}
	for j > i && (a[j-1] == '<' || a[j-1] == '>' || a[j-1] == ' ') {
		j--
	}
	return a[i:j]
}

// fromEnvelope reports envelope recipients read from an envelope (IMS
// block, X-Receiver lines, transcript), not copied from the headers.
func fromEnvelope(m *model.Message) bool {
	s := m.Envelope.Source
	return s != "" && s != "headers"
}

// recipientEvidence quotes the envelope recipient at index i (or the
// envelope start), else the first To field.
func recipientEvidence(m *model.Message, i int) (model.Text, int64) {
	e := &m.Envelope
	if fromEnvelope(m) && i < len(e.To) {
		off := int64(-1)
		if i < len(e.ToOffsets) {
			off = e.ToOffsets[i]
		}
		return envAddrEvidence(m, off, e.To[i], 0)
	}
	if f, ok := field(m.Header(), "to"); ok {
		return f.Name, f.Offset
	}
	return "", m.MessageOffset
}

var ruleRecipientsOver32766 = Rule{
	ID: "recipients-over-32766", Class: model.ClassStall, Dir: "IN", KB: []string{"Q272672"},
	Doc: "more than 32,766 (0x7FFE) envelope recipients",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		n := len(m.Envelope.To)
		if !fromEnvelope(m) || n <= c.MaxEnvelopeRecipients {
			return
		}
		ev, off := recipientEvidence(m, c.MaxEnvelopeRecipients)
		emit("", off, ev, fmt.Sprintf("%d envelope recipients (limit %d): never delivered, 4120 + 4131 name the file", n, c.MaxEnvelopeRecipients))
	},
}

var ruleRecipientsOverLimit = Rule{
	ID: "recipients-over-limit", Class: model.ClassStall, Dir: "IN", KB: []string{"Q246051"},
	Doc: "envelope + header recipients above the store's Max Recipients on Submit (default flag above 1,000)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if recipientBound(m) <= c.MaxRecipientsOnSubmit {
			return
		}
		n := uniqueRecipients(m)
		if n <= c.MaxRecipientsOnSubmit {
			return
		}
		ev, off := recipientEvidence(m, min(c.MaxRecipientsOnSubmit, max(0, len(m.Envelope.To)-1)))
		emit("", off, ev, fmt.Sprintf("%d unique recipients (envelope + To/Cc/Bcc) above %d, the threshold standing for the registry value MSExchangeIS\\ParametersSystem\\Max Recipients on Submit (4117, no NDR before SP4)", n, c.MaxRecipientsOnSubmit))
	},
}

var ruleRecipientsOver100 = Rule{
	ID: "recipients-over-100", Class: model.ClassRisk, Dir: "OUT", KB: []string{"Q176477"},
	Doc: "more than 100 recipients on one outbound message (OUT, OUT/Archive)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		if m.Queue != model.QueueOUT && m.Queue != model.QueueOUTArchive {
			return
		}
		if recipientBound(m) <= c.MaxOutboundRecipients {
			return
		}
		n := uniqueRecipients(m)
		if n <= c.MaxOutboundRecipients {
			return
		}
		ev, off := recipientEvidence(m, min(c.MaxOutboundRecipients, max(0, len(m.Envelope.To)-1)))
		emit("", off, ev, fmt.Sprintf("%d recipients on an outbound message (limit %d): remote hosts answer 522", n, c.MaxOutboundRecipients))
	},
}
