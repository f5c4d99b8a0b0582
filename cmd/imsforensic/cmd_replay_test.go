package main

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// TestReplayIntoImcdataCLI drives the replay command the way the KB
// procedure goes: refused while Queue.dat exists, then --queue-dat rename,
// a rerun that writes nothing twice, and --undo.
func TestReplayIntoImcdataCLI(t *testing.T) {
	src := sampleCopy(t)
	before := snapshot(t, src)
	imc := filepath.Join(t.TempDir(), "Imcdata")
	for _, d := range []string{"In", "OUT"} {
		if err := os.MkdirAll(filepath.Join(imc, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(imc, "QUEUE.DAT"), []byte("state"), 0o644); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "replay.jsonl")
	to := "imcdata:" + imc

	_, errOut, code := runCLI(t, "", "replay", src, "--to", to, "--journal", journal, "--format", "json")
	if code != exitError || !strings.Contains(errOut, "Queue.dat present") {
		t.Fatalf("replay with Queue.dat present: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(imc, "QUEUE.DAT")); err != nil {
		t.Fatalf("Queue.dat was touched without --queue-dat rename: %v", err)
	}

	out, errOut, code := runCLI(t, "", "replay", src, "--to", to, "--journal", journal, "--queue-dat", "rename", "--format", "json")
	if code != exitOK && code != exitRefused {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(imc, "Queue.old")); err != nil {
		t.Errorf("Queue.dat not renamed to Queue.old: %v", err)
	}
	recs := replayRecords(t, out)
	written := 0
	for _, r := range recs {
		if r.Action == "write" && r.Result == "ok" {
			written++
			dest, err := os.ReadFile(r.Dest)
			if err != nil {
				t.Fatalf("written file %s: %v", r.Dest, err)
			}
			orig, _ := os.ReadFile(r.Path)
			if string(dest) != string(orig) {
				t.Errorf("%s is not byte-identical to %s", r.Dest, r.Path)
			}
			if strings.EqualFold(filepath.Base(filepath.Dir(r.Dest)), "in") && filepath.Base(filepath.Dir(r.Dest)) != "In" {
				t.Errorf("existing In folder not reused: %s", r.Dest)
			}
		}
		if r.Result == "ok" && r.Action == "write" && strings.HasSuffix(r.Path, "NQ1NQYQK") {
			t.Errorf("the crash suspect NQ1NQYQK was replayed without --include-suspects")
		}
	}
	if written == 0 {
		t.Fatalf("nothing written:\n%s", out)
	}

	out, _, _ = runCLI(t, "", "replay", src, "--to", to, "--journal", journal, "--format", "json")
	for _, r := range replayRecords(t, out) {
		if r.Action == "write" && r.Result == "ok" {
			t.Errorf("rerun wrote %s again", r.Path)
		}
	}

	out, errOut, code = runCLI(t, "", "replay", "--undo", journal, "--format", "json")
	if code != exitOK {
		t.Fatalf("undo: exit %d\n%s\n%s", code, out, errOut)
	}
	left, _ := filepath.Glob(filepath.Join(imc, "*", "*"))
	if len(left) != 0 {
		t.Errorf("undo left %v", left)
	}
	if after := snapshot(t, src); len(after) != len(before) {
		t.Errorf("evidence changed")
	} else {
		for k, v := range before {
			if after[k] != v {
				t.Errorf("evidence file %s changed", k)
			}
		}
	}
}

func replayRecords(t *testing.T, out string) []model.ReplayRecord {
	t.Helper()
	var recs []model.ReplayRecord
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r model.ReplayRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		if r.Type == "replay" {
			recs = append(recs, r)
		}
	}
	return recs
}

func TestCorpusCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q")
	if _, errOut, code := runCLI(t, "", "corpus", "--out", dir, "--messages", "40", "--seed", "3"); code != exitOK {
		t.Fatalf("corpus: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "truth.json")); err != nil {
		t.Fatal(err)
	}
	if _, _, code := runCLI(t, "", "corpus", "--out", dir, "--poison", "no-such-rule"); code != exitUsage {
		t.Errorf("unknown rule: exit %d, want 2", code)
	}
	out, _, code := runCLI(t, "", "scan", "--format", "json", "--select", "rule=blank-charset", dir)
	if code != exitOK || !strings.Contains(out, `"rule":"blank-charset"`) {
		t.Errorf("scan of the corpus found no blank-charset (exit %d)", code)
	}
}

// authSink runs a sink that requires AUTH for user u (no TLS: loopback).
func authSink(t *testing.T, pass string) string {
	t.Helper()
	_, url := sinktest.Start(t, smtpsink.Config{Auth: map[string]string{"u": pass}})
	return url
}

// TestReplayOneMessageSwaksExitCodes: one message replayed over SMTP with
// --exit-codes swaks exits with the code swaks uses for the phase that
// failed; without it, the one table applies (1 runtime, 5 refused/failed).
func TestReplayOneMessageSwaksExitCodes(t *testing.T) {
	src := sampleCopy(t)
	clean := filepath.Join(src, "IN", "HBWK2Q2P")
	poison := filepath.Join(src, "IN", "NQ1NQYQK")
	startSink := func(faults ...string) string {
		cfg := smtpsink.Config{Emulate: smtpsink.EmulateIMS, Lint: sinktest.Lint}
		for _, f := range faults {
			ft, err := smtpsink.ParseFault(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Faults = append(cfg.Faults, ft)
		}
		_, url := sinktest.Start(t, cfg)
		return url
	}
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "smtp://" + addr
	}
	type swaksCase struct {
		name  string
		file  string
		to    string
		extra []string
		want  int
	}
	tests := []swaksCase{
		{"delivered", clean, startSink(), nil, exitOK},
		{"nothing listening", clean, closed(), nil, 2},
		{"MAIL refused", clean, startSink("MAIL:550"), nil, 23},
		{"no RCPT accepted", clean, startSink("RCPT:550"), nil, 24},
		{"refused after DATA", clean, startSink("DATA:554"), nil, 26},
		{"emulated store crash drops the connection", poison, startSink(), []string{"--include-suspects"}, 6},
		{"AUTH refused", clean, authSink(t, "right") + "?auth=login&user=u&pass=wrong", nil, 28},
		{"AUTH accepted", clean, authSink(t, "right") + "?auth=login&user=u&pass=right", nil, exitOK},
	}
	for i := range tests {
		tests[i].extra = append(tests[i].extra, "--exit-codes", "swaks")
	}
	tests = append(tests,
		swaksCase{"nothing listening, the table's code", clean, closed(), nil, exitError},
		swaksCase{"MAIL refused, the table's code", clean, startSink("MAIL:550"), nil, exitRefused},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"replay", tt.file, "--to", tt.to, "--journal", filepath.Join(t.TempDir(), "j.jsonl")}, tt.extra...)
			out, errOut, code := runCLI(t, "", args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tt.want, out, errOut)
			}
		})
	}
}

// TestReplayExitCodesSwaksIsForSMTP: --exit-codes swaks on a folder target
// is a usage error that says so, not "the only value is 'swaks'".
func TestReplayExitCodesSwaksIsForSMTP(t *testing.T) {
	src := sampleCopy(t)
	_, errOut, code := runCLI(t, "", "replay", src, "--to", "pickup:"+t.TempDir(), "--exit-codes", "swaks")
	if code != exitUsage || !strings.Contains(errOut, "smtp:// targets only") || strings.Contains(errOut, "the only value") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
