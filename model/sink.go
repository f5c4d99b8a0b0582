package model

import "time"

// SinkMessage is the <id>.json the imsforensic sink (package smtpsink)
// writes beside each stored <id>.eml: the SMTP envelope as received and
// the facts about the stored bytes.
type SinkMessage struct {
	Type   RecordType `json:"type"` // always TypeSinkMsg
	Schema int        `json:"schema"`

	ID         string    `json:"id"`
	File       string    `json:"file"` // <id>.eml
	ReceivedAt time.Time `json:"received_at"`
	ConnID     string    `json:"conn_id"`
	Remote     string    `json:"remote"`
	Helo       string    `json:"helo"`
	TLS        bool      `json:"tls"`
	TLSVersion string    `json:"tls_version,omitempty"`
	AuthUser   string    `json:"auth_user,omitempty"` // the AUTH user, "" without

	Mail  SinkMail   `json:"mail"`
	Rcpts []SinkRcpt `json:"rcpts"`

	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// DotDecoded is always true: the .eml is the DATA content after
	// go-smtp undid dot-stuffing (see the smtpsink package doc QUIRK).
	DotDecoded bool `json:"dot_decoded"`

	TopClass Class            `json:"top_class"`
	Findings []FindingSummary `json:"findings"`
}

// SinkMail is MAIL FROM and its ESMTP parameters (RFC 1870 SIZE, RFC 6152
// BODY, RFC 4954 AUTH, RFC 3461 RET and ENVID, RFC 6531 SMTPUTF8, RFC 8689
// REQUIRETLS), as the sink received them.
type SinkMail struct {
	From       string  `json:"from"` // "" for the null reverse path <>
	Size       int64   `json:"size,omitempty"`
	Body       string  `json:"body,omitempty"`  // 7BIT, 8BITMIME
	Auth       *string `json:"auth,omitempty"`  // AUTH=; "" for AUTH=<>
	Return     string  `json:"ret,omitempty"`   // FULL, HDRS
	EnvID      string  `json:"envid,omitempty"` // xtext-decoded
	UTF8       bool    `json:"smtputf8,omitempty"`
	RequireTLS bool    `json:"requiretls,omitempty"`
}

// SinkRcpt is one RCPT TO with its RFC 3461 DSN parameters.
type SinkRcpt struct {
	Addr      string   `json:"addr"`
	Notify    []string `json:"notify,omitempty"`
	ORcptType string   `json:"orcpt_type,omitempty"`
	ORcpt     string   `json:"orcpt,omitempty"`
}

// FindingSummary is a Finding without its evidence text, detail or KB
// list: where it is and how bad, for a record that points at the bytes
// instead of quoting them.
type FindingSummary struct {
	Rule   string `json:"rule"`
	Class  Class  `json:"class"`
	Part   string `json:"part"`
	Offset int64  `json:"offset"`
}

// SinkPoison is one line of the sink's poison.jsonl when it emulates an
// IMS that crashes on poison: one message that "crashed" it, by
// fingerprint, with how often.
type SinkPoison struct {
	Type        RecordType `json:"type"` // always TypeSinkPoison
	Schema      int        `json:"schema"`
	Fingerprint string     `json:"fingerprint"`
	SHA256      string     `json:"sha256"`
	From        string     `json:"from"`
	Rcpts       []string   `json:"rcpts"`
	Crashes     int        `json:"crashes"`
	Rules       []string   `json:"rules"`
	File        string     `json:"file"` // poison/<fingerprint>.eml
	Time        time.Time  `json:"time"`
}
