package rules

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Structure and "ambiguous MIME" malformations: faults on which parsers
// disagree about what a message contains (where a part ends, which name an
// attachment has, which parameter counts). An old parser such as the IMS's
// took one reading; the message may then convert into something its sender
// never wrote, or trip the code paths the KB rules name. They are risk
// class: common enough in real mail not to accuse a message on their own.

var ruleHeaderBodyNoSeparator = Rule{
	ID: "header-body-no-separator", Class: model.ClassRisk, Dir: "IN/OUT", KB: []string{"Q175841"},
	Doc: "a header block that runs into its body, or into the next boundary, without the blank line: parsers disagree on where the header ends (the IMS drops the last field, Q175841)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		seen := map[string]bool{}
		for _, a := range m.Anomalies {
			switch {
			case a.Code == model.AnomHeaderNoBlankLine, a.Code == model.AnomNonHeaderLine && !a.Severe:
			case a.Code == model.AnomHeaderUnterminated && a.Part != "":
				// A part whose header a boundary ended; an empty one is
				// boundary-doubled's.
				if p := part(m, a.Part); p == nil || p.HeaderLength == 0 || seen[a.Part] {
					continue
				} else {
					seen[a.Part] = true
					ev, off := partEvidence(p)
					emit(p.Path, off, ev, "the part's header block ends at the next boundary, without a blank line")
				}
				continue
			default:
				continue
			}
			if seen[a.Part] {
				continue
			}
			seen[a.Part] = true
			ev, off := bodyEvidence(m, a.Offset)
			emit(a.Part, off, ev, "the header block runs into the body without the blank line")
		}
	},
}

var ruleHeaderFieldMalformed = Rule{
	ID: "header-field-malformed", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc:   "a header block that starts with a folded line, a field with an empty name, white space before the colon, or a continuation line without its leading white space: go-message and others silently normalise what an old parser trips on",
	Check: reportAnomalies(model.AnomContinuationFirst, model.AnomEmptyFieldName, model.AnomSpaceBeforeColon, model.AnomUnindentedFold),
}

var ruleMultipartNoParts = Rule{
	ID: "multipart-no-parts", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a multipart whose only delimiter is the close line: no body part at all (RFC 2046 requires one)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.IsMultipart() && p.HasBoundaryParam && p.CloseBoundaryFound && p.Children == 0 {
				ev, off := bodyEvidence(m, p.FirstBoundaryOffset)
				emit(p.Path, off, ev, p.MediaType+" with a close delimiter and no body part")
			}
		}
	},
}

var ruleBoundaryTrailingText = Rule{
	ID: "boundary-trailing-text", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc:   "a boundary delimiter line followed by text other than white space (`--b-->`): RFC 2046 reads it as a delimiter, Go and Python do not, so parsers disagree on where the part ends",
	Check: reportAnomalies(model.AnomDelimiterTrailing),
}

var ruleBoundaryDoubled = Rule{
	ID: "boundary-doubled", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc:   "two boundary delimiter lines in a row: an empty body part some parsers drop and others keep",
	Check: reportAnomalies(model.AnomDelimiterDoubled),
}

// tspecials of RFC 2045 5.1 (space and controls are not token bytes either).
const tspecials = "()<>@,;:\\\"/[]?= \t"

var ruleParamUnquotedTSpecial = Rule{
	ID: "param-unquoted-tspecial", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "an unquoted Content-Type or Content-Disposition parameter value holding a tspecial (`boundary=a=b`): RFC 2045 requires quotes, and parsers cut the value at different places",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for _, set := range [][]model.Param{p.Params, p.DispositionParams} {
				for j := range set {
					pm := &set[j]
					v := string(pm.Value)
					if pm.Quoted || v == "" || !strings.ContainsAny(v, tspecials) || strings.HasSuffix(string(pm.Name), "*") {
						continue
					}
					ev, off := paramEvidence(paramField(p, pm), pm)
					emit(p.Path, off, ev, fmt.Sprintf("unquoted %s value %q holds a tspecial", pm.Name, v))
				}
			}
		}
	},
}

