package smtpsink

import (
	"strconv"
	"testing"
)

// TestTextLogValueQuotesWhatIsNotText: what an SMTP client sends (HELO,
// MAIL FROM) reaches the text log quoted, with every control, bidi mark
// and invalid byte escaped, so it can neither drive the admin's terminal
// nor fake a key=value pair; plain values stay bare.
func TestTextLogValueQuotesWhatIsNotText(t *testing.T) {
	for in, want := range map[string]string{
		"alice@example.org":      "alice@example.org",
		"[192.0.2.1]:2525":       "[192.0.2.1]:2525",
		"Grüße":                  "Grüße",
		"":                       `""`,
		"two words":              `"two words"`,
		"a=b":                    `"a=b"`,
		"evil\x1b]0;owned\x07":   `"evil\x1b]0;owned\a"`,
		"cr\rfake stored id=1":   `"cr\rfake stored id=1"`,
		"rlo\u202egro.elpmaxe@a": `"rlo\u202egro.elpmaxe@a"`,
		"c1\u009b31m":            `"c1\u009b31m"`,
		"bad\xff":                `"bad\xff"`,
	} {
		got := textLogValue(in)
		if got != want {
			t.Errorf("textLogValue(%q) = %s, want %s", in, got, want)
		}
		if got[0] == '"' {
			if back, err := strconv.Unquote(got); err != nil || back != in {
				t.Errorf("%s does not unquote to %q: %q %v", got, in, back, err)
			}
		}
	}
}
