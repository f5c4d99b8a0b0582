package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// Config holds every threshold of the catalogue. A zero field means its
// default (the KB value); a nil *Config is all defaults. JSON keys are the
// ones a rules file uses.
type Config struct {
	// RFC 5322 2.1.1 line limit (line-over-998).
	MaxLineLength int64 `json:"max_line_length,omitempty"`
	// header-count-over-1000, parts-over-1000.
	MaxHeaderFields int `json:"max_header_fields,omitempty"`
	MaxParts        int `json:"max_parts,omitempty"`
	// Q193639: 32 KiB header block, 21 KiB single field.
	HeaderBlockBytes int64 `json:"header_block_bytes,omitempty"`
	HeaderFieldBytes int64 `json:"header_field_bytes,omitempty"`
	// Q197491: 20 KB Subject buffer.
	SubjectBytes int64 `json:"subject_bytes,omitempty"`
	// Q173343: MSExchangeIS\ParametersSystem\InternetContent\LimitNestingLevels.
	LimitNestingLevels int `json:"limit_nesting_levels,omitempty"`
	// Q258319: attachment file name length.
	FilenameBytes int `json:"filename_bytes,omitempty"`
	// Q235219: consecutive empty lines.
	CRLFRun int64 `json:"crlf_run,omitempty"`
	// Q246051: MSExchangeIS\ParametersSystem\Max Recipients on Submit.
	MaxRecipientsOnSubmit int `json:"max_recipients_on_submit,omitempty"`
	// Q272672: 0x7FFE recipients.
	MaxEnvelopeRecipients int `json:"max_envelope_recipients,omitempty"`
	// Q176477: outbound recipients a remote host may refuse.
	MaxOutboundRecipients int `json:"max_outbound_recipients,omitempty"`
	// Q263457: X.400 / IMCEAEX address length.
	MaxX400Address int `json:"max_x400_address,omitempty"`
	// Q217155: a preamble longer than this that holds MIME headers is a
	// missing-boundary prolog.
	PreambleBytes int64 `json:"preamble_bytes,omitempty"`
	// Q175704: MSExchangeIS\ParametersSystem\InternetContent\
	// ContentTypeEQMimeVer. 1 (the default, nil here): a top-level
	// Content-Type makes a message MIME without MIME-Version, so its
	// uuencoded text is not uudecoded; 0: only MIME-Version does.
	ContentTypeEQMimeVer *int `json:"content_type_eq_mime_ver,omitempty"`

	// Disabled turns rules off by ID.
	Disabled map[string]bool `json:"disabled,omitempty"`
	// Classes overrides a rule's class by ID.
	Classes map[string]model.Class `json:"classes,omitempty"`
	// Confidence overrides a rule's confidence (0..1) by ID.
	Confidence map[string]float64 `json:"confidence,omitempty"`
	// MaxFindingsPerRule caps findings of one rule on one message; the
	// rest are summarised in one finding. 0 = 20.
	MaxFindingsPerRule int `json:"max_findings_per_rule,omitempty"`
}

// DefaultConfig returns the KB defaults.
func DefaultConfig() *Config {
	c := (*Config)(nil).withDefaults()
	return &c
}

func (c *Config) withDefaults() Config {
	var v Config
	if c != nil {
		v = *c
	}
	setI64 := func(p *int64, d int64) {
		if *p == 0 {
			*p = d
		}
	}
	setI := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	setI64(&v.MaxLineLength, 998)
	setI(&v.MaxHeaderFields, 1000)
	setI(&v.MaxParts, 1000)
	setI64(&v.HeaderBlockBytes, 32768)
	setI64(&v.HeaderFieldBytes, 21*1024)
	setI64(&v.SubjectBytes, 20*1024)
	setI(&v.LimitNestingLevels, 30)
	setI(&v.FilenameBytes, 246)
	setI64(&v.CRLFRun, 128)
	setI(&v.MaxRecipientsOnSubmit, 1000)
	setI(&v.MaxEnvelopeRecipients, 32766)
	setI(&v.MaxOutboundRecipients, 100)
	setI(&v.MaxX400Address, 1024)
	setI64(&v.PreambleBytes, 0)
	setI(&v.MaxFindingsPerRule, 20)
	return v
}

func (c *Config) contentTypeEQMimeVer() bool {
	return c.ContentTypeEQMimeVer == nil || *c.ContentTypeEQMimeVer != 0
}

// LoadConfig reads a rules file (JSON with the keys of Config). Unknown
// keys and unknown rule IDs are errors, so a typo does not silently leave
// a default in force.
func LoadConfig(path string) (*Config, error) {
	f, err := readonly.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rules config: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("rules config %s: %w", path, err)
	}
	for _, m := range []map[string]bool{c.Disabled} {
		for id := range m {
			if _, ok := Lookup(id); !ok {
				return nil, fmt.Errorf("rules config %s: unknown rule %q", path, id)
			}
		}
	}
	for id := range c.Classes {
		if _, ok := Lookup(id); !ok {
			return nil, fmt.Errorf("rules config %s: unknown rule %q", path, id)
		}
	}
	for id := range c.Confidence {
		if _, ok := Lookup(id); !ok {
			return nil, fmt.Errorf("rules config %s: unknown rule %q", path, id)
		}
	}
	return &c, nil
}

// Set overrides one threshold by its rules-file key
// (limit_nesting_levels=50). Values are whole numbers.
func (c *Config) Set(key, value string) error {
	keys := ThresholdKeys()
	if !slices.Contains(keys, key) {
		return fmt.Errorf("unknown threshold %q; the thresholds are: %s", key, strings.Join(keys, ", "))
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%s=%s: want a whole number >= 0", key, value)
	}
	b, _ := json.Marshal(map[string]int64{key: n})
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("%s=%s: %w", key, value, err)
	}
	return nil
}

// ThresholdKeys are the rules-file keys of Config's numeric thresholds,
// the keys Set takes, in Config's order.
func ThresholdKeys() []string {
	var keys []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		k := f.Type.Kind()
		if k == reflect.Pointer {
			k = f.Type.Elem().Kind()
		}
		if k != reflect.Int && k != reflect.Int64 {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}
