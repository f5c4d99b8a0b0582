package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// mapper turns words into placeholders of the same length and character
// class (upper-case letter, lower-case letter, digit, and for UTF-8 a
// character of the same byte length), keyed by HMAC-SHA256 so that the
// same word maps to the same placeholder in every file of a run, and in
// every run under the same --key. A mapper is safe for concurrent use.
type mapper struct {
	key []byte
	mu  sync.Mutex
	// seen maps each original word to its placeholder, for --map; not
	// kept with noSeen.
	seen   map[string]string
	noSeen bool
	// streams caches each folded word's HMAC stream: a queue repeats its
	// words (names, domains) in every file.
	streams map[string][]byte
	// hmacs are HMACs keyed with key, for block.
	hmacs sync.Pool
}

func newMapper(key []byte) *mapper {
	return &mapper{key: key, seen: map[string]string{}, streams: map[string][]byte{}}
}

// longSeed is the longest seed stream uses as is; a longer one is
// hashed first. Each 32-byte block of the stream hashes the whole seed, so
// a word of 1 MiB (one line of letters) took 32,768 HMACs of 1 MiB: 37 s,
// and a 50 MB one never ended. Words up to this length keep the
// placeholders they always had.
const longSeed = 1024

// maxStreams bounds the stream cache: the words of a queue's names and
// domains repeat, a run's subjects and bodies need not.
const maxStreams = 1 << 16

// stream returns n pseudo-random bytes derived from the key and seed.
func (mp *mapper) stream(seed string, n int) []byte {
	if len(seed) > longSeed {
		sum := sha256.Sum256([]byte(seed))
		seed = "long\x00" + string(sum[:])
	}
	out := make([]byte, 0, n+32)
	for ctr := uint32(0); len(out) < n; ctr++ {
		out = mp.block(out, seed, ctr)
	}
	return out[:n]
}

// block appends block ctr of the stream of seed (a seed stream has used
// as is) to out: 32 bytes, HMAC-SHA256 of the counter and the seed.
func (mp *mapper) block(out []byte, seed string, ctr uint32) []byte {
	// A keyed HMAC is reused (Reset keeps the key): a new one for each
	// block was a tenth of the CPU of a message of 2,000,000 words.
	h, _ := mp.hmacs.Get().(hash.Hash)
	if h == nil {
		h = hmac.New(sha256.New, mp.key)
	}
	var c [4]byte
	binary.BigEndian.PutUint32(c[:], ctr)
	h.Write(c[:])
	io.WriteString(h, seed)
	out = h.Sum(out)
	h.Reset()
	mp.hmacs.Put(h)
	return out
}

// word returns the placeholder of w (ASCII letters and digits, and UTF-8
// characters). The key is the word folded to lower case, so "Lee" and "lee"
// get the same letters, each in its own case.
func (mp *mapper) word(w []byte) []byte {
	// An ASCII word, as most are, is looked up folded on the stack: the
	// key is copied only to be stored.
	var buf [64]byte
	folded, ascii := foldASCII(buf[:0], w)
	short := ascii && len(w) <= len(buf)
	lower := ""
	if !short {
		lower = strings.ToLower(string(w))
	}
	mp.mu.Lock()
	var r []byte
	var ok bool
	if short {
		r, ok = mp.streams[string(folded)]
	} else {
		r, ok = mp.streams[lower]
	}
	mp.mu.Unlock()
	if !ok || len(r) < len(w) {
		if short {
			lower = string(folded)
		}
		r = mp.stream("w\x00"+lower, len(w))
		if len(lower) <= longSeed { // a longer one is not met twice
			mp.mu.Lock()
			if len(mp.streams) >= maxStreams {
				// A cache, not a record: start again rather than grow
				// with every distinct word of a run.
				clear(mp.streams)
			}
			mp.streams[lower] = r
			mp.mu.Unlock()
		}
	}
	return mp.placeholder(w, r)
}

