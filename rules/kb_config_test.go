package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func hasFinding(fs []model.Finding, id string) bool {
	return slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Rule == id })
}

// TestKBThresholdsOverridable checks that each threshold of a KB rule is
// read from Config: the fire message stops firing when the limit is
// raised (a site with another registry value), and a near miss fires
// when it is lowered.
func TestKBThresholdsOverridable(t *testing.T) {
	cases := []struct {
		rule, file, key, value string
		want                   bool
	}{
		{"mime-nesting-over-30", "fire-34-levels.eml", "limit_nesting_levels", "50", false},
		{"mime-nesting-over-30", "near-5-levels.eml", "limit_nesting_levels", "4", true},
		{"header-block-over-32k", "near-30k.eml", "header_block_bytes", "16384", true},
		{"header-field-over-21k", "fire-references.eml", "header_field_bytes", "65536", false},
		{"subject-over-20k", "near-subject-19k.eml", "subject_bytes", "10000", true},
		{"filename-over-246-bytes", "near-200.eml", "filename_bytes", "100", true},
		{"crlf-run-128", "near-100.eml", "crlf_run", "64", true},
		{"recipients-over-limit", "near-900-unique.eml", "max_recipients_on_submit", "500", true},
		{"recipients-over-limit", "fire-to-cc-1100.eml", "max_recipients_on_submit", "5000", false},
		{"recipients-over-100", "near-out-90.eml", "max_outbound_recipients", "50", true},
		{"recipients-over-32766", "near-spool-50.eml", "max_envelope_recipients", "10", true},
		{"x400-address-over-1024", "fire-spool-envelope.eml", "max_x400_address", "2048", false},
	}
	for _, c := range cases {
		t.Run(c.rule+"/"+c.key+"="+c.value, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "kb", c.rule, c.file))
			if err != nil {
				t.Fatal(err)
			}
			m := parseBytes(t, raw, queueFor(c.file))
			if hasFinding(Check(m, nil), c.rule) == c.want {
				t.Fatalf("with defaults %s already fired=%v: the override proves nothing", c.rule, c.want)
			}
			cfg := &Config{}
			if err := cfg.Set(c.key, c.value); err != nil {
				t.Fatal(err)
			}
			if got := hasFinding(Check(m, cfg), c.rule); got != c.want {
				t.Errorf("%s=%s: %s fired=%v, want %v", c.key, c.value, c.rule, got, c.want)
			}
		})
	}
}

// TestKBRulesDisabledAndReclassified checks the per-rule switches on a KB
// rule: a disabled rule is silent, a class override is applied.
func TestKBRulesDisabledAndReclassified(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "kb", "tnef-part", "fire-valid.eml"))
	if err != nil {
		t.Fatal(err)
	}
	m := parseBytes(t, raw, "")
	if hasFinding(Check(m, &Config{Disabled: map[string]bool{"tnef-part": true}}), "tnef-part") {
		t.Error("disabled tnef-part still fired")
	}
	fs := Check(m, &Config{Classes: map[string]model.Class{"tnef-part": model.ClassCrash}})
	i := slices.IndexFunc(fs, func(f model.Finding) bool { return f.Rule == "tnef-part" })
	if i < 0 || fs[i].Class != model.ClassCrash {
		t.Errorf("tnef-part not raised to crash: %v", summarize(fs))
	}
	// A confidence override weighs the rule's findings, and only its own.
	fs = Check(m, &Config{Confidence: map[string]float64{"tnef-part": 0.25}})
	for _, f := range fs {
		if want := map[bool]float64{true: 0.25, false: 1}[f.Rule == "tnef-part"]; f.Confidence != want {
			t.Errorf("%s: confidence %v, want %v", f.Rule, f.Confidence, want)
		}
	}
	if !hasFinding(fs, "tnef-part") {
		t.Errorf("tnef-part gone with a confidence override: %v", summarize(fs))
	}
}

