package replay

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"
)

// mailOptions reads the ESMTP parameters recorded with MAIL FROM
// ("SIZE=1460 RET=FULL ENVID=x BODY=8BITMIME") into go-smtp's MailOptions.
// It returns the ENVID found (decoded) and the parameters it could not pass
// on, for the record.
//
// QUIRK: go-smtp's Client.Mail sends BODY=8BITMIME whenever the server
// offers 8BITMIME, whatever MailOptions.Body says, and SIZE only from
// MailOptions.Size (set by the caller to the bytes really sent).
func mailOptions(params string) (opts smtp.MailOptions, envid string, dropped []string) {
	for _, p := range strings.Fields(params) {
		key, val, _ := strings.Cut(p, "=")
		switch strings.ToUpper(key) {
		case "SIZE":
			// Replaced by the size of what is sent.
		case "BODY":
			opts.Body = smtp.BodyType(strings.ToUpper(val))
		case "RET":
			switch r := smtp.DSNReturn(strings.ToUpper(val)); r {
			case smtp.DSNReturnFull, smtp.DSNReturnHeaders:
				opts.Return = r
			default:
				dropped = append(dropped, p)
			}
		case "ENVID":
			v, err := decodeXtext(val)
			if err != nil || v == "" {
				dropped = append(dropped, p)
				continue
			}
			opts.EnvelopeID, envid = v, v
		case "AUTH":
			v, err := decodeXtext(val)
			if err != nil {
				dropped = append(dropped, p)
				continue
			}
			v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
			opts.Auth = &v
		case "SMTPUTF8":
			opts.UTF8 = true
		default:
			dropped = append(dropped, p)
		}
	}
	return opts, envid, dropped
}

// rcptOptions reads "NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@b".
func rcptOptions(params string) (opts smtp.RcptOptions, dropped []string) {
	for _, p := range strings.Fields(params) {
		key, val, _ := strings.Cut(p, "=")
		switch strings.ToUpper(key) {
		case "NOTIFY":
			for _, n := range strings.Split(val, ",") {
				opts.Notify = append(opts.Notify, smtp.DSNNotify(strings.ToUpper(n)))
			}
		case "ORCPT":
			typ, addr, ok := strings.Cut(val, ";")
			dec, err := decodeXtext(addr)
			if !ok || err != nil || dec == "" {
				dropped = append(dropped, p)
				continue
			}
			switch strings.ToUpper(typ) {
			case "RFC822":
				opts.OriginalRecipientType = smtp.DSNAddressTypeRFC822
			case "UTF-8":
				opts.OriginalRecipientType = smtp.DSNAddressTypeUTF8
			default:
				dropped = append(dropped, p)
				continue
			}
			opts.OriginalRecipient = dec
		default:
			dropped = append(dropped, p)
		}
	}
	return opts, dropped
}

// decodeXtext undoes RFC 3461 section 4 xtext ("+2B" is "+").
func decodeXtext(s string) (string, error) {
	if !strings.Contains(s, "+") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			b.WriteByte(s[i])
			continue
		}
		if i+3 > len(s) {
			return "", fmt.Errorf("xtext %q: truncated +XX", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("xtext %q: bad +XX: %w", s, err)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}
