package rules

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Body content the store's IMAIL conversion crashed or looped on (KB
// Q152937 and the TNEF family, Q170060, Q190556, Q192940, Q194337,
// Q235219, Q221149, Q182827).

var tnefKB = []string{"Q152937", "Q164960", "Q166585", "Q179814", "Q187970", "Q241482", "Q243769", "Q250302"}

var ruleTNEFCorrupt = Rule{
	ID: "tnef-corrupt", Class: model.ClassCrash, Dir: "IN", KB: tnefKB,
	Doc: "an application/ms-tnef part (winmail.dat) without the TNEF signature 0x223E9F78, or truncated inside an attribute",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			t := p.Body.TNEF
			if t == nil || (t.SignatureOK && !t.Truncated) {
				continue
			}
			why := "no TNEF signature 0x223E9F78"
			if t.SignatureOK {
				why = "TNEF stream truncated inside an attribute"
			}
			if t.Detail != "" {
				why += ": " + t.Detail
			}
			ev, off := partEvidence(p)
			emit(p.Path, off, ev, why+" (Dr. Watson in the store's TNEF functions)")
		}
	},
}

var ruleTNEFPart = Rule{
	ID: "tnef-part", Class: model.ClassRisk, Dir: "IN", KB: tnefKB,
	Doc: "a well-formed application/ms-tnef part: several store builds crashed on TNEF contents",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if t := p.Body.TNEF; t != nil && t.SignatureOK && !t.Truncated {
				ev, off := partEvidence(p)
				emit(p.Path, off, ev, fmt.Sprintf("TNEF part with %d attributes (cleanTNEF, TNEF_ExtractProps, EcFormatMVString8 crashes)", t.Attributes))
			}
		}
	},
}

var ruleBinHexPart = Rule{
	ID: "binhex-part", Class: model.ClassRisk, Dir: "IN", KB: []string{"Q170060", "Q155036", "Q159175"},
	Doc: "an application/mac-binhex40 part or a BinHex 4.0 body",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			switch {
			case p.MediaType == "application/mac-binhex40":
				ev, off := partEvidence(p)
				emit(p.Path, off, ev, "BinHex attachment: store 100 % CPU in conversion")
			case p.Body.BinHexOffset >= 0:
				ev, off := bodyEvidence(m, p.Body.BinHexOffset)
				emit(p.Path, off, ev, "BinHex 4.0 body: store 100 % CPU in conversion")
			}
		}
	},
}

var ruleBase64Invalid = Rule{
	ID: "base64-invalid", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q190556"},
	// Q190556 names base64 that is "corrupted or improperly encoded":
	// bytes outside the alphabet, a misplaced "=", or a dangling single
	// character (4n+1), which no encoder writes and no decoder can turn
	// into a byte. A body that only lacks its final "=" padding (4n+2,
	// 4n+3 characters, all in the alphabet) decodes to every byte it
	// holds; unpadded encoders and bodies cut at a line end write it in
	// clean mail, so it is base64-unpadded's (risk), not this crash.
	Doc: "a base64 part with bytes outside the alphabet, a misplaced \"=\", or a dangling last character (4n+1): the corrupt encoding of Q190556 (a body that only lacks its \"=\" padding is base64-unpadded's)",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			b := &p.Body
			if p.CTE != "base64" || p.IsMultipart() {
				continue
			}
			switch {
			case b.Base64BadChar >= 0:
				ev, off := bodyEvidence(m, b.Base64BadChar)
				emit(p.Path, off, ev, "byte outside the base64 alphabet (access violation in the store)")
			case b.Base64BadPadding:
				ev, off := cteEvidence(p)
				emit(p.Path, off, ev, "base64 body with bad padding")
			case b.Base64BadLength && b.Base64Chars%4 == 1:
				ev, off := cteEvidence(p)
				emit(p.Path, off, ev, fmt.Sprintf("base64 body of %d characters ends in a single character that cannot make a byte", b.Base64Chars))
			}
		}
	},
}

