package parse

import (
	"bytes"
	"strconv"

	"github.com/imsforensic/imsforensic/model"
)

// maxKeptEnvelopeRecipients bounds the envelope addresses kept from one
// file: KB Q272672 needs counts above 32,766, and a hostile file must not
// grow memory without end. Beyond it addresses are counted in an anomaly.
const maxKeptEnvelopeRecipients = 100000

// maxEnvelopeExcerpts bounds the envelope addresses quoted in
// Message.Excerpts.
const maxEnvelopeExcerpts = 1000

// needsLargeEnvelope reports an IMS envelope whose EwLs marker lies beyond
// the leading window with no header block inside it: a big recipient list
// (32,767 recipients make an envelope of about 1 MB).
func needsLargeEnvelope(d *detected, eof bool) bool {
	if eof || d.format != model.FormatIMSSpool || d.msgOffset >= 0 {
		return false
	}
	for _, a := range d.anomalies {
		if a.Code == model.AnomEnvelopeNoEwLs {
			return true
		}
	}
	return false
}

// readLargeEnvelope streams an IMS envelope that does not fit the window,
// window bytes at a time, up to and including EwLs, collecting its angle-
// bracket addresses as envelopeFromBlock does (first = MAIL FROM, later =
// RCPT TO) with their file offsets. It consumes the bytes it reads and
// returns how many; when EwLs is found d.msgOffset is set after it and the
// ImCr-without-EwLs anomaly is dropped. imCrAt is the offset of ImCr.
func readLargeEnvelope(br *source, d *detected, imCrAt, window int, excerpts map[int64]model.Text) int64 {
	env := &d.envelope
	env.From, env.To, env.FromOffset, env.ToOffsets = "", []string{}, -1, nil
	n, _ := br.Discard(imCrAt + 4)
	pos := int64(n)
	fromSeen, dropped, quoted := false, 0, 0
	// A chunk's addresses are copied into one string that each slices:
	// one allocation per chunk, not one per address of 32,767.
	var spans [][2]int
	var joined []byte
	add := func(chunk []byte, base int64) {
		spans, joined = spans[:0], joined[:0]
		eachAngleAddr(chunk, func(start, end int) {
			if isEnvelopeAddr(chunk[start:end]) {
				spans = append(spans, [2]int{start, end})
				joined = append(joined, chunk[start:end]...)
			}
		})
		all, at := string(joined), 0
		for _, sp := range spans {
			start, end := sp[0], sp[1]
			addr := all[at : at+end-start]
			at += end - start
			off := base + int64(start)
			if quoted < maxEnvelopeExcerpts {
				// The chunk's bytes at off are addr's: the excerpt shares its string.
				excerpts[off] = model.Text(addr[:min(len(addr), model.ExcerptLen)])
				quoted++
			}
			switch {
			case !fromSeen:
				env.From, env.FromOffset, fromSeen = addr, off, true
			case addr == "":
			case len(env.To) >= maxKeptEnvelopeRecipients:
				dropped++
			default:
				env.To = append(env.To, addr)
				env.ToOffsets = append(env.ToOffsets, off)
			}
		}
	}
	found := false
	for {
		buf, err := br.Peek(window)
		if i := bytes.Index(buf, markEwLs); i >= 0 {
			add(buf[:i], pos)
			k, _ := br.Discard(i + 4)
			pos += int64(k)
			found = true
			break
		}
		if err != nil || len(buf) < 8 {
			add(buf, pos)
			k, _ := br.Discard(len(buf))
			pos += int64(k)
			break
		}
		// Keep a possibly split marker or address for the next chunk.
		cut := len(buf) - 3
		if k := bytes.LastIndexByte(buf[:cut], '<'); k > 0 && bytes.IndexByte(buf[k:cut], '>') < 0 {
			cut = k
		}
		add(buf[:cut], pos)
		k, _ := br.Discard(cut)
		pos += int64(k)
	}
	env.RawLength = pos - env.RawOffset
	if dropped > 0 {
		d.anomalies = append(d.anomalies, model.Anomaly{Code: model.AnomLimit, Offset: int64(imCrAt),
			Detail: "envelope recipients beyond " + strconv.Itoa(maxKeptEnvelopeRecipients) + " not kept: " + strconv.Itoa(dropped) + " more"})
	}
	if !found {
		return pos
	}
	d.msgOffset = pos
	kept := d.anomalies[:0]
	for _, a := range d.anomalies {
		if a.Code != model.AnomEnvelopeNoEwLs {
			kept = append(kept, a)
		}
	}
	d.anomalies = kept
	if len(env.To) == 0 {
		d.anomalies = append(d.anomalies, model.Anomaly{Code: model.AnomEnvelopeNoRcpt, Offset: int64(imCrAt), Detail: "no recipient address between ImCr and EwLs"})
	}
	return pos
}

// locateEnvelope finds the file offsets of the envelope addresses inside
// the envelope bytes of the leading window (IMS block, X-Sender lines or
// transcript commands), in order, and keeps an excerpt at each. Addresses
// it cannot find keep offset -1.
func locateEnvelope(head []byte, env *model.Envelope, excerpts map[int64]model.Text) {
	env.FromOffset = -1
	env.ToOffsets = nil
	if env.Source == "" || env.Source == "headers" {
		return
	}
	lo := max(0, min(int(env.RawOffset), len(head)))
	hi := max(lo, min(int(env.RawOffset+env.RawLength), len(head)))
	region := head[:hi]
	cursor := lo
	quoted := 0
	find := func(addr string) int64 {
		if addr == "" {
			return -1
		}
		i := indexString(region[cursor:], addr)
		if i < 0 {
			return -1
		}
		at := cursor + i
		cursor = at + len(addr)
		if quoted < maxEnvelopeExcerpts {
			// The bytes at at are addr's: the excerpt shares its string.
			excerpts[int64(at)] = model.Text(addr[:min(len(addr), model.ExcerptLen)])
			quoted++
		}
		return int64(at)
	}
	env.FromOffset = find(env.From)
	if len(env.To) == 0 {
		return
	}
	env.ToOffsets = make([]int64, len(env.To))
	for i, a := range env.To {
		env.ToOffsets[i] = find(a)
	}
}

// indexString is bytes.Index(b, []byte(s)) without the copy of s (an
// address longer than the compiler's stack buffer was a heap allocation).
func indexString(b []byte, s string) int {
	if len(s) == 0 {
		return 0
	}
	for i := 0; len(b)-i >= len(s); i++ {
		j := bytes.IndexByte(b[i:len(b)-len(s)+1], s[0])
		if j < 0 {
			return -1
		}
		i += j
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