// placeholder is w's placeholder from its stream r, recorded for --map.
func (mp *mapper) placeholder(w, r []byte) []byte {
	out := make([]byte, 0, len(w))
	for i := 0; i < len(w); {
		c := w[i]
		switch {
		case 'a' <= c && c <= 'z':
			out = append(out, 'a'+r[i]%26)
		case 'A' <= c && c <= 'Z':
			out = append(out, 'A'+r[i]%26)
		case '0' <= c && c <= '9':
			out = append(out, '0'+r[i]%10)
		case c >= 0x80:
			_, n := utf8.DecodeRune(w[i:])
			out = utf8.AppendRune(out, sameWidthRune(n, r[i]))
			i += n
			continue
		default:
			out = append(out, c)
		}
		i++
	}
	if !mp.noSeen {
		mp.mu.Lock()
		mp.seen[string(w)] = string(out)
		mp.mu.Unlock()
	}
	return out
}

// sameWidthRune picks a letter whose UTF-8 form has n bytes: Latin-1
// letters for 2, CJK ideographs for 3, CJK Extension B for 4.
func sameWidthRune(n int, b byte) rune {
	switch n {
	case 2:
		r := rune(0xE0 + int(b)%31) // à .. þ
		if r == 0xF7 {              // ÷ is not a letter
			r = 0xF8
		}
		return r
	case 3:
		return rune(0x4E00 + int(b)*37)
	case 4:
		return rune(0x20000 + int(b)*37)
	}
	return '?'
}

// isWordByte reports a byte that belongs to a word: ASCII letters and
// digits, and the bytes of UTF-8 multi-byte characters.
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// vocabulary is what redaction keeps because it is the grammar of mail, not
// its content: names of months and weekdays, time zones and the keywords of
// Received fields (RFC 5322 3.3 and 3.6.7). Rules read dates in Received
// comments (received-comment-date), so they must survive.
var vocabulary = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`jan feb mar apr may jun jul aug sep sept oct nov dec
		january february march april june july august september october november december
		mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday
		gmt ut utc est edt cst cdt mst mdt pst pdt z
		from by with id for via smtp esmtp esmtpa esmtps lmtp http mapi
		imcea imceaex imceasmtp imceax400 imceaccmail imceams imceanotes
		begin end rtf`) {
		m[w] = true
	}
	return m
}()

// keepWord reports a word redaction leaves as it is: the vocabulary above,
// glued dates, and single characters, which say nothing about anyone.
// Every word of a message is asked (2,000,000 header fields are as many
// words): an ASCII word is folded on the stack, and glued dates are
// matched by hand (dateWordRE in the tests is the same as a regexp, which
// cost a fifth of the CPU of such a message).
func keepWord(w []byte) bool {
	if utf8.RuneCount(w) < 2 {
		return true
	}
	var buf [16]byte
	if lower, ok := foldASCII(buf[:0], w); ok {
		if len(w) <= len(buf) && vocabulary[string(lower)] {
			return true
		}
	} else if vocabulary[strings.ToLower(string(w))] {
		return true
	}
	return hasDigit(w) && isDateWord(w)
}

