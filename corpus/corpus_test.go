package corpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var spoolNameRE = regexp.MustCompile(`^[0-9A-Z]{8}$`)

// hashTree returns path -> sha256 of every file under dir.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	sc, _ := ScenarioByName("blank-charset-unnamed")
	cfg := Config{Messages: 150, Seed: 42, Poison: PoisonAll(), Evidence: true, Scenario: sc, Layout: LayoutImcdata}
	a, b := t.TempDir(), t.TempDir()
	if _, err := Generate(context.Background(), a, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), b, cfg); err != nil {
		t.Fatal(err)
	}
	ha, hb := hashTree(t, a), hashTree(t, b)
	if len(ha) < 150 {
		t.Fatalf("only %d files", len(ha))
	}
	if len(ha) != len(hb) {
		t.Fatalf("file counts differ: %d vs %d", len(ha), len(hb))
	}
	for p, h := range ha {
		if hb[p] != h {
			t.Errorf("%s differs between two runs with the same seed", p)
		}
	}
	// A different seed must give different bytes.
	c := t.TempDir()
	cfg.Seed = 43
	if _, err := Generate(context.Background(), c, cfg); err != nil {
		t.Fatal(err)
	}
	hc := hashTree(t, c)
	if hc["truth.json"] == ha["truth.json"] {
		t.Error("seed 43 gave the same truth.json as seed 42")
	}
}

func TestEveryRulePlanted(t *testing.T) {
	if n := len(RuleIDs()); n != 58 {
		t.Errorf("catalogue has %d rule IDs, poison-rules.md has 58", n)
	}
	for _, id := range RuleIDs() {
		if poisonBuilders[id] == nil {
			t.Errorf("no poison builder for %s", id)
		}
	}
	for _, layout := range []string{LayoutTempIMS, LayoutImcdata} {
		dir := t.TempDir()
		tr, err := Generate(context.Background(), dir, Config{Messages: 200, Seed: 7, Poison: PoisonAll(), Layout: layout})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		clean, cleanCrash := 0, 0
		for _, f := range tr.Files {
			for _, r := range f.Rules {
				got[r]++
			}
			if f.Role == "clean" {
				clean++
				if f.Class == "crash" {
					cleanCrash++
				}
			}
			checkFile(t, dir, f)
		}
		for _, id := range RuleIDs() {
			if got[id] == 0 {
				t.Errorf("%s: no message for rule %s", layout, id)
			}
		}
		if got["blank-charset"] != len(blankCharsetSpellings) {
			t.Errorf("blank-charset messages = %d, want one per spelling (%d)", got["blank-charset"], len(blankCharsetSpellings))
		}
		if clean < 100 || cleanCrash != 0 {
			t.Errorf("%s: %d clean files, %d of them crash-class", layout, clean, cleanCrash)
		}
	}
}

// checkFile checks the structural promises for one generated file.
func checkFile(t *testing.T, dir string, f TruthFile) {
	t.Helper()
	if !spoolNameRE.MatchString(f.Name) || !strings.HasSuffix(f.Path, "/"+f.Name) {
		t.Errorf("%s: bad spool name %q", f.Path, f.Name)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != f.Size {
		t.Errorf("%s: size %d, truth says %d", f.Path, len(b), f.Size)
	}
	switch f.Format {
	case "ims-spool":
		i := bytes.Index(b, []byte("ImCr"))
		j := bytes.Index(b, []byte("EwLs"))
		broken := slices.Contains(f.Rules, "envelope-markers-broken")
		if i < 0 || i > 16 || (!broken && j < i) || (broken && j >= 0) {
			t.Errorf("%s: ImCr at %d, EwLs at %d", f.Path, i, j)
		}
	case "x-sender":
		if !bytes.HasPrefix(b, []byte("x-sender: ")) {
			t.Errorf("%s: Pickup file without x-sender line", f.Path)
		}
	}
	if f.Role != "clean" {
		return
	}
	msg := b[bytes.Index(b, []byte("EwLs"))+4:]
	if f.Format == "x-sender" {
		msg = b
	}
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Errorf("%s: clean message without final CRLF", f.Path)
	}
	hdrEnd := bytes.Index(msg, []byte("\r\n\r\n"))
	if hdrEnd < 0 {
		t.Fatalf("%s: no header block", f.Path)
	}
	for _, c := range msg[:hdrEnd] {
		if c >= 0x80 {
			t.Errorf("%s: 8-bit byte in the header block", f.Path)
			break
		}
	}
	for _, h := range []string{"\r\nDate: ", "\r\nMessage-ID: "} {
		if !bytes.Contains(msg[:hdrEnd], []byte(h)) {
			t.Errorf("%s: clean message without %s", f.Path, strings.TrimSpace(h))
		}
	}
	for n, line := range bytes.Split(msg, []byte("\r\n")) {
		if len(line) > 998 || bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, 0) >= 0 {
			t.Errorf("%s: line %d is too long or holds a bare CR/LF/NUL", f.Path, n+1)
			break
		}
		if string(line) == "." {
			t.Errorf("%s: clean message with a lone dot line", f.Path)
		}
	}
}

