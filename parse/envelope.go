package parse

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Markers of the IMS spool envelope (KB Q190709, Q249273).
var (
	markImCr = []byte("ImCr")
	markEwLs = []byte("EwLs")
)

// imCrWindow is how near the start "ImCr" must be: Q190709 shows one byte
// before it; a little slack covers other builds' prologues.
const imCrWindow = 512

// detected is what format detection learned from the leading window.
type detected struct {
	format      model.Format
	msgOffset   int64 // where the RFC 822 part starts; -1: no message found
	envelope    model.Envelope
	anomalies   []model.Anomaly
	envelopeEnd int64 // bytes of envelope lines to skip (x-sender / transcript)
}

// detect recognises the format from the first bytes of the file (head
// holds up to Options.EnvelopeWindow bytes; eof says whether it is all).
func detect(head []byte, eof bool) detected {
	if i := bytes.Index(head[:min(len(head), imCrWindow)], markImCr); i >= 0 && envelopePrefix(head[:i]) {
		return detectIMS(head, i, eof)
	}
	first := firstLine(head)
	lower := bytes.ToLower(first)
	switch {
	case bytes.HasPrefix(lower, []byte("x-sender:")) || bytes.HasPrefix(lower, []byte("x-receiver:")):
		return detectXSender(head)
	case bytes.HasPrefix(first, []byte("From ")):
		off := lineEnd(head, 0)
		if off < 0 {
			off = len(head)
		}
		return detected{format: model.FormatMbox, msgOffset: int64(off), envelope: model.Envelope{To: []string{}}}
	case isSMTPCommand(lower):
		return detectTranscript(head)
	}
	// A file that holds "EwLs" but no "ImCr" near the start is a broken
	// spool file only when the marker is where a spool file has it: it
	// closes a binary envelope and the header block starts right after
	// it. A message that merely holds the four bytes (in a base64 line, a
	// Message-ID, a header) is RFC 822.
	if i := bytes.Index(head, markEwLs); i >= 0 && !startsWithField(head) && headerFollows(head[i+4:]) {
		d := detected{format: model.FormatIMSSpool, msgOffset: int64(i + 4)}
		d.envelope = envelopeFromBlock(head[:i])
		d.envelope.Source = "ims-envelope"
		d.envelope.RawLength = int64(i + 4)
		d.anomalies = append(d.anomalies, model.Anomaly{Code: model.AnomEnvelopeOrder, Offset: int64(i), Detail: "EwLs without a preceding ImCr", Severe: true})
		if j := bytes.Index(head[i:], markImCr); j >= 0 {
			d.anomalies[0].Detail = "EwLs before ImCr"
		}
		return d
	}
	return detected{format: model.FormatRFC822, msgOffset: 0}
}

// envelopePrefix reports whether the bytes before "ImCr" can be a spool
// file's prologue (Q190709 shows one byte; other builds write a few
// binary bytes, line-end bytes among them): no line of it starts like a
// header field. "ImCr" inside a header line of a plain message is not a
// marker.
func envelopePrefix(b []byte) bool {
	// Line by line in place: bytes.Split's slice of lines was an
	// allocation per spool file.
	for {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i]
		}
		if _, _, _, ok := splitFieldLine(line); ok {
			return false
		}
		if i < 0 {
			return true
		}
		b = b[i+1:]
	}
}

// startsWithField reports a file whose first line is an RFC 5322 header
// field: an RFC 822 message, not an envelope.
func startsWithField(head []byte) bool {
	_, _, _, ok := splitFieldLine(firstLine(head))
	return ok
}

// headerFollows reports whether b (the bytes after "EwLs") starts with a
// header field line, after at most a few line ends or NUL bytes of padding.
func headerFollows(b []byte) bool {
	b = b[:min(len(b), 4096)]
	k := 0
	for k < len(b) && k < 8 && (b[k] == '\r' || b[k] == '\n' || b[k] == 0) {
		k++
	}
	_, _, _, ok := splitFieldLine(firstLine(b[k:]))
	return ok
}

