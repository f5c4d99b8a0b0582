package model

import (
	"bytes"
	"testing"
	"time"
)

// replayRecordCases are records with every field set and unset, and the
// strings encoding/json treats apart: quotes, backslashes, C0 controls,
// HTML characters (kept: the JSON Lines do not escape them), invalid
// UTF-8 (Escape's business in path and reason, \ufffd elsewhere), U+2028.
func replayRecordCases() []ReplayRecord {
	odd := "a\"b\\c\x01\b\f\n\r\t<>&\u2028\u2029é\xff\xfe end"
	at := time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC)
	full := ReplayRecord{
		Type: TypeReplay, Schema: SchemaVersion, Path: "/q/IN/" + odd, MboxOrdinal: 3, Target: "smtp://127.0.0.1:25?pass=xxxxx",
		Action: ActionSend, Dest: "127.0.0.1:25 " + odd, SHA256Before: "ab", SHA256After: "cd", Result: ResultOK,
		Reason: "envid=imsf-1; " + odd, Phase: PhaseData, ConnectionLost: true, Attempt: 2,
		Replies: []SMTPReply{{Command: "MAIL", Code: 250, EnhancedCode: "2.1.0", Text: "Ok " + odd}, {Command: "RCPT <b@x>", Code: 550}},
		Time:    at, Bytes: 1 << 40,
	}
	east := full
	east.Time = at.In(time.FixedZone("", 5*3600+1800))
	return []ReplayRecord{
		{},
		{Type: TypeReplay, Schema: SchemaVersion, Path: "/q/x.TMP", Action: ActionPlan, Result: ResultPlanned},
		{Replies: []SMTPReply{}},
		full,
		east,
		{Path: odd, Target: odd, Reason: "\xc3", Replies: []SMTPReply{{Text: "\xc3\x28"}}, Time: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
	}
}

// TestReplayRecordJSONIsEncodingJSON: the hand-written encoder writes
// the bytes encoding/json writes for the same record, and a time that
// encoder refuses still goes to encoding/json (and fails there).
func TestReplayRecordJSONIsEncodingJSON(t *testing.T) {
	for i, r := range replayRecordCases() {
		want, err := r.marshalReflect()
		if err != nil {
			t.Fatalf("case %d: encoding/json: %v", i, err)
		}
		got, ok := r.appendJSON(nil)
		if !ok {
			t.Fatalf("case %d: appendJSON declined", i)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
		if m, _ := r.MarshalJSON(); !bytes.Equal(m, want) {
			t.Errorf("case %d: MarshalJSON %s", i, m)
		}
		if a, _ := r.AppendJSON([]byte("prefix\n")); !bytes.Equal(a, append([]byte("prefix\n"), want...)) {
			t.Errorf("case %d: AppendJSON %s", i, a)
		}
		var back ReplayRecord
		if err := back.UnmarshalJSON(got); err != nil || back.Path != r.Path || back.Reason != r.Reason {
			t.Errorf("case %d: read back %q %q, %v", i, back.Path, back.Reason, err)
		}
	}
	bad := ReplayRecord{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, ok := bad.appendJSON(nil); ok {
		t.Fatal("year 10000 encoded by hand; encoding/json refuses it")
	}
	if _, err := bad.MarshalJSON(); err == nil {
		t.Fatal("year 10000 encoded")
	}
}

// FuzzReplayRecordJSON: any strings in any field encode as encoding/json
// encodes them.
func FuzzReplayRecordJSON(f *testing.F) {
	f.Add("/q/IN/x.TMP", "250 ok", "\xff<\u2028", int64(0), 0)
	f.Fuzz(func(t *testing.T, path, text, reason string, n int64, code int) {
		r := ReplayRecord{Type: TypeReplay, Path: path, Target: text, Dest: reason, Reason: reason, SHA256Before: text,
			Result: ReplayResult(reason), Bytes: n, Attempt: code, MboxOrdinal: code,
			Replies: []SMTPReply{{Command: path, Code: code, EnhancedCode: reason, Text: text}}}
		want, err := r.marshalReflect()
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := r.appendJSON(nil); !ok || !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