func TestCleanCorpusIsClean(t *testing.T) {
	dir := t.TempDir()
	tr, err := Generate(context.Background(), dir, Config{Messages: 2000, Seed: 11, Layout: LayoutImcdata})
	if err != nil {
		t.Fatal(err)
	}
	risky := 0
	for _, f := range tr.Files {
		if f.Role != "clean" {
			t.Fatalf("%s: role %q in a corpus without poison", f.Path, f.Role)
		}
		if f.Class == "crash" || f.Class == "stall" {
			t.Errorf("%s: clean file of class %s", f.Path, f.Class)
		}
		if len(f.Rules) > 0 {
			risky++
		}
		checkFile(t, dir, f)
	}
	if risky > len(tr.Files)/20 {
		t.Errorf("%d of %d clean files carry risk traits: too many", risky, len(tr.Files))
	}
	queues := map[string]int{}
	for _, f := range tr.Files {
		queues[f.Queue]++
	}
	for _, q := range []string{"IN", "OUT", "IN/Archive", "OUT/Archive", "Pickup"} {
		if queues[q] == 0 {
			t.Errorf("no file in %s", q)
		}
	}
	if len(tr.Culprits) != 0 {
		t.Errorf("quiet day has culprits %v", tr.Culprits)
	}
}

func TestScenarios(t *testing.T) {
	all := DefaultScenarios(0)
	if len(all) < 20 {
		t.Fatalf("%d predefined scenarios, want >= 20", len(all))
	}
	names := map[string]bool{}
	for _, sc := range all {
		if names[sc.Name] {
			t.Errorf("duplicate scenario %s", sc.Name)
		}
		names[sc.Name] = true
		if err := sc.validate(); err != nil {
			t.Error(err)
		}
	}
	for _, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			dir := t.TempDir()
			tr, err := Generate(context.Background(), dir, Config{Messages: 40, Seed: 5, Evidence: true, Scenario: sc, Layout: LayoutImcdata})
			if err != nil {
				t.Fatal(err)
			}
			if sc.Kind == KindContent {
				if len(tr.Culprits) != 1 {
					t.Fatalf("culprits = %v", tr.Culprits)
				}
				var cf TruthFile
				for _, f := range tr.Files {
					if f.Path == tr.Culprits[0] {
						cf = f
					}
				}
				if !slices.Contains(cf.Rules, sc.Culprit) || cf.Role != "culprit" {
					t.Errorf("culprit %s has rules %v role %s", cf.Path, cf.Rules, cf.Role)
				}
				if d := tr.Incident.Sub(cf.MTime); d <= 0 || d > 120e9 {
					t.Errorf("culprit file time %v is not just before the incident %v", cf.MTime, tr.Incident)
				}
				if !strings.HasPrefix(cf.Queue, sc.Dir) {
					t.Errorf("culprit in %s, scenario says %s", cf.Queue, sc.Dir)
				}
			} else if len(tr.Culprits) != 0 {
				t.Errorf("culprits = %v for kind %q", tr.Culprits, sc.Kind)
			}
			recs := readEVT(t, filepath.Join(dir, "evidence", "AppEvent.evt"))
			checkScenarioEvents(t, sc, tr, recs)
			checkCSV(t, filepath.Join(dir, "evidence", "AppEvent.csv"), len(recs))
			dw, err := os.ReadFile(filepath.Join(dir, "evidence", "Drwtsn32.log"))
			if err != nil {
				t.Fatal(err)
			}
			if fn := lastFaultFunction(string(dw)); sc.FaultingFunction != "" && fn != sc.FaultingFunction {
				t.Errorf("Drwtsn32.log last fault in %q, want %q", fn, sc.FaultingFunction)
			} else if sc.FaultingFunction == "" && fn == "" {
				t.Error("Drwtsn32.log without any fault")
			}
		})
	}
}

// lastFaultFunction reads Drwtsn32.log as Q192186 says: the function named
// by the last "function:" line before the last "FAULT ->".
func lastFaultFunction(log string) string {
	fn, last := "", ""
	for _, l := range strings.Split(log, "\r\n") {
		if s, ok := strings.CutPrefix(l, "function: "); ok {
			fn = s
		}
		if strings.HasPrefix(l, "FAULT ->") {
			last = fn
		}
	}
	return last
}

func checkCSV(t *testing.T, path string, want int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 9
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) != want {
		t.Errorf("%s: %d rows, .evt has %d records", path, len(rows), want)
	}
	dateRE := regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{4}$`)
	timeRE := regexp.MustCompile(`^\d{1,2}:\d{2}:\d{2} [AP]M$`)
	for _, row := range rows {
		if !dateRE.MatchString(row[0]) || !timeRE.MatchString(row[1]) || row[6] != "N/A" {
			t.Errorf("%s: bad row %q", path, row[:7])
		}
		if !slices.Contains([]string{"Error", "Warning", "Information"}, row[3]) {
			t.Errorf("%s: type %q", path, row[3])
		}
	}
}

// TestNoEmptyEvidenceFile: a small queue gives some protocol log files no
// session; they are left out rather than written empty (an empty file is
// no evidence format, and triage would say so of the corpus's own output).
func TestNoEmptyEvidenceFile(t *testing.T) {
	sc, ok := ScenarioByName("tnef-corrupt-unnamed")
	if !ok {
		t.Fatal("no tnef-corrupt-unnamed scenario")
	}
	dir := t.TempDir()
	tr, err := Generate(context.Background(), dir, Config{Messages: 50, Seed: 1, Poison: PoisonAll(), Evidence: true, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	logs := 0
	for _, e := range tr.Evidence {
		fi, err := os.Stat(filepath.Join(dir, e))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 {
			t.Errorf("%s is empty", e)
		}
		if strings.HasSuffix(e, ".LOG") {
			logs++
		}
	}
	if logs == 0 || logs == 3 {
		t.Errorf("%d protocol logs; this queue fills 1 or 2 of the 3 (the culprit's session is always logged)", logs)
	}
}
