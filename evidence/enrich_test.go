package evidence

import (
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func TestEnrichNeverInvents(t *testing.T) {
	cases := []struct {
		name  string
		ev    model.Event
		hr    *uint32
		loc   *uint32
		spool string
	}{
		{"no data", model.Event{Source: "MSExchangeIMC", EventID: 4116}, nil, nil, ""},
		{"short data: location only", model.Event{Source: "MSExchangeIMC", Data: model.Bytes{1, 0, 0, 0, 5}}, nil, u32(1), ""},
		{"other source's data is not IMC layout", model.Event{Source: "MSExchangeIS", Data: model.Bytes{0x74, 0, 5, 0, 0xe, 0, 7, 0x80}}, nil, nil, ""},
		{"name not 8 alnum", model.Event{Source: "MSExchangeIMC", Data: append(model.Bytes{1, 0, 0, 0, 5, 0x40, 0, 0x80}, "AB-12\x00"...)}, u32(0x80004005), u32(1), ""},
		{"name lower-case is upper-cased", model.Event{Source: "msexchangeimc", Data: append(model.Bytes{1, 0, 0, 0, 5, 0x40, 0, 0x80}, "tg45clp6\x00"...)}, u32(0x80004005), u32(1), "TG45CLP6"},
		{"name without NUL", model.Event{Source: "MSExchangeIMC", Data: append(model.Bytes{1, 0, 0, 0, 5, 0x40, 0, 0x80}, "TG45CLP6"...)}, u32(0x80004005), u32(1), "TG45CLP6"},
		{"4117 hex-only string is an HRESULT", model.Event{Source: "MSExchangeIMC", EventID: 4117, Strings: []model.Text{"80004005"}}, nil, nil, ""},
		{"4117 string", model.Event{Source: "MSExchangeIMC", EventID: 4117, Strings: []model.Text{"80004005", "wxjxsg2d"}}, nil, nil, "WXJXSG2D"},
		{"4116 strings do not name files", model.Event{Source: "MSExchangeIMC", EventID: 4116, Strings: []model.Text{"WXJXSG2D"}}, nil, nil, ""},
		{"2002 path string", model.Event{Source: "MSExchangeIMC", EventID: 2002, Strings: []model.Text{`D:\exchsrvr\imcdata\in\P4KQ7M2A`}}, nil, nil, "P4KQ7M2A"},
		{"IS 12006 text", model.Event{Source: "MSExchangeIS Private", EventID: 12006, Message: "Error 80040C05-F20000E9 occurred while processing message <> from 'Test User'. The archive filename is 'NQ1NQYQK'."}, u32(0x80040C05), nil, "NQ1NQYQK"},
		{"4094 text", model.Event{Source: "MSExchangeIMC", EventID: 4094, Message: "The error 0x8004011d occurred while trying to refresh network connections"}, u32(0x8004011d), nil, ""},
		{"4037 exception code is no HRESULT", model.Event{Source: "MSExchangeIMC", EventID: 4037, Message: "Code: 0xc0000005 Flags: 0x00000000"}, nil, nil, ""},
		{"4115 text", model.Event{Source: "MSExchangeIMC", EventID: 4115, Message: "The message from the spool file J9QXJV0J seems to be looping"}, nil, nil, "J9QXJV0J"},
	}
	for _, c := range cases {
		e := c.ev
		Enrich(&e)
		if !eqU32(e.HRESULT, c.hr) || !eqU32(e.Location, c.loc) || e.SpoolFile != c.spool {
			t.Errorf("%s: HRESULT %s Location %s SpoolFile %q; want %s %s %q", c.name,
				fmtU32(e.HRESULT), fmtU32(e.Location), e.SpoolFile, fmtU32(c.hr), fmtU32(c.loc), c.spool)
		}
	}
}

func TestHexDumpLine(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"0000: 74 00 05 00 0e 00 07 80   t.......", "740005000e000780"},
		{"0000: 00140667 80040115", "6706140015010480"},
		{"0008: 54 47 34 35 43 4c 50 36   TG45CLP6", "54473435434c5036"},
		{"0010: 61 62                     ab", "6162"},
		{"Bytes", ""},
		{"0000:", ""},
	}
	for _, c := range cases {
		b, _ := parseHexDumpLine(c.in)
		if got := hex32Bytes(b); got != c.want {
			t.Errorf("parseHexDumpLine(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func hex32Bytes(b []byte) string {
	const d = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(d[c>>4])
		s.WriteByte(d[c&15])
	}
	return s.String()
}

func TestCleanFunction(t *testing.T) {
	for in, want := range map[string]string{
		"store!CmnBptMessage::cleanTNEF+0x2a": "CmnBptMessage::cleanTNEF",
		"CmnBptMessage::cleanTNEF":            "CmnBptMessage::cleanTNEF",
		"MDBMSG!EcFormatMVString8+0x1f":       "EcFormatMVString8",
		"<nosymbols>":                         "",
		"store!<nosymbols>":                   "",
		"6a0c1238":                            "",
		"ntdll!NtWaitForSingleObject":         "NtWaitForSingleObject",
	} {
		if got := cleanFunction(in); got != want {
			t.Errorf("cleanFunction(%q) = %q, want %q", in, got, want)
		}
	}
}
