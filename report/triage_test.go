package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imsforensic/imsforensic/model"
)

// The -update flag rewrites the golden files. It is registered here only
// when no other test file of the package registered it already (package
// variables are initialised before init functions run).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/golden")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// triageSample is a small incident: a file named by 4117, a near-crash
// file, a clean one, and conclusions with and without KB references.
func triageSample() ([]model.Suspect, []model.Conclusion) {
	s := []model.Suspect{
		{Type: "suspect", Schema: 1, Rank: 1, Path: "TempIMS/IN/HBWK2Q2P", Name: "HBWK2Q2P", Queue: "IN", Score: 1110, Verdict: "prime-suspect",
			Reasons: []model.Reason{
				{Kind: "event", Detail: "named by MSExchangeIMC 4117 at 2001-03-14 15:32:14 UTC (AppEvent.evt#record=57, +4 copies): spool file HBWK2Q2P", Weight: 1000},
				{Kind: "rule", Detail: `rule blank-charset (crash, Q278320 Q293288) at offset 1834 in part 1.2: charset = ""`, Weight: 100},
				{Kind: "time", Detail: "file time 2001-03-14 15:31:20 UTC is 51s before the crash at 2001-03-14 15:32:11 UTC (MSExchangeIMC 3039, MSExchangeIMC 4116)", Weight: 8.3},
				{Kind: "rule", Detail: "rule line-over-998 (risk) at offset 90: xxxx", Weight: 0.5},
			}},
		{Type: "suspect", Schema: 1, Rank: 2, Path: "TempIMS/OUT/VMS95LCZ", Name: "VMS95LCZ", Queue: "OUT", Score: 5, Verdict: "risky",
			Reasons: []model.Reason{{Kind: "rule", Detail: "rule tnef-part (risk, Q152937) at offset 400 in part 2: \"x\xff\"", Weight: 5}}},
		{Type: "suspect", Schema: 1, Rank: 3, Path: "TempIMS/IN/3SW32JRP", Name: "3SW32JRP", Queue: "IN", Score: 0, Verdict: "clean", Reasons: []model.Reason{}},
	}
	c := []model.Conclusion{
		model.NewConclusion(`MSExchangeIMC 3018 at 2001-03-14 09:00:00 UTC (AppEvent.csv:3): the Imcdata drive ran low on free space, not content`, "Q189587", "Q272506"),
		model.NewConclusion("the evidence holds no crash event"),
	}
	return s, c
}

func TestWriteTriageMatchesGoldenFiles(t *testing.T) {
	s, c := triageSample()
	for _, tc := range []struct {
		format Format
		top    int
		file   string
	}{
		{Table, 20, "triage.table.txt"},
		{Table, 1, "triage.top1.table.txt"},
		{JSON, 1, "triage.jsonl"},
		{CSV, 1, "triage.csv"},
	} {
		var buf bytes.Buffer
		if err := WriteTriage(&buf, tc.format, s, c, tc.top); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		path := filepath.Join("testdata", "golden", tc.file)
		if updating() {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./report -run Triage -update)", err)
		}
		if d := cmp.Diff(string(want), buf.String()); d != "" {
			t.Errorf("%s differs (-want +got):\n%s", tc.file, d)
		}
	}
}

func TestTriageJSONHasTheContractKeysInRankOrder(t *testing.T) {
	s, c := triageSample()
	var buf bytes.Buffer
	if err := WriteTriage(&buf, JSON, s, c, 1); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(s)+len(c) {
		t.Fatalf("%d lines, want every suspect (even beyond --top) and every conclusion", len(lines))
	}
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		keys := []string{"type", "schema", "rank", "path", "score", "verdict", "reasons"}
		if i >= len(s) {
			keys = []string{"type", "schema", "text", "kb"}
		}
		for _, k := range keys {
			if _, ok := rec[k]; !ok {
				t.Errorf("line %d: no %q in %s", i+1, k, l)
			}
		}
		if i < len(s) && rec["rank"].(float64) != float64(i+1) {
			t.Errorf("line %d: rank %v", i+1, rec["rank"])
		}
		if i == len(lines)-1 && rec["kb"] == nil {
			t.Errorf("a conclusion without KB must say kb: [], got %s", l)
		}
	}
	if !strings.Contains(buf.String(), `\\xff`) {
		t.Error("invalid UTF-8 in a reason was not escaped as \\xNN")
	}
}
