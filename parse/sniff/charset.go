package sniff

import (
	"bytes"
	"strings"
	"sync"

	gmcharset "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// extraCharsets are labels common in mail that some registry knows but
// that the Go indexes either miss or only know under another spelling.
var extraCharsets = map[string]bool{
	"us-ascii": true, "ascii": true, "utf-8": true, "utf8": true, "unicode-1-1-utf-8": true,
	"utf-16": true, "utf-16le": true, "utf-16be": true, "utf-32": true, "utf-32le": true,
	"utf-32be": true, "utf-7": true, "unicode-1-1-utf-7": true, "csunicode11utf7": true,
	"unicode-2-0-utf-7": true, "x-unicode20utf7": true, "ks_c_5601-1987": true,
	"x-user-defined": true, "iso-2022-jp-2": true, "iso-2022-jp-1": true, "iso-2022-jp-3": true,
	"ansi_x3.110-1983": true, "x-utf_8j": true,
}

// charsetCacheMax bounds the cache: labels come from the messages, and a
// queue full of distinct gibberish labels must not grow memory without end.
const charsetCacheMax = 4096

// charsetCache maps normalised labels to KnownCharset's answer. It is a
// plain map under a RWMutex rather than a sync.Map because a lookup by
// map[string(bytes)] does not allocate, where boxing a key for sync.Map
// does; CheckEncodedWords looks labels up straight from header bytes.
var charsetCache = struct {
	sync.RWMutex
	m map[string]bool
}{m: make(map[string]bool)}

// KnownCharset reports whether label names a charset that some registry
// knows (rule charset-unknown, KB Q163080: the IMS failed event 4081 on
// labels it did not know): an IANA name or alias (ianaindex, known even
// when Go cannot decode it), a WHATWG label (htmlindex), a label the
// go-message charset package accepts ("cs" prefixes, its quirk table),
// the multibyte labels NewDBCS knows, or a common mail label from a short
// list (utf-7, ks_c_5601-1987, x-user-defined ...). Matching ignores case
// and surrounding quotes and white space.
//
// An empty label is not known: a blank charset is rule blank-charset's
// business, which must look at raw header bytes anyway. Safe for
// concurrent use; results are cached.
func KnownCharset(label string) bool {
	return knownCharsetBytes([]byte(label))
}

// knownCharsetBytes is KnownCharset on bytes; a cached label costs no
// allocation.
func knownCharsetBytes(label []byte) bool {
	label = bytes.Trim(label, " \t\r\n\"'")
	if len(label) == 0 {
		return false
	}
	var buf [64]byte
	var name []byte
	if len(label) <= len(buf) {
		name = buf[:len(label)]
		for i, c := range label {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			name[i] = c
		}
	} else {
		name = bytes.ToLower(label)
	}
	charsetCache.RLock()
	known, ok := charsetCache.m[string(name)]
	charsetCache.RUnlock()
	if ok {
		return known
	}
	key := string(name)
	known = lookupCharset(key)
	if len(key) <= len(buf) {
		charsetCache.Lock()
		if len(charsetCache.m) < charsetCacheMax {
			charsetCache.m[key] = known
		}
		charsetCache.Unlock()
	}
	return known
}
func lookupCharset(name string) bool {
	if extraCharsets[name] || dbcsLabels[name] != dbcsNone {
		return true
	}
	if _, err := ianaindex.IANA.Encoding(name); err == nil {
		return true
	}
	if _, err := ianaindex.MIME.Encoding(name); err == nil {
		return true
	}
	if _, err := htmlindex.Get(name); err == nil {
		return true
	}
	if !strings.HasPrefix(name, "cs") {
		if _, err := ianaindex.IANA.Encoding("cs" + name); err == nil {
			return true
		}
	}
	_, err := gmcharset.Reader(name, strings.NewReader(""))
	return err == nil
}
