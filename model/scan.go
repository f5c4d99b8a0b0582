package model

// ByteScan holds what the raw byte scan of the RFC 822 part found,
// independently of any MIME parser. Offsets are file offsets; -1 means
// "none seen".
type ByteScan struct {
	Lines         int64 `json:"lines"`
	CRLF          int64 `json:"crlf"`
	BareLF        int64 `json:"bare_lf"`
	FirstBareLF   int64 `json:"first_bare_lf"`
	BareCR        int64 `json:"bare_cr"`
	FirstBareCR   int64 `json:"first_bare_cr"`
	NUL           int64 `json:"nul"`
	FirstNUL      int64 `json:"first_nul"`
	LongestLine   int64 `json:"longest_line"` // octets, line end excluded
	LongestLineAt int64 `json:"longest_line_at"`
	LinesOver998  int64 `json:"lines_over_998"`
	EndsWithCRLF  bool  `json:"ends_with_crlf"`
	// EndsWithLF: the RFC 822 part ends in a bare LF (a file stored with
	// Unix line ends), told apart from a last line with no end at all.
	EndsWithLF      bool  `json:"ends_with_lf,omitempty"`
	FinalByteOffset int64 `json:"final_byte_offset"` // offset of the last byte, -1 for empty
	// FinalLineOffset is where the last line of the RFC 822 part starts
	// (-1 for empty); parse keeps an excerpt there, so rule no-final-crlf
	// can quote the bytes the file ends with (Q146993).
	FinalLineOffset int64 `json:"final_line_offset"`

	// Top-level header block: bytes from the first field up to and
	// including the blank line (or EOF when there is none).
	HeaderBytes      int64 `json:"header_bytes"`
	HeaderFields     int   `json:"header_fields"`
	HeaderTerminated bool  `json:"header_terminated"`
	Header8Bit       int64 `json:"header_8bit"` // count of 8-bit bytes in top-level header fields
	FirstHeader8Bit  int64 `json:"first_header_8bit"`

	Parts    int `json:"parts"`     // MIME entities, the top one included
	MaxDepth int `json:"max_depth"` // nesting depth: multipart and message/rfc822 levels
}

// UUBlock is one uuencode block: a "begin NNN name" line and its "end".
type UUBlock struct {
	Offset       int64  `json:"offset"` // the begin line
	Mode         string `json:"mode"`
	Name         Text   `json:"name"`
	EndOffset    int64  `json:"end_offset"`     // -1: no end line
	JunkAfterEnd int64  `json:"junk_after_end"` // -1: none; offset of the first non-blank line after end
}

// BodyScan is what the streaming scan of one part's body found. Decoded
// facts refer to the body after its Content-Transfer-Encoding is undone.
type BodyScan struct {
	DecodedSize int64 `json:"decoded_size"`
	// Leading holds the first bytes of the decoded content (up to 32), for
	// signature checks (TNEF 0x223E9F78, "{\rtf", BinHex).
	Leading Bytes `json:"leading,omitempty"`

	// Base64: offset of the first byte outside the alphabet (-1: none),
	// and whether padding or length (mod 4) is wrong.
	Base64BadChar    int64 `json:"base64_bad_char"`
	Base64BadPadding bool  `json:"base64_bad_padding,omitempty"`
	Base64BadLength  bool  `json:"base64_bad_length,omitempty"`
	Base64Chars      int64 `json:"base64_chars,omitempty"`

	QPBadEscape int64 `json:"qp_bad_escape"` // first "=" not followed by hex or soft break; -1 none

	Uuencode     []UUBlock `json:"uuencode,omitempty"`
	BinHexOffset int64     `json:"binhex_offset"` // "(This file must be converted with BinHex" line; -1 none

	MaxEmptyRun       int64 `json:"max_empty_run"` // longest run of consecutive empty lines
	MaxEmptyRunOffset int64 `json:"max_empty_run_offset"`
	LoneDot           int64 `json:"lone_dot"` // count of lines holding a single "."
	FirstLoneDot      int64 `json:"first_lone_dot"`

	// Content analysers (filled for the media types they apply to).
	TNEF *TNEFScan `json:"tnef,omitempty"`
	RTF  *RTFScan  `json:"rtf,omitempty"`
	// HrefLeadingSpace is the file offset of an HTML href="  ..." whose
	// value starts with white space (-1: none). For encoded bodies it is
	// the body offset, since decoded positions have no file offset.
	HrefLeadingSpace int64 `json:"href_leading_space"`
	// DBCSInvalid is the file offset (or body offset when encoded) of the
	// first lead byte without a valid trail byte in a DBCS text body; -1 none.
	DBCSInvalid int64 `json:"dbcs_invalid"`
}

