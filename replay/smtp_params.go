package replay

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/imsforensic/imsforensic/replay/smtpclient"
)

// mailOptions reads the ESMTP parameters recorded with MAIL FROM
// ("SIZE=1460 RET=FULL ENVID=x BODY=8BITMIME") into the client's Mail.
// It returns the ENVID found (decoded) and the parameters it could not pass
// on, for the record.
//
// QUIRK: the client sends BODY=8BITMIME whenever the server offers
// 8BITMIME (as go-smtp's did), whatever the envelope said, and SIZE only
// from Mail.Size (set by the caller to the bytes really sent).
func mailOptions(params string) (opts smtpclient.Mail, envid string, dropped []string) {
	for _, p := range strings.Fields(params) {
		key, val, _ := strings.Cut(p, "=")
		switch strings.ToUpper(key) {
		case "SIZE":
			// Replaced by the size of what is sent.
		case "BODY":
			// Decided by what the server offers (QUIRK above).
		case "RET":
			switch r := strings.ToUpper(val); r {
			case "FULL", "HDRS":
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
			opts.EnvID, envid = v, v
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
func rcptOptions(params string) (opts smtpclient.Rcpt, dropped []string) {
	for _, p := range strings.Fields(params) {
		key, val, _ := strings.Cut(p, "=")
		switch strings.ToUpper(key) {
		case "NOTIFY":
			ns, ok := notifySet(val)
			if !ok {
				dropped = append(dropped, p)
				continue
			}
			opts.Notify = ns
		case "ORCPT":
			typ, addr, ok := strings.Cut(val, ";")
			dec, err := decodeXtext(addr)
			if !ok || err != nil || dec == "" {
				dropped = append(dropped, p)
				continue
			}
			switch strings.ToUpper(typ) {
			case "RFC822":
				opts.ORcptType = "rfc822"
			case "UTF-8":
				opts.ORcptType = "utf-8"
			default:
				dropped = append(dropped, p)
				continue
			}
			opts.ORcpt = dec
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

// notifySet checks an RFC 3461 NOTIFY value: NEVER alone, or any of
// SUCCESS, FAILURE and DELAY once each.
func notifySet(val string) ([]string, bool) {
	seen := map[string]bool{}
	var out []string
	for _, n := range strings.Split(strings.ToUpper(val), ",") {
		switch n {
		case "NEVER", "SUCCESS", "FAILURE", "DELAY":
		default:
			return nil, false
		}
		if seen[n] {
			return nil, false
		}
		seen[n] = true
		out = append(out, n)
	}
	if seen["NEVER"] && len(out) > 1 {
		return nil, false
	}
	return out, true
}
