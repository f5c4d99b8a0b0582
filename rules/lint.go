package rules

import (
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse"
)

// LintBytes parses raw (one whole message file or an SMTP DATA payload)
// and runs the catalogue on it. The result always has Findings set; a
// parse error is recorded in Message.Error.
func LintBytes(raw []byte, cfg *Config) *model.Message {
	m, err := parse.ParseBytes(raw, nil)
	if m == nil {
		m = model.NewMessage()
	}
	if err != nil {
		m.Error = err.Error()
	}
	Apply(m, cfg)
	return m
}
