package archive

import (
	"strings"
	"testing"
)

func TestKind(t *testing.T) {
	tarHead := make([]byte, 512)
	copy(tarHead, "IN/HBWK2Q2P")
	copy(tarHead[257:], "ustar\x0000")
	for _, c := range []struct {
		head, want string
	}{
		{"PK\x03\x04\x14\x00", "zip"},
		{"PK\x05\x06\x00\x00", "zip"},
		{"PK\x07\x08PK\x03\x04", "zip"},
		{"7z\xBC\xAF\x27\x1C\x00\x04", "7z"},
		{"Rar!\x1A\x07\x01\x00", "rar"},
		{"MSCF\x00\x00\x00\x00\x9a\x00", "cab"},
		{"\x1F\x8B\x08\x00", "gzip"},
		{"\xFD7zXZ\x00\x00\x04", "xz"},
		{"BZh91AY&SY\x00", "bzip2"},
		{string(tarHead), "tar"},
		// Messages and logs are not archives, whatever their first letters.
		{"BZh: a field\r\n", ""},
		{"PK: a field\r\n", ""},
		{"MSCF: a field\r\n", ""},
		{"From: a@example.org\r\n", ""},
		{"\xf7ImCr<a@b>EwLs", ""},
		{"0\x00\x00\x00LfLe", ""},
		{"ElfFile\x00", ""},
		{strings.Repeat("x", 300), ""},
		{"", ""},
	} {
		if got := Kind([]byte(c.head)); got != c.want {
			t.Errorf("Kind(%q) = %q, want %q", c.head[:min(len(c.head), 12)], got, c.want)
		}
	}
}
