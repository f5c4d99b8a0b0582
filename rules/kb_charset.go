package rules

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse/sniff"
)

// Charset labels (KB Q278320, Q293288, Q163080, Q166580, Q157014).

// isCharsetParam reports a "charset" parameter that has an "=" (a bare
// "charset" word with no value is not a label at all).
func isCharsetParam(pm *model.Param) bool {
	return strings.EqualFold(string(pm.Name), "charset") && strings.Contains(string(pm.Raw), "=")
}

func isBlank(s string) bool { return strings.Trim(s, " \t\r\n") == "" }

var ruleBlankCharset = Rule{
	ID: "blank-charset", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q278320", "Q293288"},
	Doc: `a charset parameter that is empty or only blanks (charset="", charset = "", charset=" ", charset=), in any Content-Type of any part`,
	Check: func(m *model.Message, c *Config, emit Emitter) {
		// QUIRK: read from the raw header bytes (parse.ParamsOf), since
		// mime.ParseMediaType drops every parameter on "charset=".
		for i := range m.Parts {
			p := &m.Parts[i]
			for cp := range contentTypeParams(p) {
				if isCharsetParam(cp.param) && isBlank(string(cp.param.Value)) {
					ev, off := paramEvidence(cp.field, cp.param)
					emit(p.Path, off, ev, fmt.Sprintf("blank charset %q in the Content-Type of a %s part (store before 5.5 SP4 stops converting it)", string(cp.param.Raw), p.MediaType))
				}
			}
		}
	},
}

var ruleCharsetUnknown = Rule{
	ID: "charset-unknown", Class: model.ClassStall, Dir: "IN/OUT", KB: []string{"Q163080", "Q166580", "Q157014"},
	Doc: "a charset label that no registry (IANA, WHATWG, common mail aliases) knows",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for cp := range contentTypeParams(p) {
				v := charsetLabel(cp.param)
				if !isCharsetParam(cp.param) || isBlank(v) || sniff.KnownCharset(v) {
					continue
				}
				ev, off := paramEvidence(cp.field, cp.param)
				emit(p.Path, off, ev, fmt.Sprintf("charset %q is not a known label: the IMS logs 4081 and leaves the file in IN (outbound it may be deleted)", v))
			}
		}
	},
}

var ruleMultipartDigestForeignCharset = Rule{
	ID: "multipart-digest-foreign-charset", Class: model.ClassStall, Dir: "IN", KB: []string{"Q157705"},
	Doc: "a multipart/digest whose parts use a charset other than the digest's",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			d := &m.Parts[i]
			if d.MediaType != "multipart/digest" {
				continue
			}
			ref := ""
			if cs := d.Param("charset"); cs != nil && !isBlank(string(cs.Value)) {
				ref = charsetKey(charsetLabel(cs))
			}
			for _, j := range descendants(m, d) {
				q := &m.Parts[j]
				cs := q.Param("charset")
				if cs == nil || isBlank(string(cs.Value)) {
					continue
				}
				key := charsetKey(charsetLabel(cs))
				if ref == "" {
					ref = key // the first part's charset is the digest's
					continue
				}
				if key != ref {
					ev, off := paramEvidence(paramField(q, cs), cs)
					emit(q.Path, off, ev, fmt.Sprintf("digest part %s is in %s, the digest in %s: the IMS logs 4037 and the file stays in IN", q.Path, key, ref))
					break
				}
			}
		}
	},
}

func charsetKey(label string) string { return strings.ToLower(strings.Trim(label, " \t\"'")) }

// charsetLabel is the label of a charset parameter: the quoted value, or
// the unquoted token without a trailing RFC 822 comment
// ("US-ASCII (Plain Text)" is us-ascii).
func charsetLabel(pm *model.Param) string {
	v := string(pm.Value)
	if pm.Quoted {
		return v
	}
	if i := strings.IndexAny(v, " \t("); i >= 0 {
		v = v[:i]
	}
	return v
}
