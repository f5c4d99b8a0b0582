package parse

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// Issue #15: spool detection goes by structure. A plain message that
// merely holds the bytes "EwLs" or "ImCr" is RFC 822; a file whose EwLs
// closes a binary envelope before the header block is a (broken) spool.
func TestSpoolDetectionFromStructure(t *testing.T) {
	hdr := "From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n"
	cases := []struct {
		name string
		raw  string
		want model.Format
	}{
		{"EwLs in a base64 line", hdr + "Content-Transfer-Encoding: base64\r\n\r\nQUJDEwLsREVG\r\n", model.FormatRFC822},
		{"EwLs in a header", "Message-ID: <EwLs.1@example.com>\r\n" + hdr + "\r\nbody\r\n", model.FormatRFC822},
		{"ImCr in a header near the start", "Subject: ImCr notes\r\n" + hdr + "\r\nbody\r\n", model.FormatRFC822},
		{"EwLs then a header line in the body", hdr + "\r\nEwLs\r\nReceived: x\r\n", model.FormatRFC822},
		{"ImCr envelope", "\x01ImCr\x00\x00<a@example.com>\x00<b@example.com>\x00EwLs" + hdr + "\r\nbody\r\n", model.FormatIMSSpool},
		{"EwLs closing an envelope without ImCr", "\x00\x00<a@example.com>\x00<b@example.com>\x00EwLs" + hdr + "\r\nbody\r\n", model.FormatIMSSpool},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(bytes.NewReader([]byte(c.raw)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Format != c.want {
				t.Errorf("format %s, want %s", m.Format, c.want)
			}
			if c.want == model.FormatRFC822 && (m.MessageOffset != 0 || !strings.EqualFold(string(m.From), "a@example.com")) {
				t.Errorf("message offset %d, From %q: the header block was not read from the start", m.MessageOffset, m.From)
			}
		})
	}
}