// TNEFScan is the result of walking a TNEF stream's attribute list.
type TNEFScan struct {
	SignatureOK bool `json:"signature_ok"`
	Attributes  int  `json:"attributes"`
	Truncated   bool `json:"truncated,omitempty"`
	// Corrupt is set for structural defects other than the signature and
	// truncation: a bad attribute checksum or level.
	Corrupt bool   `json:"corrupt,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// RTFScan is the result of checking an RTF body.
type RTFScan struct {
	StartsWithRTF bool  `json:"starts_with_rtf"`
	Balance       int64 `json:"balance"`             // open minus close braces at the end
	Underflow     bool  `json:"underflow,omitempty"` // a "}" with no open "{"
}

// Anomaly is something parse noticed while reading: malformed structure,
// a normalisation a library would hide, a limit reached. Rules turn
// anomalies into findings; parse never judges.
type Anomaly struct {
	Code   string `json:"code"`
	Part   string `json:"part"`
	Offset int64  `json:"offset"`
	Detail string `json:"detail,omitempty"`
	Severe bool   `json:"severe,omitempty"`
}

// Anomaly codes recorded by parse.
const (
	AnomNonHeaderLine      = "non-header-line"       // a header-block line that is neither field nor fold
	AnomEmptyFieldName     = "empty-field-name"      // ":value"
	AnomSpaceBeforeColon   = "space-before-colon"    // "Subject : x" (go-message trims it)
	AnomHeaderUnterminated = "header-unterminated"   // EOF (or a boundary) inside a header block
	AnomHeaderNoBlankLine  = "header-no-blank-line"  // the body starts without the blank line
	AnomMultipartUnclosed  = "multipart-unclosed"    // EOF inside an open multipart
	AnomBoundaryNotFound   = "boundary-not-found"    // boundary parameter never occurs in the body
	AnomEnvelopeNoEwLs     = "envelope-no-ewls"      // ImCr without EwLs
	AnomEnvelopeOrder      = "envelope-marker-order" // EwLs before ImCr
	AnomEnvelopeNoRcpt     = "envelope-no-recipient"
	AnomNoMessage          = "no-message"              // no RFC 822 header block at all
	AnomLimit              = "limit"                   // a parse.Options limit was reached; Detail names it
	AnomContinuationFirst  = "continuation-first-line" // the header block starts with a fold
	AnomDelimiterTrailing  = "delimiter-trailing-text" // "--boundary" followed by text other than padding
	AnomDelimiterDoubled   = "delimiter-doubled"       // two delimiter lines in a row
	AnomHeaderBOM          = "header-bom"              // a UTF-8 byte-order mark before the first field
	AnomUnindentedFold     = "unindented-continuation" // a line read as the open field's continuation though it lacks the fold's white space
	// An mbox message's Content-Length field: honoured over "From " lines
	// in its body, or not used (parse.MboxMessage.LengthNote).
	AnomMboxContentLength = "mbox-content-length"
	AnomMboxPrologue      = "mbox-prologue" // bytes before an mbox file's first "From " line
)
