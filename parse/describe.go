package parse

import (
	"net/mail"
	"regexp"
	"strings"

	"github.com/imsforensic/imsforensic/internal/asciifold"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/parse/sniff"
)

// describe fills the MIME facts of a part from its header fields: the
// Content-Type as written and read leniently, the transfer encoding, the
// disposition and the attachment file name.
// mimeFieldNames and recipientFieldNames are the lower-cased names the
// switches below look for (asciifold.Match returns them without a copy).
// Both are sets of model's well-known names (NewFieldNames panics at init
// otherwise): matchField answers from the code the parser gave a name.
var (
	mimeFieldNames      = []string{"content-type", "content-transfer-encoding", "content-disposition"}
	recipientFieldNames = []string{"to", "cc", "bcc"}
	_                   = model.NewFieldNames(mimeFieldNames...)
	_                   = model.NewFieldNames(recipientFieldNames...)
)

// matchField is asciifold.Match(string(f.Name), known) for a list of
// well-known names, from f.Known where the parser set it.
func matchField(f *model.HeaderField, known []string) string {
	if f.Known == model.FieldUnset {
		return asciifold.Match(string(f.Name), known)
	}
	l := f.Known.Lower()
	for _, k := range known {
		if k == l {
			return k
		}
	}
	return ""
}

func (p *parser) describe(e *entity) {
	pt := &e.part
	pt.MediaType = "text/plain"
	if e.digest {
		pt.MediaType = "message/rfc822" // RFC 2046 5.1.5
	}
	var ctSeen, cteSeen, cdSeen bool
	for i := range pt.Header {
		f := &pt.Header[i]
		switch matchField(f, mimeFieldNames) {
		case "content-type":
			if ctSeen {
				continue
			}
			ctSeen = true
			pt.ContentType = f.Value
			pt.ContentTypeOffset = f.ValueOffset
			mt, at := mediaTypeOf(string(f.Value))
			if mt != "" {
				pt.MediaType = mt
			}
			pt.Params = readParams(f, at)
		case "content-transfer-encoding":
			if cteSeen {
				continue
			}
			cteSeen = true
			pt.CTE = strings.ToLower(strings.TrimSpace(string(f.Value)))
			pt.CTEOffset = f.ValueOffset
		case "content-disposition":
			if cdSeen {
				continue
			}
			cdSeen = true
			d, at := mediaTypeOf(string(f.Value))
			pt.Disposition = d
			pt.DispositionParams = readParams(f, at)
		}
	}
	if b := pt.Param("boundary"); b != nil {
		pt.HasBoundaryParam = true
		pt.Boundary = b.Value
	} else if pt.IsMultipart() {
		// RFC 2231 continuations and charset'lang'%XX encoding
		// (boundary*0*=us-ascii''%3D_8853...; boundary*1*=24f3, as
		// Roundcube writes it): Python's email and go-message join and
		// decode them, so the parts are found, not one body with no
		// boundary.
		if v, _, enc, ok := joinRFC2231(pt.Params, "boundary"); ok {
			if enc {
				v = percentDecode2231(v)
			}
			pt.HasBoundaryParam = true
			pt.Boundary = model.Text(v)
		}
	}
	name, at, enc, ok := joinRFC2231(pt.DispositionParams, "filename")
	if !ok {
		name, at, enc, ok = joinRFC2231(pt.Params, "name")
	}
	if ok {
		pt.Filename = model.Text(name)
		pt.FilenameOffset = at
		pt.FilenameEncoded = enc
		if dec, good := decodeFilename(name); good {
			pt.FilenameDecoded = model.Text(dec)
		}
	}
}

// percentDecode2231 undoes RFC 2231's %XX escapes of an extended value,
// dropping its charset'lang' prefix (a boundary is ASCII whatever the
// label says).
func percentDecode2231(v string) string {
	if i := strings.IndexByte(v, '\''); i >= 0 {
		if j := strings.IndexByte(v[i+1:], '\''); j >= 0 {
			v = v[i+1+j+1:]
		}
	}
	var b strings.Builder
	for k := 0; k < len(v); k++ {
		if v[k] == '%' && k+2 < len(v) && isHex(v[k+1]) && isHex(v[k+2]) {
			b.WriteByte(unhex(v[k+1])<<4 | unhex(v[k+2]))
			k += 2
			continue
		}
		b.WriteByte(v[k])
	}
	return b.String()
}

// decodeFilename undoes RFC 2231 (charset'lang'%XX) or RFC 2047 encoding.
func decodeFilename(v string) (string, bool) {
	if i := strings.IndexByte(v, '\''); i >= 0 && strings.IndexByte(v[i+1:], '\'') >= 0 {
		return percentDecode2231(v), true
	}
	if strings.Contains(v, "=?") {
		return sniff.DecodeHeaderValue([]byte(v))
	}
	return v, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// headerValue returns the first field of that (lower-case) name.
func headerValue(h []model.HeaderField, name string) (model.Text, bool) {
	for i := range h {
		if strings.EqualFold(string(h[i].Name), name) {
			return h[i].Value, true
		}
	}
	return "", false
}

var addrSpecRE = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[A-Za-z0-9.-]+`)

// envelopeFromHeaders fills the envelope of a plain message from Sender /
// From and To / Cc / Bcc, as the 5.5 Pickup does when there are no
// X-Sender lines (KB Q201314: Sender is preferred over From).
func envelopeFromHeaders(m *model.Message, h []model.HeaderField) {
	from := ""
	if v, ok := headerValue(h, "sender"); ok {
		from = firstAddress(string(v))
	}
	if from == "" {
		if v, ok := headerValue(h, "from"); ok {
			from = firstAddress(string(v))
		}
	}
	var to []string
	for i := range h {
		switch matchField(&h[i], recipientFieldNames) {
		case "to", "cc", "bcc":
			to = append(to, addresses(string(h[i].Value))...)
		}
	}
	m.Envelope.From = from
	if to == nil {
		to = []string{}
	}
	m.Envelope.To = to
	m.Envelope.Source = "headers"
}

func firstAddress(v string) string {
	if as := addresses(v); len(as) > 0 {
		return as[0]
	}
	return ""
}

// addresses reads an address list leniently: net/mail first, a plain
// addr-spec scan when the list is malformed (which poison often is).
func addresses(v string) []string {
	if l, err := mail.ParseAddressList(v); err == nil {
		out := make([]string, 0, len(l))
		for _, a := range l {
			out = append(out, a.Address)
		}
		return out
	}
	return addrSpecRE.FindAllString(v, -1)
}
