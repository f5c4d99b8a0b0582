package model

import "time"

// Format is how a message file was recognised (by content, never by name).
type Format string

const (
	FormatIMSSpool       Format = "ims-spool"       // ImCr ... EwLs envelope, then RFC 822
	FormatXSender        Format = "x-sender"        // Pickup / Exchange Replay / IIS queue file
	FormatMbox           Format = "mbox"            // "From " line first
	FormatSMTPTranscript Format = "smtp-transcript" // MAIL FROM / RCPT TO / DATA first
	FormatRFC822         Format = "rfc822"          // anything else
)

// Queue names, as in the JSON contract. QueueNone is a file outside any
// recognised Imcdata/TempIMS folder.
const (
	QueueIN         = "IN"
	QueueOUT        = "OUT"
	QueueINArchive  = "IN/Archive"
	QueueOUTArchive = "OUT/Archive"
	QueuePickup     = "Pickup"
	QueueNone       = ""
)

// Message is everything parse learned about one file, plus the findings the
// rules derived from it. Parse fills every field but Path, Name, Queue,
// ModTime, Findings and Score, which the caller (inventory, rules) sets.
//
// A Message is returned even for malformed input: what could not be read is
// recorded in Anomalies, never silently dropped.
type Message struct {
	Type   RecordType `json:"type"`   // always TypeMessage
	Schema int        `json:"schema"` // SchemaVersion

	Path   string `json:"path"`
	Name   string `json:"name"`
	Queue  string `json:"queue"`
	Format Format `json:"format"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// MboxOrdinal is the message's place (1-based) in an mbox file that
	// holds several; 0 for a file that is one message. FileOffset is
	// where its bytes start in the file (its "From " line). Size and
	// SHA256 are then the message's own; every other offset is still a
	// file offset. Name is the file name with "#" and the ordinal.
	MboxOrdinal int       `json:"mbox_ordinal,omitempty"`
	FileOffset  int64     `json:"file_offset,omitempty"`
	ModTime     time.Time `json:"mtime,omitzero"`

	Envelope Envelope `json:"envelope"`

	// Subject is the top-level Subject as written (raw bytes, unfolded,
	// capped like every header value); From is the top-level From.
	Subject Text `json:"subject"`
	From    Text `json:"from_header"`
	// SubjectDecoded is Subject with its RFC 2047 encoded words decoded
	// to UTF-8; empty when Subject holds none or one did not decode. Parse
	// decodes once so that every renderer shows the same subject.
	SubjectDecoded Text `json:"subject_decoded,omitempty"`

	// MessageOffset is the file offset where the RFC 822 part starts (after
	// the IMS envelope or the X-Sender lines); -1 when there is none.
	MessageOffset int64 `json:"message_offset"`

	// Parts is the MIME tree in pre-order. Parts[0] is the top-level entity
	// (path ""); a part's children follow it with paths "1", "1.2", ...
	Parts []Part `json:"parts,omitempty"`

	Scan ByteScan `json:"scan"`

	Anomalies []Anomaly `json:"anomalies,omitempty"`
	Findings  []Finding `json:"findings"`
	Score     float64   `json:"score"`

	// Excerpts holds, for the offsets parse recorded (first bare LF, first
	// NUL, a bad base64 byte, a uuencode begin line, ...), the file's bytes
	// at that offset (up to ExcerptLen, never past the end of the line).
	// Rules quote them as evidence, so a finding's evidence is always the
	// bytes at its offset.
	Excerpts map[int64]Text `json:"-"`

	// Error is set when the file could not be read at all (or only in
	// part); the message is still reported.
	Error string `json:"error,omitempty"`

	// Raw is the file's bytes as the scan read and hashed them, kept only
	// when the scan was asked to (inventory.Options.KeepBytes: replay's
	// streamed send, which then does not read the file again); nil
	// otherwise. Not part of any record.
	Raw []byte `json:"-"`
}

// NewMessage returns the Message of a file before anything is read from
// it: type and schema set, empty (not null) findings and recipients, and
// every offset at -1, "none seen". Parse starts from it, and so does a
// file that could not be read at all, so both encode alike.
func NewMessage() *Message {
	return &Message{
		Type: TypeMessage, Schema: SchemaVersion,
		Envelope:      Envelope{To: []string{}},
		Findings:      []Finding{},
		MessageOffset: -1,
		Scan: ByteScan{FirstBareLF: -1, FirstBareCR: -1, FirstNUL: -1, LongestLineAt: -1, FirstHeader8Bit: -1,
			FinalByteOffset: -1, FinalLineOffset: -1},
	}
}

// ExcerptLen is the most bytes parse keeps per excerpt.
const ExcerptLen = 48

// Excerpt returns the recorded bytes at a file offset ("" when none).
func (m *Message) Excerpt(off int64) Text { return m.Excerpts[off] }

// DisplaySubject is the subject for people: decoded when it decoded, as
// written otherwise.
func (m *Message) DisplaySubject() Text {
	if m.SubjectDecoded != "" {
		return m.SubjectDecoded
	}
	return m.Subject
}

// Root returns the top-level part, or nil when the file held no message.
func (m *Message) Root() *Part {
	if m == nil || len(m.Parts) == 0 {
		return nil
	}
	return &m.Parts[0]
}

// Header returns the top-level header fields.
func (m *Message) Header() []HeaderField {
	if r := m.Root(); r != nil {
		return r.Header
	}
	return nil
}

// TopClass is the highest class among the findings.
func (m *Message) TopClass() Class {
	c := ClassNone
	for _, f := range m.Findings {
		if f.Class > c {
			c = f.Class
		}
	}
	return c
}

// HasRule reports whether a finding of rule id is present.
func (m *Message) HasRule(id string) bool {
	for _, f := range m.Findings {
		if f.Rule == id {
			return true
		}
	}
	return false
}

// Envelope is the SMTP envelope (RFC 5321 MAIL FROM and RCPT TO) as far as
// the file tells it. For IMS spool files it is recovered heuristically from
// the binary block between ImCr and EwLs; RawOffset/RawLength locate that
// block so nothing is lost.
type Envelope struct {
	From string   `json:"from"`
	To   []string `json:"to"`

	// FromParams and ToParams are the ESMTP parameters written with the
	// addresses (X-Sender / X-Receiver and transcripts); ToParams is
	// parallel to To when present.
	FromParams string   `json:"from_params,omitempty"`
	ToParams   []string `json:"to_params,omitempty"`

	Helo  string `json:"helo,omitempty"`
	MTSID string `json:"mts_id,omitempty"` // X.400 c=..;a=..;p=..;l=..

	// Source says where the envelope came from: "ims-envelope",
	// "x-sender", "smtp-transcript", "headers" (From/To/Cc/Bcc), "" (none).
	Source string `json:"source,omitempty"`

	// RawOffset and RawLength locate the IMS envelope block (ImCr up to and
	// including EwLs) or the X-Sender lines in the file.
	RawOffset int64 `json:"raw_offset,omitempty"`
	RawLength int64 `json:"raw_length,omitempty"`

	// FromOffset and ToOffsets are the file offsets of the addresses in
	// the envelope block or lines (-1: not located, e.g. beyond the
	// envelope window or taken from headers); ToOffsets is parallel to To
	// when set. Parse keeps an excerpt at each, so rules can quote
	// envelope addresses as evidence.
	FromOffset int64   `json:"-"`
	ToOffsets  []int64 `json:"-"`
}

// HeaderField is one header field as written. Value is the unfolded value
// (CRLF+WSP folds removed, leading white space after the colon kept out),
// capped at parse.Options.MaxFieldValue bytes; ValueLength is its true
// length, so a capped field still reports its real size.
type HeaderField struct {
	Name        Text  `json:"name"`
	Value       Text  `json:"value"`
	Offset      int64 `json:"offset"`       // file offset of the field's first byte
	RawLength   int64 `json:"raw_length"`   // bytes in the file, folds and line ends included
	ValueLength int64 `json:"value_length"` // unfolded value length
	Lines       int   `json:"lines"`
	Truncated   bool  `json:"truncated,omitempty"` // Value was capped
	// Known is which well-known field Name is (FieldNameOf), set by the
	// parser; FieldUnset where it was not.
	Known       FieldName `json:"-"`
	ValueOffset int64     `json:"value_offset"` // file offset of the value's first byte

	// Segments map the unfolded Value back to the file: one entry per
	// physical line, giving the index in Value where that line's bytes
	// start and their file offset. Unfolding only removes line ends, so
	// Value[i] is the byte at OffsetAt(i) in the file.
	Segments []Segment `json:"-"`
}

// Segment is one physical line of a folded header field.
type Segment struct {
	Index  int   // index in the unfolded value
	Offset int64 // file offset of Value[Index]
}

// OffsetAt returns the file offset of Value[i].
func (f *HeaderField) OffsetAt(i int) int64 {
	off := f.ValueOffset + int64(i)
	for _, s := range f.Segments {
		if s.Index > i {
			break
		}
		off = s.Offset + int64(i-s.Index)
	}
	return off
}

// Excerpt returns up to n bytes of Value from index i, cut at the end of
// the physical line, so the result is exactly the file's bytes at
// OffsetAt(i).
func (f *HeaderField) Excerpt(i, n int) (Text, int64) {
	if i < 0 || i > len(f.Value) {
		i = 0
	}
	end := i + n
	if end > len(f.Value) {
		end = len(f.Value)
	}
	for _, s := range f.Segments {
		if s.Index > i && s.Index < end {
			end = s.Index
			break
		}
	}
	return f.Value[i:end], f.OffsetAt(i)
}

// Param is one media-type parameter exactly as written, read leniently from
// the raw field (mime.ParseMediaType drops or rejects broken ones).
type Param struct {
	Name   Text  `json:"name"`
	Value  Text  `json:"value"`            // unquoted value
	Raw    Text  `json:"raw"`              // the whole "name = value" text
	Quoted bool  `json:"quoted,omitempty"` // value was a quoted-string
	Offset int64 `json:"offset"`           // file offset of the parameter name
}

// Part is one MIME entity. Offsets are file offsets.
type Part struct {
	Path  string `json:"path"` // "" for the top, "1", "1.2", ...
	Depth int    `json:"depth"`

	Offset       int64 `json:"offset"`        // first byte of the part's header
	HeaderLength int64 `json:"header_length"` // header block incl. the blank line
	BodyOffset   int64 `json:"body_offset"`
	BodyLength   int64 `json:"body_length"`

	Header []HeaderField `json:"header,omitempty"`

	// Content-Type as written and as read leniently.
	ContentType       Text    `json:"content_type,omitempty"` // raw unfolded value
	ContentTypeOffset int64   `json:"content_type_offset,omitempty"`
	MediaType         string  `json:"media_type"` // lower-case type/subtype; "text/plain" default
	Params            []Param `json:"params,omitempty"`

	CTE               string  `json:"cte,omitempty"` // lower-cased Content-Transfer-Encoding
	CTEOffset         int64   `json:"cte_offset,omitempty"`
	Disposition       string  `json:"disposition,omitempty"`
	DispositionParams []Param `json:"disposition_params,omitempty"`

	// Filename is the attachment name as written (filename= or name=, RFC
	// 2231 continuations joined); FilenameDecoded after RFC 2047/2231
	// decoding, when that succeeded.
	Filename        Text  `json:"filename,omitempty"`
	FilenameOffset  int64 `json:"filename_offset,omitempty"`
	FilenameDecoded Text  `json:"filename_decoded,omitempty"`
	FilenameEncoded bool  `json:"filename_encoded,omitempty"` // RFC 2047 or 2231 form

	// Multipart structure.
	Boundary            Text  `json:"boundary,omitempty"`
	HasBoundaryParam    bool  `json:"has_boundary_param,omitempty"`
	BoundaryCount       int   `json:"boundary_count,omitempty"` // delimiter lines seen (closing excluded)
	CloseBoundaryFound  bool  `json:"close_boundary_found,omitempty"`
	FirstBoundaryOffset int64 `json:"first_boundary_offset,omitempty"`
	PreambleLength      int64 `json:"preamble_length,omitempty"`
	// PreambleHeaderOffset is where the preamble holds a line that looks
	// like a MIME header (Content-Type: ...), -1 when none: the missing
	// boundary prolog of Q217155.
	PreambleHeaderOffset int64 `json:"preamble_header_offset"`
	Children             int   `json:"children,omitempty"`

	Body BodyScan `json:"body"`
}

// IsMultipart reports a multipart/* media type.
func (p *Part) IsMultipart() bool { return len(p.MediaType) > 10 && p.MediaType[:10] == "multipart/" }

// Param returns the first parameter of the Content-Type with the given
// lower-case name, or nil.
func (p *Part) Param(name string) *Param {
	for i := range p.Params {
		if equalFoldASCII(string(p.Params[i].Name), name) {
			return &p.Params[i]
		}
	}
	return nil
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