var emptyEncodedWordRE = regexp.MustCompile(`=\?[^?\s]*\?[BbQq]\?\?=`)

// mayHoldEmptyEncodedWord is the prefilter of emptyEncodedWordRE: every
// match ends in "??=", so a value without it holds none, and the regexp
// (1% of scan's CPU, run on every field of every part) is spared.
func mayHoldEmptyEncodedWord(v string) bool { return strings.Contains(v, "??=") }

var ruleEncodedWordEmpty = Rule{
	ID: "encoded-word-empty", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "an RFC 2047 encoded-word with no encoded text (`=?UTF-8?B??=`), which RFC 2047 2 does not allow and decoders handle differently",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !mayHoldEmptyEncodedWord(string(f.Value)) {
					continue
				}
				for _, loc := range emptyEncodedWordRE.FindAllStringIndex(string(f.Value), -1) {
					ev, off := valueEvidence(f, loc[0])
					emit(p.Path, off, ev, "empty encoded-word in "+string(f.Name))
				}
			}
		}
	},
}

var ruleDispositionEmpty = Rule{
	ID: "disposition-empty", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a Content-Disposition field with no disposition type (RFC 2183 requires inline or attachment)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !f.NameFold(model.FieldContentDisposition) {
					continue
				}
				v := strings.TrimSpace(string(f.Value))
				if v == "" || strings.HasPrefix(v, ";") {
					emit(p.Path, f.Offset, f.Name, "Content-Disposition without a disposition type")
				}
			}
		}
	},
}

// addressFields hold RFC 5322 address lists (3.6.2, 3.6.3).
var addressListFields = model.NewFieldNames("from", "sender", "reply-to", "to", "cc", "bcc")

var ruleAddressInvalid = Rule{
	ID: "address-invalid", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a top-level From, Sender, Reply-To, To, Cc or Bcc that is not an RFC 5322 address list (no addr-spec, unbalanced brackets or quotes)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		h := m.Header()
		for j := range h {
			f := &h[j]
			if !addressListFields.HasLower(f) || f.Truncated {
				continue
			}
			v := strings.TrimSpace(string(f.Value))
			if v == "" || isEmptyGroup(v) || simpleAddressList(v) {
				continue
			}
			if _, err := mail.ParseAddressList(v); err != nil && !encodedWordOnly(v) {
				ev, off := valueEvidence(f, 0)
				emit("", off, ev, fmt.Sprintf("%s is not an address list: %v", f.Name, err))
			}
		}
	},
}

// isEmptyGroup reports "undisclosed-recipients:;" and its kin.
func isEmptyGroup(v string) bool {
	i := strings.IndexByte(v, ':')
	return i > 0 && strings.TrimSpace(v[i+1:]) == ";"
}

// encodedWordOnly reports a value net/mail fails on only because of an
// encoded-word charset it does not know; the address itself is fine then.
func encodedWordOnly(v string) bool {
	_, err := (&mail.AddressParser{WordDecoder: nil}).ParseList(v)
	return err != nil && strings.Contains(err.Error(), "charset")
}

var ruleParamAmbiguous = Rule{
	ID: "param-ambiguous", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "parameters parsers read differently: a duplicated parameter, Content-Type name= and Content-Disposition filename= naming different files, RFC 2231 continuations with a gap or an encoded segment after plain ones",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for _, set := range [][]model.Param{p.Params, p.DispositionParams} {
				checkParamSet(p, set, emit)
			}
			name, fn := p.Param("name"), dispParam(p, "filename")
			if name != nil && fn != nil && string(name.Value) != string(fn.Value) {
				ev, off := paramEvidence(paramField(p, fn), fn)
				emit(p.Path, off, ev, fmt.Sprintf("filename %q and name %q differ: parsers pick either", fn.Value, name.Value))
			}
		}
	},
}

func dispParam(p *model.Part, name string) *model.Param {
	for i := range p.DispositionParams {
		if strings.EqualFold(string(p.DispositionParams[i].Name), name) {
			return &p.DispositionParams[i]
		}
	}
	return nil
}