func detectIMS(head []byte, at int, eof bool) detected {
	d := detected{format: model.FormatIMSSpool}
	rel := bytes.Index(head[at+4:], markEwLs)
	if rel < 0 {
		// ImCr without EwLs: the envelope is cut or the markers are
		// broken. Look for the start of a header block so the message
		// itself can still be read.
		d.anomalies = append(d.anomalies, model.Anomaly{Code: model.AnomEnvelopeNoEwLs, Offset: int64(at), Detail: "ImCr without EwLs in the first " + strconv.Itoa(len(head)) + " bytes", Severe: true})
		d.msgOffset = findHeaderStart(head, at+4)
		end := len(head)
		if d.msgOffset >= 0 {
			end = int(d.msgOffset)
		}
		d.envelope = envelopeFromBlock(head[at+4 : end])
		d.envelope.Source = "ims-envelope"
		d.envelope.RawOffset = int64(at)
		d.envelope.RawLength = int64(end - at)
		return d
	}
	ew := at + 4 + rel
	d.msgOffset = int64(ew + 4)
	d.envelope = envelopeFromBlock(head[at+4 : ew])
	d.envelope.Source = "ims-envelope"
	d.envelope.RawOffset = 0
	d.envelope.RawLength = int64(ew + 4)
	if len(d.envelope.To) == 0 {
		d.anomalies = append(d.anomalies, model.Anomaly{Code: model.AnomEnvelopeNoRcpt, Offset: int64(at), Detail: "no recipient address between ImCr and EwLs"})
	}
	return d
}

// findHeaderStart returns the offset of the first line at or after from
// that starts like a header field, or -1.
func findHeaderStart(head []byte, from int) int64 {
	for i := from; i < len(head); {
		j := bytes.IndexByte(head[i:], '\n')
		end := len(head)
		if j >= 0 {
			end = i + j
		}
		for _, p := range []string{"Received:", "Return-Path:", "From:", "Message-ID:", "Date:"} {
			if hasPrefixFold(head[i:end], p) {
				return int64(i)
			}
		}
		// Headers can also follow binary bytes on the same line.
		if k := bytes.Index(head[i:end], []byte("Received:")); k >= 0 {
			return int64(i + k)
		}
		if j < 0 {
			break
		}
		i = end + 1
	}
	return -1
}

// isHostName reports a word that reads as a host name as written in HELO:
// two or more dotted labels of 1 to 64 ASCII letters, digits and hyphens,
// none at a label's ends, with an optional "[" before and "]" after (each
// on its own), or a bracketed run of digits and dots. It is the language
// of the regexp
//
//	(?i)^\[?[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+\]?$|^\[[0-9.]+\]$
//
// read by hand for the printable ASCII words heloIn gives it
// (TestIsHostNameIsRegexp; the regexp's case folding would also take the
// Kelvin sign for a "k"): matching the regexp was 1.2% of a scan's CPU, a
// backtracking run per word of every IMS envelope (issue 16).
func isHostName(w []byte) bool {
	if len(w) >= 3 && w[0] == '[' && w[len(w)-1] == ']' && digitsAndDots(w[1:len(w)-1]) {
		return true
	}
	if len(w) > 0 && w[0] == '[' {
		w = w[1:]
	}
	if len(w) > 0 && w[len(w)-1] == ']' {
		w = w[:len(w)-1]
	}
	labels := 0
	for len(w) > 0 {
		n := bytes.IndexByte(w, '.')
		if n < 0 {
			n = len(w)
		}
		if !hostLabel(w[:n]) {
			return false
		}
		labels++
		if n == len(w) {
			break
		}
		w = w[n+1:]
		if len(w) == 0 {
			return false // a trailing dot: an empty last label
		}
	}
	return labels >= 2
}

