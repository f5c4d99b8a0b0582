package model

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// TestJSONNamesStayDistinct is finding 5 of issue #14: a file named
// "bad<0xFF>x" and one named `bad\xffx` (a literal backslash) must give
// different JSON, and each must decode back to its own bytes.
func TestJSONNamesStayDistinct(t *testing.T) {
	raw := "bad\xffx"
	literal := `bad\xffx`
	if Escape(raw) == Escape(literal) {
		t.Fatalf("Escape(%q) == Escape(%q) == %q: two names, one JSON form", raw, literal, Escape(raw))
	}
	for _, s := range []string{raw, literal} {
		if got := Unescape(Escape(s)); got != s {
			t.Errorf("Unescape(Escape(%q)) = %q", s, got)
		}
	}
}

// TestEscapeKeepsTextReadable: ordinary text and Windows paths are written
// as they are.
func TestEscapeKeepsTextReadable(t *testing.T) {
	for _, s := range []string{
		`C:\Exchsrvr\Imcdata\TempIMS\IN\KPFYCMQB`,
		`D:\x\TempIMS`, // \x not followed by two hex digits
		"Grüße aus Köln\ttab",
		`\\server\share\IN`,
		"",
	} {
		if got := Escape(s); got != s {
			t.Errorf("Escape(%q) = %q, want it unchanged", s, got)
		}
	}
}

// FuzzTextRoundTrip: any byte string goes to JSON and back unchanged, and
// the JSON is valid UTF-8 that encoding/json did not have to repair.
func FuzzTextRoundTrip(f *testing.F) {
	for _, s := range []string{"bad\xffx", "rlo\u202e\u009b", `bad\xffx`, `C:\Exchsrvr\x41`, "\x00\n\r\x7f", "\\", `\x`, `\x5c`, "\xc3", "é\xe9"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := Text(b)
		js, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("marshal %q: %v", b, err)
		}
		if !utf8.Valid(js) {
			t.Fatalf("JSON of %q is not UTF-8: %q", b, js)
		}
		var out Text
		if err := json.Unmarshal(js, &out); err != nil {
			t.Fatalf("unmarshal %s: %v", js, err)
		}
		if string(out) != string(b) {
			t.Fatalf("round trip %q -> %s -> %q", b, js, string(out))
		}
		// The form for people: the same bytes back, valid UTF-8, and
		// no control of how text is displayed left in it.
		vis := EscapeVisible(string(b))
		if Unescape(vis) != string(b) || !utf8.ValidString(vis) {
			t.Fatalf("EscapeVisible(%q) = %q does not give the bytes back", b, vis)
		}
		for _, r := range vis {
			if r < 0x20 && r != '\t' || r == 0x7f || isDisplayControl(r) {
				t.Fatalf("EscapeVisible(%q) = %q keeps %U", b, vis, r)
			}
		}
	})
}

// TestReplayRecordKeepsPathBytes: a journal record names a source whose
// name is not UTF-8 exactly, so a rerun finds it.
func TestReplayRecordKeepsPathBytes(t *testing.T) {
	in := ReplayRecord{Type: "replay", Path: "/q/IN/bad\xffx", Dest: `C:\Exchsrvr\Imcdata\IN\bad\xffx`}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out ReplayRecord
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Path != in.Path || out.Dest != in.Dest {
		t.Fatalf("round trip %q %q -> %s -> %q %q", in.Path, in.Dest, b, out.Path, out.Dest)
	}
}

// TestRecordPathsStayDistinct: every record that names a file keeps a
// name "bad<0xFF>x" apart from `bad\xffx`, in JSON and back.
func TestRecordPathsStayDistinct(t *testing.T) {
	raw, literal := "/q/IN/bad\xffx", `/q/IN/bad\xffx`
	mk := map[string]func(p string) any{
		"message":    func(p string) any { return &Message{Path: p, Name: p, Envelope: Envelope{From: p, To: []string{p}}} },
		"suspect":    func(p string) any { return &Suspect{Path: p, Name: p} },
		"culprit":    func(p string) any { return &Culprit{Path: p, Name: p} },
		"step":       func(p string) any { return &BisectStep{Paths: []string{p}, Culprit: p} },
		"untestable": func(p string) any { return &Untestable{Path: p, Name: p} },
		"event":      func(p string) any { return &Event{Path: p} },
		"envelope":   func(p string) any { return &Envelope{From: p, To: []string{p}} },
	}
	for kind, f := range mk {
		a, err := json.Marshal(f(raw))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(f(literal))
		if string(a) == string(b) {
			t.Errorf("%s: %q and %q give the same JSON %s", kind, raw, literal, a)
		}
		back := f("")
		if err := json.Unmarshal(a, back); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(a) {
			t.Errorf("%s: round trip %s -> %s", kind, a, again)
		}
		if !utf8.Valid(a) {
			t.Errorf("%s: JSON not UTF-8", kind)
		}
	}
}

// EscapeVisible hides every display control as \xNN, keeps other text as
// Escape writes it, and Unescape still gives the exact bytes back.
func TestEscapeVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                      "plain",
		"Grüße ünd 日本語":              "Grüße ünd 日本語",
		"invoice\u202efdp.exe":       `invoice\xe2\x80\xaefdp.exe`,
		"a\u2066b\u2069c\u200fd":     `a\xe2\x81\xa6b\xe2\x81\xa9c\xe2\x80\x8fd`,
		"csi\u009b31m":               `csi\xc2\x9b31m`,
		"ctl\x1b[31m \\x41 \u061c":   `ctl\x1b[31m \x5cx41 \xd8\x9c`,
		"bad\xff\u202e":              `bad\xff\xe2\x80\xae`,
		"C:\\Exchsrvr\\Imcdata\\Out": `C:\Exchsrvr\Imcdata\Out`,
	} {
		got := EscapeVisible(in)
		if got != want {
			t.Errorf("EscapeVisible(%q) = %q, want %q", in, got, want)
		}
		if back := Unescape(got); back != in {
			t.Errorf("Unescape(EscapeVisible(%q)) = %q", in, back)
		}
	}
}
