package sniff

import "testing"

func TestParseUUBegin(t *testing.T) {
	tests := []struct {
		line, mode, name string
		ok               bool
	}{
		{"begin 644 report.doc", "644", "report.doc", true},
		{"begin 0644 report.doc", "0644", "report.doc", true},
		{"begin\t755\tsetup.exe \r", "755", "setup.exe", true},
		{"begin 644 file with spaces.txt", "644", "file with spaces.txt", true},
		{"begin  600  a", "600", "a", true},
		{"begin 2 weeks ago", "", "", false},
		{"begin 644", "", "", false},
		{"begin 644 ", "", "", false},
		{"begin 888 name", "", "", false},
		{"begin 64444 name", "", "", false},
		{"begin 644name", "", "", false},
		{"begin644 name", "", "", false},
		{" begin 644 name", "", "", false},
		{"Begin 644 name", "", "", false},
		{"beginning 644 name", "", "", false},
		{"begin-base64 644 name", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		mode, name, ok := ParseUUBegin([]byte(tt.line))
		if ok != tt.ok || mode != tt.mode || string(name) != tt.name {
			t.Errorf("ParseUUBegin(%q) = %q, %q, %v; want %q, %q, %v", tt.line, mode, name, ok, tt.mode, tt.name, tt.ok)
		}
	}
}

func TestIsUUEnd(t *testing.T) {
	for line, want := range map[string]bool{
		"end": true, "end ": true, "end\t\r": true,
		"end.": false, "ending": false, " end": false, "END": false, "": false, "end of file": false,
	} {
		if got := IsUUEnd([]byte(line)); got != want {
			t.Errorf("IsUUEnd(%q) = %v", line, got)
		}
	}
}

func TestIsBinHexMarker(t *testing.T) {
	for line, want := range map[string]bool{
		"(This file must be converted with BinHex 4.0)": true,
		"(this file must be converted with binhex":      true,
		"(This file must be converted with BinHe":       false,
		" (This file must be converted with BinHex":     false,
		"This file must be converted with BinHex":       false,
		"": false,
	} {
		if got := IsBinHexMarker([]byte(line)); got != want {
			t.Errorf("IsBinHexMarker(%q) = %v", line, got)
		}
	}
}
