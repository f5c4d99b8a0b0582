package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestClassTextRoundTrip: every class writes its catalogue ID and reads
// back from it, in any case; an unknown ID or class number is an error,
// never a silent "".
func TestClassTextRoundTrip(t *testing.T) {
	for c := ClassNone; c <= ClassCrash; c++ {
		b, err := c.MarshalText()
		if err != nil {
			t.Fatalf("%d: %v", c, err)
		}
		for _, s := range []string{string(b), strings.ToUpper(string(b)), " " + string(b) + " "} {
			var back Class
			if err := back.UnmarshalText([]byte(s)); err != nil || back != c {
				t.Errorf("class %v: %q read back as %v (%v)", c, s, back, err)
			}
		}
		if c.String() != string(b) {
			t.Errorf("String %q, MarshalText %q", c.String(), b)
		}
	}
	if _, err := Class(7).MarshalText(); err == nil {
		t.Error("class 7 marshalled")
	}
	var c Class
	if err := c.UnmarshalText([]byte("fatal")); err == nil {
		t.Error(`"fatal" read as a class`)
	}
	if !(ClassCrash.Weight() > 3*ClassStall.Weight() && ClassStall.Weight() > ClassRisk.Weight() && ClassRisk.Weight() > ClassInfo.Weight() && ClassNone.Weight() == 0) {
		t.Error("class weights out of order")
	}
	// In a finding's JSON the class is its ID.
	b, _ := json.Marshal(Finding{Rule: "blank-charset", Class: ClassCrash, KB: []string{}})
	if !strings.Contains(string(b), `"class":"crash"`) {
		t.Errorf("finding JSON %s", b)
	}
}

// TestHeaderOffsetsFollowTheFolds: a folded header value maps back to
// the file byte for byte, and an excerpt never runs past a physical line,
// so evidence at OffsetAt(i) is exactly the file's bytes there.
func TestHeaderOffsetsFollowTheFolds(t *testing.T) {
	// "Subject: abc\r\n def\r\n gh" at file offset 100: the value starts
	// at 109; the second line's bytes " def" at 114, " gh" at 120.
	file := strings.Repeat("x", 100) + "Subject: abc\r\n def\r\n gh\r\n"
	f := HeaderField{Name: "Subject", Value: "abc def gh", Offset: 100, ValueOffset: 109,
		Segments: []Segment{{Index: 0, Offset: 109}, {Index: 3, Offset: 114}, {Index: 7, Offset: 120}}}
	for i := 0; i < len(f.Value); i++ {
		if got, want := file[f.OffsetAt(i)], f.Value[i]; got != want {
			t.Errorf("Value[%d] = %q but the file has %q at %d", i, want, got, f.OffsetAt(i))
		}
	}
	for _, tc := range []struct {
		i, n int
		want Text
		off  int64
	}{
		{0, 48, "abc", 109},
		{4, 2, "de", 115},
		{3, 48, " def", 114},
		{7, 48, " gh", 120},
		{-1, 2, "ab", 109}, // out of range starts at the value's start
	} {
		got, off := f.Excerpt(tc.i, tc.n)
		if got != tc.want || off != tc.off {
			t.Errorf("Excerpt(%d, %d) = %q at %d, want %q at %d", tc.i, tc.n, got, off, tc.want, tc.off)
		}
		if file[off:off+int64(len(got))] != string(got) {
			t.Errorf("Excerpt(%d, %d) = %q is not the file's bytes at %d", tc.i, tc.n, got, off)
		}
	}
}

