package model

import (
	"bytes"
	"encoding/json"
)

// File names, paths, addresses and errors are plain strings in the
// records, and may hold any bytes (a spool file named "bad<0xFF>x", an
// address from a damaged envelope). encoding/json would write U+FFFD for an
// invalid byte, so two different names could print alike. Each record
// below writes those fields with Escape and reads them back with
// Unescape, as Text fields are written (README, "Bytes in JSON").

// marshalPlain is json.Marshal without HTML escaping: the encoder that
// called MarshalJSON applies its own SetEscapeHTML to what is returned, so
// a record keeps "<" and ">" in addresses when its writer asked for that.
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func escapeAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Escape(s)
	}
	return out
}

func unescapeAll(ss []string) {
	for i, s := range ss {
		ss[i] = Unescape(s)
	}
}

// MarshalJSON writes the addresses with Escape.
func (e Envelope) MarshalJSON() ([]byte, error) {
	type plain Envelope
	p := plain(e)
	p.From, p.To, p.FromParams, p.ToParams = Escape(e.From), escapeAll(e.To), Escape(e.FromParams), escapeAll(e.ToParams)
	p.Helo, p.MTSID = Escape(e.Helo), Escape(e.MTSID)
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly.
func (e *Envelope) UnmarshalJSON(b []byte) error {
	type plain Envelope
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	e.From, e.FromParams, e.Helo, e.MTSID = Unescape(e.From), Unescape(e.FromParams), Unescape(e.Helo), Unescape(e.MTSID)
	unescapeAll(e.To)
	unescapeAll(e.ToParams)
	return nil
}

// MarshalJSON writes the path, name and error with Escape.
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message
	p := plain(m)
	p.Path, p.Name, p.Error = Escape(m.Path), Escape(m.Name), Escape(m.Error)
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly.
func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	m.Path, m.Name, m.Error = Unescape(m.Path), Unescape(m.Name), Unescape(m.Error)
	return nil
}

// MarshalJSON writes the path and name with Escape.
func (s Suspect) MarshalJSON() ([]byte, error) {
	type plain Suspect
	p := plain(s)
	p.Path, p.Name = Escape(s.Path), Escape(s.Name)
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly.
func (s *Suspect) UnmarshalJSON(b []byte) error {
	type plain Suspect
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	s.Path, s.Name = Unescape(s.Path), Unescape(s.Name)
	return nil
}

// MarshalJSON writes the path and name with Escape.
func (c Culprit) MarshalJSON() ([]byte, error) {
	type plain Culprit
	p := plain(c)
	p.Path, p.Name = Escape(c.Path), Escape(c.Name)
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly: a resumed
// bisect matches culprits with the messages by path.
func (c *Culprit) UnmarshalJSON(b []byte) error {
	type plain Culprit
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	c.Path, c.Name = Unescape(c.Path), Unescape(c.Name)
	return nil
}

// MarshalJSON writes the paths with Escape.
func (s BisectStep) MarshalJSON() ([]byte, error) {
	type plain BisectStep
	p := plain(s)
	p.Paths, p.Culprit = escapeAll(s.Paths), Escape(s.Culprit)
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly.
func (s *BisectStep) UnmarshalJSON(b []byte) error {
	type plain BisectStep
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	s.Culprit = Unescape(s.Culprit)
	unescapeAll(s.Paths)
	return nil
}

// MarshalJSON writes the path and name with Escape.
func (u Untestable) MarshalJSON() ([]byte, error) {
	type plain Untestable
	p := plain(u)
	p.Path, p.Name = Escape(u.Path), Escape(u.Name)
	return marshalPlain(p)
}

// UnmarshalJSON reads what MarshalJSON wrote, bytes exactly.
func (u *Untestable) UnmarshalJSON(b []byte) error {
	type plain Untestable
	if err := json.Unmarshal(b, (*plain)(u)); err != nil {
		return err
	}
	u.Path, u.Name = Unescape(u.Path), Unescape(u.Name)
	return nil
}
