package sniff

import (
	"encoding/binary"
	"slices"
)

// Base64Result is what a Base64 decoder found in one body. It feeds
// model.BodyScan's Base64* fields (rule base64-invalid, KB Q190556).
type Base64Result struct {
	// BadChar is the file offset of the first byte outside the base64
	// alphabet; CR, LF, space and tab are ignored. -1: none.
	BadChar int64
	// BadPadding: an "=" before the third character of a group, more "="
	// than the group needs, a group left incomplete after its first "=",
	// or alphabet characters after padding ("data after padding").
	BadPadding bool
	// BadLength: Chars is not a multiple of 4.
	BadLength bool
	// Chars counts alphabet characters, "=" included, white space and bad
	// bytes excluded.
	Chars int64
}

// Base64 decodes a base64 body (RFC 2045 section 6.8) line by line while it
// validates it. Decoding goes on past errors, best effort (bad bytes are
// skipped, a group after padding starts afresh), so the content sniffers
// still see the content Exchange would have tried to convert. For valid
// input the output equals encoding/base64.StdEncoding's.
//
// The zero value is ready to use; Reset makes it ready for the next part.
type Base64 struct {
	group   [3]byte // values of the data characters of the current group
	n       int     // data characters in the current group (0..3)
	pads    int     // "=" seen after the current group's data
	badSeen bool
	badChar int64
	res     Base64Result
}