// checkParamSet reports duplicates and broken RFC 2231 continuations
// (name*0, name*1*, ...) in one parameter list.
func checkParamSet(p *model.Part, set []model.Param, emit Emitter) {
	seen := map[string]bool{}
	type cont struct {
		idx     map[int]bool
		encoded map[int]bool
		first   *model.Param
	}
	conts := map[string]*cont{}
	for j := range set {
		pm := &set[j]
		n := strings.ToLower(string(pm.Name))
		if seen[n] {
			ev, off := paramEvidence(paramField(p, pm), pm)
			emit(p.Path, off, ev, "parameter "+n+" given twice: parsers keep the first, the last, or drop both")
			continue
		}
		seen[n] = true
		base, rest, ok := strings.Cut(n, "*")
		if !ok || rest == "" {
			continue
		}
		enc := strings.HasSuffix(rest, "*")
		k, err := strconv.Atoi(strings.TrimSuffix(rest, "*"))
		if err != nil {
			continue // name*=...: a single encoded value
		}
		ct := conts[base]
		if ct == nil {
			ct = &cont{idx: map[int]bool{}, encoded: map[int]bool{}, first: pm}
			conts[base] = ct
		}
		ct.idx[k], ct.encoded[k] = true, enc
	}
	for base, ct := range conts {
		why := ""
		for k := 0; k < len(ct.idx); k++ {
			if !ct.idx[k] {
				why = fmt.Sprintf("RFC 2231 continuation %s*%d missing", base, k)
				break
			}
		}
		if why == "" && !ct.encoded[0] {
			for k := 1; k < len(ct.idx); k++ {
				if ct.encoded[k] {
					why = fmt.Sprintf("RFC 2231 segment %s*%d* is encoded but %s*0 carries no charset", base, k, base)
					break
				}
			}
		}
		if why != "" {
			ev, off := paramEvidence(paramField(p, ct.first), ct.first)
			emit(p.Path, off, ev, why)
		}
	}
}

var ruleContentTypeSyntax = Rule{
	ID: "content-type-syntax", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a Content-Type that is not `type/subtype *(; name=value)` (RFC 2045 5.1): no media type, no subtype (`text`), bytes outside a token (`text/plain>`), a parameter without `=`, an empty parameter (`;;`); parsers fall back to different defaults",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			for j := range p.Header {
				f := &p.Header[j]
				if !f.NameFold(model.FieldContentType) || f.Truncated {
					continue
				}
				if why := mediaTypeSyntax(string(f.Value)); why != "" {
					ev, off := valueEvidence(f, 0)
					emit(p.Path, off, ev, why)
				}
			}
		}
	},
}

// mediaTypeSyntax says what is wrong with a Content-Type value, "" when
// nothing is. Duplicated parameters are param-ambiguous's and unquoted
// tspecials param-unquoted-tspecial's, so they are not reported here; a
// trailing ";" is common and harmless.
func mediaTypeSyntax(v string) string {
	mt, params, _ := strings.Cut(v, ";")
	mt = strings.TrimSpace(mt)
	typ, sub, ok := strings.Cut(mt, "/")
	switch {
	case mt == "":
		return "no media type"
	case !ok:
		return fmt.Sprintf("media type %q has no subtype", mt)
	case !isToken(strings.TrimSpace(typ)) || !isToken(strings.TrimSpace(sub)):
		return fmt.Sprintf("media type %q holds bytes outside an RFC 2045 token", mt)
	}
	rest := params
	for rest != "" {
		var p string
		p, rest = cutParam(rest)
		p = strings.TrimSpace(p)
		if p == "" {
			if strings.TrimSpace(rest) != "" {
				return "empty parameter (;;)"
			}
			continue
		}
		name, _, ok := strings.Cut(p, "=")
		if !ok || !isToken(strings.TrimSpace(name)) {
			return fmt.Sprintf("parameter %q is not name=value", p)
		}
	}
	return ""
}