// base64Unpadded reports a base64 body that is well formed except that
// its last group has no "=" padding.
func base64Unpadded(b *model.BodyScan) bool {
	return b.Base64BadChar < 0 && !b.Base64BadPadding && b.Base64BadLength && b.Base64Chars%4 != 1
}

var ruleRTFCorrupt = Rule{
	ID: "rtf-corrupt", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q192940"},
	Doc: `a text/rtf or application/rtf part that does not start with "{\rtf" or has unbalanced braces`,
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			r := p.Body.RTF
			if r == nil || p.Body.DecodedSize == 0 {
				continue
			}
			var why string
			switch {
			case !r.StartsWithRTF:
				why = `RTF part does not start with "{\rtf"`
			case r.Underflow:
				why = "RTF part closes a brace it never opened"
			case r.Balance != 0:
				why = fmt.Sprintf("RTF part ends with %d braces open", r.Balance)
			default:
				continue
			}
			ev, off := partEvidence(p)
			emit(p.Path, off, ev, why+" (endless loop or lost body)")
		}
	},
}

var ruleHTMLHrefLeadingSpace = Rule{
	ID: "html-href-leading-space", Class: model.ClassRisk, Dir: "IN", KB: []string{"Q194337"},
	Doc: "an HTML href attribute value that starts with white space",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if at := p.Body.HrefLeadingSpace; at >= 0 {
				ev, off := bodyEvidence(m, at)
				emit(p.Path, off, ev, "href value with leading white space (AV in ScHandleAHref)")
			}
		}
	},
}

var ruleCRLFRun128 = Rule{
	ID: "crlf-run-128", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q235219"},
	Doc: "128 or more consecutive empty lines in a body",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if b := &p.Body; b.MaxEmptyRun >= c.CRLFRun {
				ev, off := bodyEvidence(m, b.MaxEmptyRunOffset)
				cs := ""
				if pm := p.Param("charset"); pm != nil {
					cs = " in " + string(pm.Value)
				}
				emit(p.Path, off, ev, fmt.Sprintf("%d consecutive empty lines%s (limit %d): truncation or stack overflow", b.MaxEmptyRun, cs, c.CRLFRun))
			}
		}
	},
}

// utf16Labels are the 16-bit Unicode charset labels of Q221149.
var utf16Labels = []string{"utf-16", "utf-16le", "utf-16be", "unicode", "unicode-1-1", "iso-10646-ucs-2", "ucs-2", "csunicode"}

var ruleQPUTF16Misaligned = Rule{
	ID: "qp-utf16-misaligned", Class: model.ClassCrash, Dir: "IN", KB: []string{"Q221149"},
	Doc: "a quoted-printable UTF-16 body whose decoded length is odd",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.CTE != "quoted-printable" || p.Body.DecodedSize%2 == 0 {
				continue
			}
			cs := p.Param("charset")
			if cs == nil || !contains(utf16Labels, charsetKey(string(cs.Value))) {
				continue
			}
			ev, off := paramEvidence(paramField(p, cs), cs)
			emit(p.Path, off, ev, fmt.Sprintf("quoted-printable %s body of %d decoded bytes, not whole 16-bit units (crash in HTML to RTF)", charsetKey(string(cs.Value)), p.Body.DecodedSize))
		}
	},
}

var rulePostScriptQP = Rule{
	ID: "postscript-qp", Class: model.ClassRisk, Dir: "IN/OUT", KB: []string{"Q182827"},
	Doc: "an application/postscript part encoded quoted-printable",
	Check: func(m *model.Message, c *Config, emit Emitter) {
		for i := range m.Parts {
			p := &m.Parts[i]
			if p.MediaType == "application/postscript" && strings.EqualFold(p.CTE, "quoted-printable") {
				ev, off := cteEvidence(p)
				emit(p.Path, off, ev, "quoted-printable PostScript: 100 % CPU in conversion")
			}
		}
	},
}