// hostLabel reports 1 to 64 ASCII letters, digits and hyphens, a letter or
// digit at each end.
func hostLabel(l []byte) bool {
	if len(l) == 0 || len(l) > 64 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range l {
		if !isAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// digitsAndDots reports a non-empty run of ASCII digits and dots.
func digitsAndDots(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return len(b) > 0
}

// envelopeFromBlock reads the binary IMS envelope heuristically: the first
// angle-bracket address is MAIL FROM, later ones are RCPT TO (Q249273), the
// first printable host-like string before the first address is the HELO
// host, and the MTS-ID is found by its c=;a=;p=;l= shape. Nothing depends
// on offsets, field order or padding.
func envelopeFromBlock(block []byte) model.Envelope {
	var env model.Envelope
	firstAddr := len(block)
	// The addresses are found first and then copied into one string
	// that each slices: one allocation per envelope, not one per
	// address (and per append of the To list).
	var spans [16][2]int
	addrs := spans[:0]
	size := 0
	eachAngleAddr(block, func(start, end int) {
		if !isEnvelopeAddr(block[start:end]) {
			return // not an address (e.g. "<ASCII n>" noise)
		}
		if len(addrs) == 0 {
			firstAddr = start - 1
		}
		addrs = append(addrs, [2]int{start, end})
		size += end - start
	})
	var all strings.Builder
	all.Grow(size)
	for _, a := range addrs {
		all.Write(block[a[0]:a[1]])
	}
	joined := all.String()
	nTo := 0
	for i, a := range addrs {
		if i > 0 && a[1] > a[0] {
			nTo++
		}
	}
	env.To = make([]string, 0, nTo)
	at := 0
	for i, a := range addrs {
		addr := joined[at : at+a[1]-a[0]]
		at += len(addr)
		if i == 0 {
			env.From = addr
		} else if addr != "" {
			env.To = append(env.To, addr)
		}
	}
	if m := findMTSID(block); m != nil {
		env.MTSID = string(m)
	}
	env.Helo = heloIn(block[:firstAddr])
	return env
}

// heloIn returns the first word that reads as a host name (isHostName) in
// the runs of at least 3 printable ASCII bytes of b, "" when none does.
// A run holds no white space but the space, so its words are what
// strings.Fields gives; they are matched in place, not copied.
func heloIn(b []byte) string {
	start := -1
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] >= 0x20 && b[i] < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= 3 {
			for run := b[start:i]; len(run) > 0; {
				k := bytes.IndexByte(run, ' ')
				if k < 0 {
					k = len(run)
				}
				if k > 0 && isHostName(run[:k]) {
					return string(run[:k])
				}
				run = run[min(k+1, len(run)):]
			}
		}
		start = -1
	}
	return ""
}

// detectXSender reads the leading X-Sender / X-Receiver lines of a Pickup,
// IIS queue or Exchange Replay file (KB Q201314, Q221384, ims-kb.md 6.2).
// With X-EndOfInjectedXHeaders present, every X- header up to it belongs to
// the envelope; otherwise only the leading x-sender / x-receiver lines do.
func detectXSender(head []byte) detected {
	d := detected{format: model.FormatXSender}
	d.envelope.To = []string{}
	d.envelope.Source = "x-sender"
	endInjected := -1
	if i := indexFold(head, "\nX-EndOfInjectedXHeaders:"); i >= 0 {
		endInjected = lineEnd(head, i+1)
	}
	off := 0
	for off < len(head) {
		end := lineEnd(head, off)
		if end < 0 {
			end = len(head)
		}
		line := bytes.TrimRight(head[off:end], "\r\n")
		lower := bytes.ToLower(line)
		switch {
		case bytes.HasPrefix(lower, []byte("x-sender:")):
			addr, params := splitAddrParams(line[len("x-sender:"):])
			d.envelope.From = addr
			d.envelope.FromParams = params
		case bytes.HasPrefix(lower, []byte("x-receiver:")):
			addr, params := splitAddrParams(line[len("x-receiver:"):])
			d.envelope.To = append(d.envelope.To, addr)
			d.envelope.ToParams = append(d.envelope.ToParams, params)
		case bytes.HasPrefix(lower, []byte("x-helodomain:")):
			if endInjected >= 0 && off < endInjected {
				d.envelope.Helo = string(bytes.TrimSpace(line[len("x-helodomain:"):]))
			} else {
				goto done
			}
		default:
			if !(endInjected >= 0 && off < endInjected && bytes.HasPrefix(lower, []byte("x-"))) {
				goto done
			}
		}
		off = end
	}
done:
	d.msgOffset = int64(off)
	d.envelope.RawLength = int64(off)
	if allEmpty(d.envelope.ToParams) {
		d.envelope.ToParams = nil
	}
	return d
}