// cutParam returns the text up to the next ';' outside a quoted string,
// and what follows it.
func cutParam(s string) (string, string) {
	q := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && q:
			i++
		case c == '"':
			q = !q
		case c == ';' && !q:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// isToken reports an RFC 2045 token (printable ASCII, no tspecials).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return true
}

// tokenByte holds the bytes of an RFC 2045 token: printable ASCII but the
// space and the tspecials (a table instead of a search of tspecials for
// every byte of every media type and parameter name: content-type-syntax
// was 0.9% of a one-core scan). TestByteTablesArePredicates.
var tokenByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c > ' ' && c < 0x7f && strings.IndexByte(tspecials, byte(c)) < 0
	}
	return t
}()

var ruleQPInvalid = Rule{
	ID: "qp-invalid", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a quoted-printable body with an `=` followed by neither two hex digits nor a line end (RFC 2045 6.7): decoders keep, drop or reject it",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.CTE == "quoted-printable" && p.Body.QPBadEscape >= 0 {
				ev, off := bodyEvidence(m, p.Body.QPBadEscape)
				emit(p.Path, off, ev, "bad quoted-printable escape")
			}
		}
	},
}

var ruleFilenamePath = Rule{
	ID: "filename-path", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "an attachment file name that holds a folder path (`/tmp/x`, `..\\x`, `C:\\x`): RFC 2183 2.3 says to keep only the last part, and a converter that writes the name as given writes outside its folder",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			name := string(p.FilenameDecoded)
			if name == "" {
				name = string(p.Filename)
			}
			if name == "" || !strings.ContainsAny(name, `/\`) && !(len(name) > 1 && name[1] == ':') {
				continue
			}
			ev, off := offsetEvidence(p, p.FilenameOffset)
			emit(p.Path, off, ev, fmt.Sprintf("attachment file name %q holds a path", name))
		}
	},
}

var ruleBase64Unpadded = Rule{
	ID: "base64-unpadded", Class: model.ClassRisk, Dir: "IN/OUT", KB: []string{"Q190556"},
	Doc: "a base64 body, every byte in the alphabet, whose last group lacks its \"=\" padding (4n+2 or 4n+3 characters): every byte still decodes, and unpadded encoders and bodies cut at a line end write it in clean mail, so it is not Q190556's corrupt encoding (base64-invalid) but decoders differ on the last bytes",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.CTE == "base64" && !p.IsMultipart() && base64Unpadded(&p.Body) {
				ev, off := cteEvidence(p)
				emit(p.Path, off, ev, fmt.Sprintf("base64 body of %d characters, its last group without \"=\" padding (truncated or written unpadded)", p.Body.Base64Chars))
			}
		}
	},
}

var ruleHeaderBOM = Rule{
	ID: "header-bom", Class: model.ClassRisk, Dir: "IN/OUT",
	Doc: "a UTF-8 byte-order mark before the first header field (a message saved as \"UTF-8 with BOM\"): RFC 5322 has no place for it, and parsers skip it, read a first field named \"\\ufeffFrom\", or see no header; the header after it is there, so it is not no-message's missing header",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for _, a := range m.Anomalies {
			if a.Code == model.AnomHeaderBOM {
				// The evidence is the mark alone: the field after it is
				// the message's, not the fault.
				emit(a.Part, a.Offset, model.Text("\xEF\xBB\xBF"), "UTF-8 byte-order mark before the first field: the first field's name starts with 3 bytes outside RFC 5322")
			}
		}
	},
}

// reportAnomalies is the check of a rule that only reports what parse
// recorded: one finding per anomaly with one of these codes, its
// evidence the bytes at the anomaly's offset and its detail parse's.
func reportAnomalies(codes ...string) func(*model.Message, *Config, Emitter) {
	return func(m *model.Message, _ *Config, emit Emitter) {
		for _, a := range m.Anomalies {
			if slices.Contains(codes, a.Code) {
				ev, off := bodyEvidence(m, a.Offset)
				emit(a.Part, off, ev, a.Detail)
			}
		}
	}
}