// foldASCII appends w folded to lower case to dst, and reports whether w
// is all ASCII (else dst is left as it was: strings.ToLower folds the
// rest). It does not grow dst past its capacity: a word longer than that
// is folded only as far as the capacity goes.
func foldASCII(dst, w []byte) ([]byte, bool) {
	for _, c := range w {
		if c >= 0x80 {
			return dst[:0], false
		}
	}
	for _, c := range w {
		if len(dst) == cap(dst) {
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}

// months are the month names of glued dates, and meridiems the hours'.
var (
	months    = map[string]bool{"jan": true, "feb": true, "mar": true, "apr": true, "may": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true}
	meridiems = map[string]bool{"am": true, "pm": true}
)

// isDateWord reports the glued date and time words of Received comments
// ("14Feb98", "0313pm": timing, not content): up to four digits, a month
// name, up to four digits; or one to four digits and am or pm. Letters
// match in any case, and U+017F (long s) as s, as a case-insensitive
// regexp matches them (the only letter outside ASCII that folds to one of
// these).
func isDateWord(w []byte) bool {
	i, j := 0, len(w)
	for i < j && '0' <= w[i] && w[i] <= '9' {
		i++
	}
	for j > i && '0' <= w[j-1] && w[j-1] <= '9' {
		j--
	}
	lead, trail := i, len(w)-j
	var buf [4]byte
	name := buf[:0]
	for k := i; k < j; {
		c := w[k]
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xC5 && k+1 < j && w[k+1] == 0xBF: // U+017F
			c = 's'
			k++
		default:
			return false
		}
		if len(name) == len(buf) {
			return false
		}
		name = append(name, c)
		k++
	}
	if months[string(name)] {
		return lead <= 4 && trail <= 4
	}
	return meridiems[string(name)] && 1 <= lead && lead <= 4 && trail == 0
}

func hasDigit(w []byte) bool {
	for _, c := range w {
		if '0' <= c && c <= '9' {
			return true
		}
	}
	return false
}

// redactText replaces every word of b with its placeholder, in place,
// except the bytes under keep (a mask over b, nil for none): a word is cut
// by word bytes alone, so a kept byte inside it does not make two words
// ("IMCEAEX" with its first byte kept is still the keyword). Bytes that
// are not UTF-8 and not ASCII (a legacy 8-bit or DBCS charset) are left as
// they are: their characters cannot be told apart without the charset, and
// changing them byte by byte would change the lead/trail structure rules
// read.
func (mp *mapper) redactText(b []byte, keep []bool) {
	for i := 0; i < len(b); {
		if b[i] == 0x1b {
			i = escapeEnd(b, i) // an ISO 2022 designation is syntax
			continue
		}
		if !isWordByte(b[i]) {
			i++
			continue
		}
		j := i
		for j < len(b) && isWordByte(b[j]) {
			j++
		}
		if all(keep, i, j) {
			i = j
			continue
		}
		if utf8.Valid(b[i:j]) {
			mp.replace(b, i, j, keep)
		} else {
			mp.redactMixed(b, i, j, keep)
		}
		i = j
	}
}

// escapeEnd returns the end of the ISO 2022 escape sequence at b[i] (ESC,
// intermediate bytes 0x20-0x2F, a final byte 0x30-0x7E: ESC $ B, ESC ( J).
func escapeEnd(b []byte, i int) int {
	j := i + 1
	for j < len(b) && b[j] >= 0x20 && b[j] <= 0x2f {
		j++
	}
	if j < len(b) && b[j] >= 0x30 && b[j] <= 0x7e {
		j++
	}
	return j
}

// all reports whether keep covers b[i:j].
func all(keep []bool, i, j int) bool {
	if keep == nil {
		return false
	}
	for k := i; k < j; k++ {
		if !keep[k] {
			return false
		}
	}
	return true
}

// replace writes the placeholder of the word b[i:j] over it, but for the
// kept bytes.
func (mp *mapper) replace(b []byte, i, j int, keep []bool) {
	w := b[i:j]
	if keepWord(w) {
		return
	}
	ph := mp.word(w)
	for k := range ph {
		if keep == nil || !keep[i+k] {
			b[i+k] = ph[k]
		}
	}
}

// redactMixed redacts the valid UTF-8 / ASCII runs of the word b[i:j],
// which holds bytes of another charset, leaving those bytes alone.
func (mp *mapper) redactMixed(b []byte, i, j int, keep []bool) {
	for k := i; k < j; {
		r, n := utf8.DecodeRune(b[k:j])
		if r == utf8.RuneError && n <= 1 {
			k++
			continue
		}
		e := k
		for e < j {
			r, n := utf8.DecodeRune(b[e:j])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			e += n
		}
		mp.replace(b, k, e, keep)
		k = e
	}
}

// redactBinary replaces every ASCII letter and digit of b (an attachment's
// decoded content) with one of the same class, in place; other bytes stay,
// so a binary format keeps most of its structure while its text (ASCII or
// UTF-16) is gone. The stream depends on the key and on the content, so the
// result is deterministic.
func (mp *mapper) redactBinary(b []byte, keep []bool) {
	sum := sha256.Sum256(b)
	r := mp.stream("b\x00"+string(sum[:]), len(b))
	for i, c := range b {
		if keep != nil && keep[i] {
			continue
		}
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = 'a' + r[i]%26
		case 'A' <= c && c <= 'Z':
			b[i] = 'A' + r[i]%26
		case '0' <= c && c <= '9':
			b[i] = '0' + r[i]%10
		}
	}
}