func allEmpty(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return false
		}
	}
	return true
}

// splitAddrParams splits " <a@b> NOTIFY=NEVER" or " a@b" into the address
// (without brackets) and its ESMTP parameters.
func splitAddrParams(v []byte) (string, string) {
	s := strings.TrimSpace(string(v))
	if strings.HasPrefix(s, "<") {
		if i := strings.IndexByte(s, '>'); i >= 0 {
			return s[1:i], strings.TrimSpace(s[i+1:])
		}
		return strings.TrimPrefix(s, "<"), ""
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], strings.TrimSpace(s[i+1:])
	}
	return s, ""
}

func isSMTPCommand(lower []byte) bool {
	for _, p := range []string{"helo ", "ehlo ", "mail from:", "rcpt to:"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			return true
		}
	}
	return false
}

// detectTranscript reads HELO/EHLO, MAIL FROM, RCPT TO and DATA lines; the
// message starts after DATA.
func detectTranscript(head []byte) detected {
	d := detected{format: model.FormatSMTPTranscript, msgOffset: -1}
	d.envelope.To = []string{}
	d.envelope.Source = "smtp-transcript"
	off := 0
	for off < len(head) {
		end := lineEnd(head, off)
		if end < 0 {
			end = len(head)
		}
		line := bytes.TrimRight(head[off:end], "\r\n")
		lower := bytes.ToLower(line)
		switch {
		case bytes.HasPrefix(lower, []byte("helo ")), bytes.HasPrefix(lower, []byte("ehlo ")):
			d.envelope.Helo = string(bytes.TrimSpace(line[5:]))
		case bytes.HasPrefix(lower, []byte("mail from:")):
			d.envelope.From, d.envelope.FromParams = splitAddrParams(line[10:])
		case bytes.HasPrefix(lower, []byte("rcpt to:")):
			a, p := splitAddrParams(line[8:])
			d.envelope.To = append(d.envelope.To, a)
			d.envelope.ToParams = append(d.envelope.ToParams, p)
		case bytes.Equal(bytes.TrimSpace(lower), []byte("data")):
			d.msgOffset = int64(end)
			d.envelope.RawLength = int64(end)
			if allEmpty(d.envelope.ToParams) {
				d.envelope.ToParams = nil
			}
			return d
		}
		off = end
	}
	if allEmpty(d.envelope.ToParams) {
		d.envelope.ToParams = nil
	}
	return d
}

// firstLine returns head up to (not including) the first LF.
func firstLine(head []byte) []byte {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		return bytes.TrimRight(head[:i], "\r")
	}
	return head
}

// lineEnd returns the offset just past the LF of the line starting at off,
// or -1 when the window ends first.
func lineEnd(head []byte, off int) int {
	if off >= len(head) {
		return -1
	}
	i := bytes.IndexByte(head[off:], '\n')
	if i < 0 {
		return -1
	}
	return off + i + 1
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && strings.EqualFold(string(b[:len(p)]), p)
}

// indexFold is an ASCII case-insensitive bytes.Index. It lowers ASCII
// letters only: bytes.ToLower turns each invalid UTF-8 byte into the 3-byte
// U+FFFD, and the index found would then not be an index into b.
func indexFold(b []byte, s string) int {
	lower := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return bytes.Index(lower, []byte(strings.ToLower(s)))
}