// Every threshold key Set takes can be set, and a wrong key is answered
// with the list of keys (not a pointer to a table that lacks them); maps
// such as "disabled" are not thresholds.
func TestSetTakesEveryThresholdKeyAndListsThem(t *testing.T) {
	keys := ThresholdKeys()
	if len(keys) < 10 || slices.Contains(keys, "disabled") || slices.Contains(keys, "classes") {
		t.Fatalf("threshold keys %v", keys)
	}
	for _, k := range keys {
		cfg := &Config{}
		if err := cfg.Set(k, "7"); err != nil {
			t.Errorf("Set(%s): %v", k, err)
		}
		if reflect.DeepEqual(*cfg, Config{}) {
			t.Errorf("Set(%s=7) changed nothing", k)
		}
	}
	for _, k := range []string{"bogus", "disabled"} {
		err := (&Config{}).Set(k, "1")
		if err == nil || !strings.Contains(err.Error(), "max_line_length") || !strings.Contains(err.Error(), "limit_nesting_levels") {
			t.Errorf("Set(%s): %v, want the list of keys", k, err)
		}
	}
}

// TestCheckStateIsFresh: Check's pooled state carries nothing from one
// message to the next: a clean message after one with findings gets an
// empty, non-nil list (JSON "[]"), the first message checked again gets
// the same findings, and messages checked from eight goroutines at once
// get what they get one at a time; a Config with overrides does not leak
// into a call without it.
func TestCheckStateIsFresh(t *testing.T) {
	var msgs []*model.Message
	for _, name := range []string{"tnef-part/fire-valid.eml", "address-comment-separator/fire-comment-comma.eml", "dbcs-invalid-sequence/fire-raw-header.eml"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "kb", name))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, parseBytes(t, raw, "IN"))
	}
	clean := parseBytes(t, []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <x@example.org>\r\n\r\nbody\r\n"), "IN")
	want := make([][]model.Finding, len(msgs))
	for i, m := range msgs {
		want[i] = Check(m, nil)
		if len(want[i]) == 0 {
			t.Fatalf("message %d: no findings, the test proves nothing", i)
		}
		if fs := Check(clean, nil); fs == nil || len(fs) != 0 {
			t.Fatalf("clean message after message %d: %v (nil %v)", i, summarize(fs), fs == nil)
		}
		if fs := Check(m, &Config{Disabled: map[string]bool{want[i][0].Rule: true}}); hasFinding(fs, want[i][0].Rule) {
			t.Fatalf("disabled %s still fired", want[i][0].Rule)
		}
	}
	for i, m := range msgs {
		if got := Check(m, nil); !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("message %d checked again: %v, first %v", i, summarize(got), summarize(want[i]))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 50; k++ {
				i := (g + k) % len(msgs)
				if got := Check(msgs[i], nil); !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("goroutine %d: message %d: %v", g, i, summarize(got))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestCheckSortsTwoFindings: with only two rules enabled, Check returns
// their findings in SortFindings' order even when the rules emit them the
// other way round (Check skips the sort for fewer than two findings).
func TestCheckSortsTwoFindings(t *testing.T) {
	raw := "From: a@example.org\r\nTo: \"x (y\" <b@example.org> (team; IN)\r\n" +
		"Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream; X-MAC-TYPE=\"AB\"\r\n\r\nbody\r\n"
	m := parseBytes(t, []byte(raw), "IN")
	only := func(ids ...string) *Config {
		c := &Config{Disabled: map[string]bool{}}
		for _, r := range registry {
			if !slices.Contains(ids, r.ID) {
				c.Disabled[r.ID] = true
			}
		}
		return c
	}
	var fired []string
	for _, r := range registry {
		if fs := Check(m, only(r.ID)); len(fs) == 1 {
			fired = append(fired, r.ID)
		}
	}
	reordered := 0
	for i, a := range fired {
		for _, b := range fired[i+1:] {
			emitted := append(Check(m, only(a)), Check(m, only(b))...) // registry order: a's first
			want := slices.Clone(emitted)
			model.SortFindings(want)
			if got := Check(m, only(a, b)); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s and %s: %v, want %v", a, b, summarize(got), summarize(want))
			}
			if !reflect.DeepEqual(emitted, want) {
				reordered++
			}
		}
	}
	if len(fired) < 3 || reordered == 0 {
		t.Fatalf("rules firing once: %v, %d pairs emitted out of order: the test proves nothing", fired, reordered)
	}
}