// keysOf returns the top-level keys of a JSON object, in order of first
// appearance.
func keysOf(t *testing.T, v any) (map[string]json.RawMessage, []string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.Token()
	var order []string
	for dec.More() {
		k, _ := dec.Token()
		order = append(order, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return m, order
}

// TestRecordsKeepTheContract: every record the tool prints starts with
// "type" and "schema" (SchemaVersion) and has the keys DESIGN.md section 3
// promises, with [] where a list is empty (never null).
func TestRecordsKeepTheContract(t *testing.T) {
	m := NewMessage()
	m.Path, m.Name, m.Queue, m.Format = "IN/A", "A", QueueIN, FormatIMSSpool
	m.Findings = append(m.Findings, Finding{Rule: "blank-charset", Class: ClassCrash, Part: "1", Offset: 7, Evidence: "charset=\"\"", KB: []string{"Q278320"}})
	at := time.Date(2001, 3, 14, 15, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		rec  any
		typ  RecordType
		keys string
	}{
		{NewMessageRecord(m), TypeMessage, "path name queue format size sha256 envelope findings score"},
		{*NewMessage(), TypeMessage, "path name queue format size sha256 envelope findings score"},
		{Suspect{Type: TypeSuspect, Schema: SchemaVersion, Verdict: VerdictPrime, Reasons: []Reason{{Kind: "rule", Detail: "x"}}}, TypeSuspect, "rank path score verdict reasons"},
		{NewConclusion("the culprit is likely still in MTS-OUT"), TypeConclusion, "text kb"},
		{ReplayRecord{Type: TypeReplay, Schema: SchemaVersion, Action: ActionWrite, Result: ResultOK}, TypeReplay, "path target action sha256_before sha256_after result"},
		{SimStep{Type: TypeStep, Schema: SchemaVersion, Run: RunAsIs, Action: SimCrash, Time: at}, TypeStep, "run seq offset_ns action"},
		{Simulation{Type: TypeSimulation, Schema: SchemaVersion, Run: RunHeld}, TypeSimulation, "run messages delivered crashes stuck drained"},
		{BisectStep{Type: TypeBisectStep, Schema: SchemaVersion, Phase: PhaseHalf, Paths: []string{}}, TypeBisectStep, "round phase size crashed paths"},
		{Culprit{Type: TypeCulprit, Schema: SchemaVersion, TopClass: ClassCrash, Rules: []string{}}, TypeCulprit, "path name queue round top_class rules"},
		{BisectSummary{Type: TypeBisect, Schema: SchemaVersion}, TypeBisect, "messages culprits rounds sent bound by_hand"},
		{CorpusSummary{Type: TypeCorpus, Schema: 1, Culprits: []string{}, Evidence: []string{}}, TypeCorpus, "out layout seed files poison scenario culprits evidence truth"},
		{SinkMessage{Type: TypeSinkMsg, Schema: SchemaVersion, Rcpts: []SinkRcpt{{Addr: "a@example.com"}}, Findings: []FindingSummary{}}, TypeSinkMsg, "id file received_at conn_id remote helo tls mail rcpts size sha256 dot_decoded top_class findings"},
		{SinkPoison{Type: TypeSinkPoison, Schema: SchemaVersion, Rcpts: []string{}, Rules: []string{}}, TypeSinkPoison, "fingerprint sha256 from rcpts crashes rules file time"},
	} {
		got, order := keysOf(t, tc.rec)
		if len(order) < 2 || order[0] != "type" || order[1] != "schema" {
			t.Errorf("%s: keys start %v, want type, schema", tc.typ, order)
		}
		if string(got["type"]) != `"`+string(tc.typ)+`"` || string(got["schema"]) != "1" || SchemaVersion != 1 {
			t.Errorf("%s: type %s schema %s", tc.typ, got["type"], got["schema"])
		}
		for _, k := range strings.Fields(tc.keys) {
			if _, ok := got[k]; !ok {
				t.Errorf("%s record lacks %q: %v", tc.typ, k, order)
			}
		}
		for k, v := range got {
			if string(v) == "null" {
				t.Errorf("%s record: %q is null", tc.typ, k)
			}
		}
	}
	// The envelope and findings of a message, as the contract names them.
	rec, _ := keysOf(t, NewMessageRecord(m))
	var env map[string]json.RawMessage
	json.Unmarshal(rec["envelope"], &env)
	if string(env["to"]) != "[]" || env["from"] == nil {
		t.Errorf("envelope %s, want from and to: []", rec["envelope"])
	}
	var fs []map[string]any
	json.Unmarshal(rec["findings"], &fs)
	want := map[string]any{"rule": "blank-charset", "class": "crash", "part": "1", "offset": float64(7), "evidence": `charset=""`, "kb": []any{"Q278320"}, "confidence": float64(0)}
	if len(fs) != 1 || !reflect.DeepEqual(fs[0], want) {
		t.Errorf("findings %s, want %v", rec["findings"], want)
	}
}

// TestNewMessageSaysNoneSeen: an empty Message has -1 ("none seen") at
// every offset, not 0 (which would say "at the first byte").
func TestNewMessageSaysNoneSeen(t *testing.T) {
	m := NewMessage()
	s := m.Scan
	for name, v := range map[string]int64{"message_offset": m.MessageOffset, "first_bare_lf": s.FirstBareLF, "first_bare_cr": s.FirstBareCR,
		"first_nul": s.FirstNUL, "longest_line_at": s.LongestLineAt, "first_header_8bit": s.FirstHeader8Bit,
		"final_byte_offset": s.FinalByteOffset, "final_line_offset": s.FinalLineOffset} {
		if v != -1 {
			t.Errorf("%s = %d, want -1", name, v)
		}
	}
	if m.Root() != nil || m.TopClass() != ClassNone || m.DisplaySubject() != "" {
		t.Error("an empty message has a part, a class or a subject")
	}
	m.Subject, m.SubjectDecoded = "=?ISO-8859-1?Q?Gr=FC=DFe?=", "Grüße"
	if m.DisplaySubject() != "Grüße" {
		t.Errorf("DisplaySubject %q, want the decoded one", m.DisplaySubject())
	}
}

// TestSortOrdersAreTotal: findings by class, offset, rule, part; messages
// by score then path, whatever order they came in.
func TestSortOrdersAreTotal(t *testing.T) {
	fs := []Finding{{Rule: "b", Class: ClassRisk, Offset: 5}, {Rule: "a", Class: ClassCrash, Offset: 9}, {Rule: "z", Class: ClassRisk, Offset: 5, Part: "2"},
		{Rule: "z", Class: ClassRisk, Offset: 5, Part: "1"}, {Rule: "c", Class: ClassRisk, Offset: 1}}
	SortFindings(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule+f.Part)
	}
	if strings.Join(got, " ") != "a c b z1 z2" {
		t.Errorf("findings order %v", got)
	}
	ms := []*Message{{Path: "b", Score: 1}, {Path: "c", Score: 5}, {Path: "a", Score: 1}}
	SortMessages(ms)
	if ms[0].Path != "c" || ms[1].Path != "a" || ms[2].Path != "b" {
		t.Errorf("messages order %s %s %s", ms[0].Path, ms[1].Path, ms[2].Path)
	}
}

// TestReplaySummaryCounts: Note counts each outcome once and its reasons.
func TestReplaySummaryCounts(t *testing.T) {
	var s ReplaySummary
	if !s.Empty() {
		t.Error("zero summary not empty")
	}
	s.Note(OutcomeWritten, "")
	s.Note(OutcomeHeld, "crash-class finding blank-charset")
	s.Note(OutcomeHeld, "crash-class finding blank-charset")
	s.Note(OutcomeRefused, "name collision")
	if s.Written != 1 || s.Held != 2 || s.Refused != 1 || s.Empty() || !s.Incomplete() {
		t.Errorf("summary %+v", s)
	}
	if s.Reasons[OutcomeHeld]["crash-class finding blank-charset"] != 2 || len(s.Reasons[OutcomeWritten]) != 0 {
		t.Errorf("reasons %v", s.Reasons)
	}
}
