package rules

import "strings"

// simpleAddressList reports a value that net/mail.ParseAddressList
// certainly accepts, found by one pass over a grammar far narrower than
// RFC 5322's: comma-separated mailboxes, each an addr-spec of dot-atoms
// ("a.b@c.d") or an angle address ("<a@b>") behind an optional phrase of
// plain atoms and quoted strings without escapes ("Ann Lee" or "Lee, Ann"
// <al@x>), spaces around. Anything else (comments, groups, escapes,
// encoded-words, non-ASCII, tabs) answers false and goes to net/mail,
// whose parse was the largest cost of the address rules (3.6% of scan's
// CPU on the bench corpus). Only true is a promise: TestSimpleAddressList
// and FuzzSimpleAddressList hold every true to net/mail.
func simpleAddressList(v string) bool {
	for p := 0; ; p++ {
		p = skipSpaces(v, p)
		q, ok := simpleMailbox(v, p)
		if !ok {
			return false
		}
		p = skipSpaces(v, q)
		if p == len(v) {
			return true
		}
		if v[p] != ',' {
			return false
		}
	}
}

// simpleMailbox reads one mailbox of simpleAddressList's grammar at p and
// returns where it ends.
func simpleMailbox(v string, p int) (int, bool) {
	if q, ok := dotAtomEnd(v, p); ok && q < len(v) && v[q] == '@' {
		return dotAtomEnd(v, q+1)
	}
	for p < len(v) && v[p] != '<' {
		q := p
		if v[p] == '"' {
			q = quotedEnd(v, p)
		} else if q = atomEnd(v, p); strings.Contains(v[p:q], "=?") {
			return p, false // an encoded-word: net/mail decodes it
		}
		if q == p {
			return p, false
		}
		p = skipSpaces(v, q)
	}
	if p == len(v) {
		return p, false
	}
	q, ok := dotAtomEnd(v, p+1)
	if !ok || q == len(v) || v[q] != '@' {
		return p, false
	}
	r, ok := dotAtomEnd(v, q+1)
	if !ok || r == len(v) || v[r] != '>' {
		return p, false
	}
	return r + 1, true
}

// dotAtomEnd reads atoms joined by single dots at p (RFC 5322 3.2.3).
func dotAtomEnd(v string, p int) (int, bool) {
	for {
		q := atomEnd(v, p)
		if q == p {
			return p, false
		}
		if q == len(v) || v[q] != '.' {
			return q, true
		}
		p = q + 1
	}
}

// atomEnd returns the end of the run of atext (RFC 5322 3.2.3) at p.
func atomEnd(v string, p int) int {
	for p < len(v) && isAtext(v[p]) {
		p++
	}
	return p
}

func isAtext(c byte) bool { return atextByte[c] }

// atextByte holds RFC 5322 atext: letters, digits and the 19 specials, as
// a table (a search of the specials per byte of every address was a
// third of address-invalid's time). TestByteTablesArePredicates.
var atextByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", b) >= 0
	}
	return t
}()

// quotedEnd returns the end of a quoted string at p (v[p] == '"') of
// printable ASCII and spaces without '\', not empty; p if there is none.
func quotedEnd(v string, p int) int {
	q := p + 1
	for q < len(v) && v[q] != '"' {
		if c := v[q]; c < 0x20 || c > 0x7e || c == '\\' {
			return p
		}
		q++
	}
	if q == len(v) || q == p+1 {
		return p
	}
	return q + 1
}

func skipSpaces(v string, p int) int {
	for p < len(v) && v[p] == ' ' {
		p++
	}
	return p
}