// base64Table maps a byte to its 6-bit value, or to one of the classes
// below (all >= 64, so OR-ing four lookups tells whether all are data).
var base64Table = func() (t [256]byte) {
	for i := range t {
		t[i] = base64Bad
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	t['='] = base64Pad
	for _, c := range []byte{' ', '\t', '\r', '\n'} {
		t[c] = base64Space
	}
	return t
}()

const (
	base64Pad   = 0xFD
	base64Space = 0xFE
	base64Bad   = 0xFF
)

// Reset forgets everything, for the next part.
func (b *Base64) Reset() { *b = Base64{} }

// Line decodes one body line, given without its line ending, whose first
// byte is at file offset lineOffset. It appends the decoded bytes to out
// and returns the extended slice; reusing out across lines avoids
// allocation.
func (b *Base64) Line(line []byte, lineOffset int64, out []byte) []byte {
	out = slices.Grow(out, len(line)/4*3+8) // +8: slack for the 8-byte stores
	dst := out[len(out):cap(out)]
	w := 0
	i := 0
	for i < len(line) {
		if b.n == 0 && b.pads == 0 {
			// Fast path: eight data characters (two groups) at a time,
			// written as one 8-byte store of which 6 bytes count, then
			// single groups.
			start := i
			for i+8 <= len(line) && w+8 <= len(dst) {
				src := line[i : i+8 : i+8]
				c0, c1, c2, c3 := base64Table[src[0]], base64Table[src[1]], base64Table[src[2]], base64Table[src[3]]
				c4, c5, c6, c7 := base64Table[src[4]], base64Table[src[5]], base64Table[src[6]], base64Table[src[7]]
				if c0|c1|c2|c3|c4|c5|c6|c7 >= 64 {
					break
				}
				v := uint64(c0)<<58 | uint64(c1)<<52 | uint64(c2)<<46 | uint64(c3)<<40 |
					uint64(c4)<<34 | uint64(c5)<<28 | uint64(c6)<<22 | uint64(c7)<<16
				binary.BigEndian.PutUint64(dst[w:], v)
				w += 6
				i += 8
			}
			for i+4 <= len(line) {
				src := line[i : i+4 : i+4]
				c0, c1, c2, c3 := base64Table[src[0]], base64Table[src[1]], base64Table[src[2]], base64Table[src[3]]
				if c0|c1|c2|c3 >= 64 {
					break
				}
				v := uint32(c0)<<18 | uint32(c1)<<12 | uint32(c2)<<6 | uint32(c3)
				dst[w], dst[w+1], dst[w+2] = byte(v>>16), byte(v>>8), byte(v)
				w += 3
				i += 4
			}
			b.res.Chars += int64(i - start)
			if i >= len(line) {
				break
			}
		}
		w += b.step(base64Table[line[i]], lineOffset+int64(i), dst[w:])
		i++
	}
	return out[:len(out)+w]
}

// Count is Line for a body whose decoded bytes nobody reads (no content
// analyser wants them and the leading bytes are kept): it validates and
// counts exactly as Line does, leaves the decoder in the state Line would
// (the partial group's values included, so Line and Finish may follow),
// and returns how many bytes Line would have appended. Its fast path only
// tests that eight characters are data, which is most of a base64 body.
func (b *Base64) Count(line []byte, lineOffset int64) int {
	w := 0
	i := 0
	for i < len(line) {
		if b.n == 0 && b.pads == 0 {
			start := i
			for i+8 <= len(line) {
				src := line[i : i+8 : i+8]
				if base64Table[src[0]]|base64Table[src[1]]|base64Table[src[2]]|base64Table[src[3]]|
					base64Table[src[4]]|base64Table[src[5]]|base64Table[src[6]]|base64Table[src[7]] >= 64 {
					break
				}
				i += 8
			}
			for i+4 <= len(line) {
				src := line[i : i+4 : i+4]
				if base64Table[src[0]]|base64Table[src[1]]|base64Table[src[2]]|base64Table[src[3]] >= 64 {
					break
				}
				i += 4
			}
			w += (i - start) / 4 * 3
			b.res.Chars += int64(i - start)
			if i >= len(line) {
				break
			}
		}
		w += b.step(base64Table[line[i]], lineOffset+int64(i), nil)
		i++
	}
	return w
}

// step takes one character off the fast paths, of table value v at file
// offset off, and returns the bytes it completed, written to dst unless
// dst is nil (Count).
func (b *Base64) step(v byte, off int64, dst []byte) int {
	switch {
	case v < 64:
		b.res.Chars++
		if b.pads > 0 {
			// Data after padding: start a new group, as decoders
			// that accept concatenated encodings do.
			b.res.BadPadding = true
			b.n, b.pads = 0, 0
		}
		if b.n < 3 {
			b.group[b.n] = v
			b.n++
			return 0
		}
		if dst != nil {
			g := b.group
			dst[0] = g[0]<<2 | g[1]>>4
			dst[1] = g[1]<<4 | g[2]>>2
			dst[2] = g[2]<<6 | v
		}
		b.n = 0
		return 3
	case v == base64Pad:
		b.res.Chars++
		if dst == nil {
			var scratch [2]byte
			return b.pad(scratch[:])
		}
		return b.pad(dst)
	case v == base64Space:
	default:
		if !b.badSeen {
			b.badSeen, b.badChar = true, off
		}
	}
	return 0
}

// Chars is Base64Result.Chars so far: the alphabet characters and "="
// Line and Count have met.
func (b *Base64) Chars() int64 { return b.res.Chars }

// FirstBad returns the file offset of the first byte outside the
// alphabet, "=" and white space that Line has met (Base64Result.BadChar
// before Finish), and whether there was one.
func (b *Base64) FirstBad() (int64, bool) { return b.badChar, b.badSeen }

// pad handles one "=": the first one flushes the partial group into dst
// and returns the bytes written; later ones are only counted.
func (b *Base64) pad(dst []byte) int {
	if b.pads > 0 {
		b.pads++
		if b.n+b.pads > 4 {
			b.res.BadPadding = true // more "=" than the group needs
		}
		return 0
	}
	if b.n < 2 {
		// "=" where data must be: at a group start, or after a single
		// character that cannot make a byte on its own.
		b.res.BadPadding = true
		return 0
	}
	b.pads = 1
	return b.flush(dst)
}

// flush writes the bytes of a partial group of 2 or 3 characters.
func (b *Base64) flush(dst []byte) int {
	g := b.group
	switch b.n {
	case 2:
		dst[0] = g[0]<<2 | g[1]>>4
		return 1
	case 3:
		dst[0] = g[0]<<2 | g[1]>>4
		dst[1] = g[1]<<4 | g[2]>>2
		return 2
	}
	return 0
}

// Finish ends the body: it appends the bytes of an unpadded final group to
// out (best effort) and returns the verdict. Call Reset before reusing b.
func (b *Base64) Finish(out []byte) ([]byte, Base64Result) {
	res := b.res
	res.BadChar = -1
	if b.badSeen {
		res.BadChar = b.badChar
	}
	if b.pads > 0 && b.n+b.pads < 4 {
		res.BadPadding = true // "QQ=": the group needed one more "="
	}
	if b.pads == 0 && b.n > 0 {
		var tail [2]byte
		k := b.flush(tail[:])
		out = append(out, tail[:k]...)
	}
	res.BadLength = res.Chars%4 != 0
	return out, res
}
