package smtpsink

import (
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// StoredEnvelope is the <id>.json written beside each <id>.eml: the SMTP
// envelope as received and the facts about the stored bytes.
type StoredEnvelope struct {
	Type   model.RecordType `json:"type"` // always model.TypeSinkMsg
	Schema int              `json:"schema"`

	ID         string    `json:"id"`
	File       string    `json:"file"` // <id>.eml
	ReceivedAt time.Time `json:"received_at"`
	ConnID     string    `json:"conn_id"`
	Remote     string    `json:"remote"`
	Helo       string    `json:"helo"`
	TLS        bool      `json:"tls"`
	TLSVersion string    `json:"tls_version,omitempty"`
	AuthUser   string    `json:"auth_user,omitempty"` // the AUTH user, "" without

	Mail  MailParams  `json:"mail"`
	Rcpts []RcptEntry `json:"rcpts"`

	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// DotDecoded is always true: the .eml is the DATA content after
	// go-smtp undid dot-stuffing (see the package doc QUIRK).
	DotDecoded bool `json:"dot_decoded"`

	TopClass model.Class      `json:"top_class"`
	Findings []FindingSummary `json:"findings"`
}

// MailParams is MAIL FROM and its ESMTP parameters.
type MailParams struct {
	From       string  `json:"from"` // "" for the null reverse path <>
	Size       int64   `json:"size,omitempty"`
	Body       string  `json:"body,omitempty"`  // 7BIT, 8BITMIME
	Auth       *string `json:"auth,omitempty"`  // AUTH=; "" for AUTH=<>
	Return     string  `json:"ret,omitempty"`   // FULL, HDRS
	EnvID      string  `json:"envid,omitempty"` // xtext-decoded
	UTF8       bool    `json:"smtputf8,omitempty"`
	RequireTLS bool    `json:"requiretls,omitempty"`
}

// RcptEntry is one RCPT TO with its DSN parameters.
type RcptEntry struct {
	Addr      string   `json:"addr"`
	Notify    []string `json:"notify,omitempty"`
	ORcptType string   `json:"orcpt_type,omitempty"`
	ORcpt     string   `json:"orcpt,omitempty"`
}

// FindingSummary is a lint finding without its evidence text.
type FindingSummary struct {
	Rule   string      `json:"rule"`
	Class  model.Class `json:"class"`
	Part   string      `json:"part"`
	Offset int64       `json:"offset"`
}

// PoisonEntry is one line of poison.jsonl and of Stats.Poison.
type PoisonEntry struct {
	Type        model.RecordType `json:"type"` // always model.TypeSinkPoison
	Schema      int              `json:"schema"`
	Fingerprint string           `json:"fingerprint"`
	SHA256      string           `json:"sha256"`
	From        string           `json:"from"`
	Rcpts       []string         `json:"rcpts"`
	Crashes     int              `json:"crashes"`
	Rules       []string         `json:"rules"`
	File        string           `json:"file"` // poison/<fingerprint>.eml
	Time        time.Time        `json:"time"`
}

func summarize(fs []model.Finding) ([]FindingSummary, model.Class) {
	sorted := append([]model.Finding(nil), fs...)
	model.SortFindings(sorted)
	out := make([]FindingSummary, 0, len(sorted))
	top := model.ClassNone
	for _, f := range sorted {
		out = append(out, FindingSummary{Rule: f.Rule, Class: f.Class, Part: f.Part, Offset: f.Offset})
		if f.Class > top {
			top = f.Class
		}
	}
	return out, top
}
