package rules

import (
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// What imsforensic repair changes for each rule (package repair holds the
// fixers). A text starting with "none: " says why no safe repair exists.
// Rules of the risk and info classes are not repaired: they do not make a
// message a poison on their own.
var repairDocs = map[string]string{
	"blank-charset":                    "the blank label gets the charset the part's bytes are: us-ascii when 7-bit, utf-8 when valid UTF-8 (other 8-bit text: not repairable, the charset cannot be told)",
	"header-block-over-32k":            "the largest fields that neither route nor describe the message (not From/To/Cc/Subject/Date/Message-ID/MIME/Content-*) are moved, as written, into a text/plain part until the block is under the limit",
	"header-field-over-21k":            "the field is moved, as written, into a text/plain part (a Subject is shortened instead, see subject-over-20k); an over-long address or MIME field is not repairable",
	"subject-over-20k":                 "the Subject is cut at a blank before 900 bytes and ends in \" [...]\"; the whole Subject as written is kept in a text/plain part",
	"filename-unbalanced-paren":        "each '(' without its ')' in the file name becomes '_' (same length)",
	"missing-boundary-prolog":          "a delimiter line is inserted before the MIME header the preamble holds; a boundary that never occurs is set to the one the body uses; with neither, the body becomes the first part; a missing close delimiter is added",
	"mime-nesting-over-30":             "none: flattening more than 30 levels rewrites the message's structure; no small change removes the trigger",
	"tnef-corrupt":                     "the corrupt TNEF part is replaced by a text/plain part that says so, with the removed part's size and sha256 (the original stays in the evidence)",
	"uuencode-no-end":                  "an \"end\" line is inserted after the last uuencoded line of the block",
	"uuencode-junk-after-end":          "none: the text after \"end\" is part of the same body; splitting it out needs a new MIME structure, and the message is delivered anyway (as Message.txt)",
	"base64-invalid":                   "bytes outside the base64 alphabet and misplaced '=' are removed and the padding set right (a dangling sixth bit group is dropped)",
	"rtf-corrupt":                      "missing closing braces are appended when the body is not transfer-encoded and starts with {\\rtf; otherwise the part is replaced by a text/plain part that says so",
	"content-type-invalid-chars":       "each 8-bit or control byte in the Content-Type value becomes '_' (same length)",
	"address-comment-separator":        "each ',' or ';' inside the comment becomes a blank (same length)",
	"address-mixed-separators":         "each ';' used as a list separator becomes ',' (same length; group syntax is left alone)",
	"imcea-malformed":                  "in a header, each '+' not followed by two hex digits is written as \"+2B\" (the IMCEA escape of '+'); in the envelope: not repairable, the envelope bytes are kept",
	"filename-over-246-bytes":          "the file name (or uuencode begin-line name) is shortened to the limit, its extension kept; an RFC 2047/2231-encoded or non-UTF-8 8-bit name is not repairable",
	"dbcs-invalid-sequence":            "the lone lead byte becomes '?': in place when written as is, or inside its B-encoded word, which is re-encoded in the same charset; inside a transfer-encoded body or a Q word: not repairable",
	"crlf-run-128":                     "the run of empty lines is shortened to one below the limit",
	"qp-utf16-misaligned":              "\"=00\" is appended to the quoted-printable body, so the UTF-16 text has an even length",
	"header-non-header-line":           "the line is given a field name, \"X-Repaired-Line: \", so it reads as a field and its bytes stay",
	"received-comment-date":            "the field is renamed X-Received, so the store does not parse it as a trace field",
	"mac-attributes-invalid":           "the X-Mac-Type / X-Mac-Creator field or parameter is removed (Mac Finder hints only)",
	"recipients-over-32766":            "none: the envelope is kept byte for byte; splitting the message changes who gets which copy",
	"recipients-over-limit":            "none: splitting the recipient list changes the message's delivery; raise Max Recipients on Submit or split at the sender",
	"header-8bit":                      "an unstructured field (Subject, Comments, Keywords, X-*) is RFC 2047-encoded in the charset the bytes are (utf-8, or a charset the message declares that the bytes fit); otherwise, or in a structured field, not repairable",
	"multipart-digest-foreign-charset": "multipart/digest becomes multipart/mixed; a part that relied on the digest's default gets its Content-Type: message/rfc822 written out",
	"charset-unknown":                  "the label is replaced by the charset the part's bytes are (us-ascii when 7-bit, utf-8 when valid UTF-8); other 8-bit text is not repairable",
	"x400-address-over-1024":           "none: the address is in the IMS envelope, which is kept byte for byte; shortening an X.400 address changes the recipient",
	"no-final-crlf":                    "a CRLF is appended (or a bare final LF or CR completed to CRLF)",
	"empty-file":                       "none: there is no message to save",
	"no-message":                       "none: there is no RFC 822 header block to repair",
	"envelope-missing-recipient":       "none: the envelope is kept byte for byte; replay with an explicit recipient instead",
	"envelope-markers-broken":          "none: the envelope is kept byte for byte; its layout is undocumented",
}

// RepairDoc says what imsforensic repair does for rule id, or (starting
// with "none: ") why it does nothing.
func RepairDoc(id string) string {
	if d, ok := repairDocs[id]; ok {
		return d
	}
	if r, ok := Lookup(id); ok && r.Class < model.ClassStall {
		return "none: " + r.Class.String() + "-class findings are not repaired; they do not make a message a poison on their own"
	}
	return "none: no safe repair is known for this rule"
}

// HasRepair reports whether rule id has a repair (its RepairDoc does not
// start with "none: ").
func HasRepair(id string) bool { return !strings.HasPrefix(RepairDoc(id), "none: ") }

// WithDefaults returns a copy of c with every zero threshold set to its
// default (c may be nil), as Check uses it.
func (c *Config) WithDefaults() Config { return c.withDefaults() }

// AddressList returns the lexical structure of an address list value: the
// comments ([start, end) of each outermost "( ... )"), and the ',' and ';'
// used as list separators (not inside quotes, comments, angle brackets or
// domain literals, and not the ';' ending a group). Rules
// address-comment-separator and address-mixed-separators read it.
func AddressList(v string) (comments [][2]int, commas, semis []int) {
	s := scanAddressList(v)
	return s.comments, s.commas, s.semis
}

// IMCEAAddrs calls fn with the [start, end) of each IMCEA-encapsulated
// address in s, as rule imcea-malformed finds them.
func IMCEAAddrs(s string, fn func(start, end int)) { imceaAt(s, fn) }

// BadIMCEAEscape returns the index in addr of the first "+" not followed by
// two hex digits before the "@", or -1.
func BadIMCEAEscape(addr string) int { return badIMCEAEscape(addr) }

// InvalidContentTypeByte returns the index of the first byte of a
// Content-Type value that rule content-type-invalid-chars rejects, or -1.
func InvalidContentTypeByte(v string) int { return invalidCTByte(v) }

// UnbalancedParen returns the index of the first "(" without its ")" (ISO
// 2022 escapes aside), or -1, as rule filename-unbalanced-paren reads names.
func UnbalancedParen(s string) int { return unbalancedParen(s) }

// ContentTypeParams returns the parameters of every Content-Type field of
// p, a second Content-Type read from its raw bytes, as the charset rules
// read them.
func ContentTypeParams(p *model.Part) []*model.Param {
	var out []*model.Param
	for cp := range contentTypeParams(p) {
		out = append(out, cp.param)
	}
	return out
}
