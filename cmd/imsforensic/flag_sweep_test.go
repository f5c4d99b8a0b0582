package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// The flag sweep: every flag of every command (walked from the flag set
// each command defines, so a flag added later is swept too) with odd
// values, each run on a fresh copy of the sample queue as evidence. Every
// run must: not panic, end within its deadline, exit with a code the
// command's --help lists, name the flag in a usage error, leave the
// evidence as it was (bytes, mode, mtime, no new file) and leave no
// temporary file in the output, state or current folder.
//
// The default set is the representative one (a few hundred runs, seconds);
// IMSF_FLAG_SWEEP=all runs every value on every flag.

// sweepEnv is one run's folders.
type sweepEnv struct {
	evid  string // the evidence: a fresh copy of testdata/sample-tempims
	out   string // a folder for outputs (exists, empty)
	file  string // a file that is not a folder (exists)
	state string // XDG_STATE_HOME of the sweep
	smtp  string // the lab sink's smtp:// URL
	// special is a unix socket file: not a regular file, opened by no
	// one (open fails at once instead of blocking as a FIFO's would).
	special string
	rules   map[string]string
}

// sweepValue is one odd value; fn makes it from the run's folders.
type sweepValue struct {
	name string
	fn   func(e *sweepEnv) string
	// fast: in the default set.
	fast bool
}

func lit(name, v string, fast bool) sweepValue {
	return sweepValue{name, func(*sweepEnv) string { return v }, fast}
}

func pathv(name string, fast bool, fn func(e *sweepEnv) string) sweepValue {
	return sweepValue{name, fn, fast}
}

// deepParens is a selection expression nested 10,000 deep.
var deepParens = strings.Repeat("(", 10000) + "size>1" + strings.Repeat(")", 10000)

// commonStrings are the odd values every string flag gets.
func commonStrings() []sweepValue {
	return []sweepValue{
		lit("empty", "", true),
		lit("dash", "-", true),
		lit("leading-dash", "--x", false),
		lit("zero", "0", false),
		lit("minus-one", "-1", false),
		lit("newline", "a\nb", false),
		lit("invalid-utf8", "\xff\xfe", false),
		// One value for the fast set: a newline, invalid UTF-8 and a space.
		lit("odd-bytes", "a\nb\xff\xfe c", true),
		pathv("missing-path", true, func(e *sweepEnv) string { return filepath.Join(e.out, "no", "such") }),
		pathv("file-not-folder", true, func(e *sweepEnv) string { return e.file }),
		pathv("folder-not-file", true, func(e *sweepEnv) string { return e.out }),
		pathv("inside-evidence", true, func(e *sweepEnv) string { return filepath.Join(e.evid, "IN", "new") }),
		pathv("evidence-file", false, func(e *sweepEnv) string { return filepath.Join(e.evid, "IN", "HBWK2Q2P") }),
		// A special file (never one of /dev: a write that renamed over
		// /dev/zero, run as root, replaced it for the whole machine).
		pathv("special-file", true, func(e *sweepEnv) string { return e.special }),
		pathv("spaces", false, func(e *sweepEnv) string { return filepath.Join(e.out, "with space", "x y") }),
	}
}

// typeValues are the odd values by pflag value type.
var typeValues = map[string][]sweepValue{
	"bool": {lit("true", "true", true), lit("not-bool", "maybe", true), lit("empty", "", false)},
	"int": {lit("empty", "", false), lit("zero", "0", true), lit("minus-one", "-1", true), lit("1e18", "1000000000000000000", true),
		lit("2^63", "9223372036854775808", true), lit("float", "1e18", false), lit("not-number", "abc", true), lit("huge-negative", "-9223372036854775808", false)},
	"float64": {lit("empty", "", false), lit("zero", "0", true), lit("minus-one", "-1", true), lit("NaN", "NaN", true), lit("Inf", "+Inf", true),
		lit("tiny", "1e-300", true), lit("huge", "1e308", false), lit("not-number", "abc", true)},
	"duration": {lit("empty", "", false), lit("zero", "0", true), lit("minus-1s", "-1s", true), lit("1000000h", "1000000h", true),
		lit("no-unit", "5", false), lit("not-duration", "abc", true), lit("overflow", "9999999999h", false)},
	"uintSlice": {lit("empty", "", true), lit("minus-one", "-1", true), lit("2^32", "4294967296", true), lit("not-number", "abc", true),
		lit("double-comma", "4116,,4117", false), lit("zero", "0", false)},
}

// flagValues are the values particular to a flag, besides its type's.
func flagValues(name string) []sweepValue {
	switch name {
	case "select":
		return []sweepValue{lit("no-parse", "size >", true), lit("dangling-and", "queue=IN and", true), lit("deep-parens", deepParens, true),
			lit("unclosed", strings.Repeat("(", 10000), false), lit("bad-regex", "subject~(", true), lit("huge-size", "size>99999999999999999999G", false),
			lit("unknown-field", "colour=red", false)}
	case "set":
		return []sweepValue{lit("unknown-key", "no_such_key=1", true), lit("bad-value", "limit_nesting_levels=abc", true),
			lit("negative", "limit_nesting_levels=-1", true), lit("huge", "limit_nesting_levels=1000000000000000000", true),
			lit("no-equals", "limit_nesting_levels", false), lit("only-equals", "=", false)}
	case "rules":
		return []sweepValue{
			pathv("not-json", true, func(e *sweepEnv) string { return e.rules["not-json"] }),
			pathv("huge", true, func(e *sweepEnv) string { return e.rules["huge"] }),
			pathv("empty-file", false, func(e *sweepEnv) string { return e.rules["empty"] }),
			pathv("unknown-keys", true, func(e *sweepEnv) string { return e.rules["unknown"] }),
		}
	case "evidence-tz":
		return []sweepValue{lit("no-such-zone", "Mars/Olympus_Mons", true), lit("utc+99", "UTC+99", true), lit("+25:00", "+25:00", true),
			lit("lowercase-utc", "utc", false), lit("path-escape", "../../../etc/passwd", true)}
	case "since", "until":
		return []sweepValue{lit("feb-30", "2001-02-30 10:00", true), lit("year-0", "0000-01-01T00:00:00Z", false),
			lit("year-10000", "10000-01-01 00:00", true), lit("rfc3339-bad-zone", "2001-03-14T10:30:00+99:00", true)}
	case "to":
		return []sweepValue{
			pathv("imcdata", true, func(e *sweepEnv) string { return "imcdata:" + filepath.Join(e.out, "imc") }),
			pathv("pickup", true, func(e *sweepEnv) string { return "pickup:" + filepath.Join(e.out, "pickup") }),
			pathv("replay-dir", true, func(e *sweepEnv) string { return "replay-dir:" + filepath.Join(e.out, "rd") }),
			pathv("smtp", true, func(e *sweepEnv) string { return e.smtp }),
			pathv("imcdata-evidence", true, func(e *sweepEnv) string { return "imcdata:" + e.evid }),
			pathv("pickup-in-evidence", true, func(e *sweepEnv) string { return "pickup:" + filepath.Join(e.evid, "IN") }),
			pathv("replay-dir-file", true, func(e *sweepEnv) string { return "replay-dir:" + e.file }),
			lit("smtp-no-port", "smtp://127.0.0.1", true), lit("smtp-port-99999", "smtp://127.0.0.1:99999", true),
			lit("unknown-scheme", "ftp://x", true), lit("scheme-only", "imcdata:", true),
		}
	case "target":
		return []sweepValue{pathv("smtp", true, func(e *sweepEnv) string { return e.smtp }),
			lit("smtp-port-99999", "smtp://127.0.0.1:99999", true), lit("not-smtp", "imcdata:x", true)}
	case "probe":
		return []sweepValue{lit("no-braces", "true", true), lit("fails", "false {}", true), lit("ok", "true {}", true)}
	case "listen":
		return []sweepValue{lit("port-99999", "127.0.0.1:99999", true), lit("all-interfaces", "0.0.0.0:0", true),
			lit("ipv6-loopback", "[::1]:0", false), lit("no-port", "127.0.0.1", true), lit("name", "localhost:0", false)}
	case "max-size":
		return []sweepValue{lit("zero", "0", true), lit("negative", "-1", true), lit("huge", "99999999999999G", true), lit("not-size", "abc", true),
			lit("1e18", "1000000000000000000", false)}
	case "fail", "delay", "disconnect":
		return []sweepValue{lit("bogus", "bogus", true), lit("code-999", "DATA:999", true), lit("long", "DATA:1000000h", true),
			lit("negative-count", "MAIL:451*-1", true), lit("bad-regex", "RCPT:550:to~(", false)}
	case "messages":
		return []sweepValue{lit("one", "1", true), lit("huge", "100000000", false)}
	case "format", "log-format", "layout", "queue", "queue-dat", "exit-codes", "emulate", "poison", "scenario", "fail-on":
		return []sweepValue{lit("upper", "JSON", false), lit("unknown", "xml", true)}
	case "concurrency":
		return []sweepValue{lit("many", "100000", true)}
	case "hold":
		return []sweepValue{lit("a-name", "3sw32jrp", true)}
	}
	return nil
}

// smtpOnly are replay's flags that apply to smtp:// targets only; they are
// swept with the baseline sending to the lab sink.
var smtpOnly = map[string]bool{"rate": true, "fix-line-endings": true, "transcript": true, "resend-in-doubt": true, "exit-codes": true}

// baseline is the command line a flag's value is added to: one that does
// its work on the evidence with every output in e.out.
func baseline(cmd, flag string, e *sweepEnv) []string {
	switch cmd {
	case "scan", "triage", "simulate", "repair", "redact", "events":
		args := []string{e.evid}
		if cmd == "repair" || cmd == "redact" {
			args = append(args, "--out", filepath.Join(e.out, "copies"))
		}
		return args
	case "show":
		return []string{filepath.Join(e.evid, "IN", "HBWK2Q2P")}
	case "replay":
		to := "replay-dir:" + filepath.Join(e.out, "rd")
		switch {
		case smtpOnly[flag]:
			to = e.smtp
		case flag == "pickup-max-bytes":
			to = "pickup:" + filepath.Join(e.out, "pickup")
		case flag == "queue-dat" || flag == "queue":
			to = "imcdata:" + filepath.Join(e.out, "imc")
		case flag == "undo":
			return []string{}
		}
		return []string{e.evid, "--to", to}
	case "bisect":
		if flag == "target" {
			return []string{e.evid}
		}
		if flag == "timeout" || flag == "settle" {
			return []string{e.evid, "--target", e.smtp}
		}
		return []string{e.evid, "--probe", "true {}"}
	case "sink":
		return []string{"--listen", "127.0.0.1:0", "--store", filepath.Join(e.out, "store"), "--tls=false"}
	case "corpus":
		return []string{"--out", filepath.Join(e.out, "corpus"), "--messages", "5"}
	case "demo":
		return []string{"--dir", filepath.Join(e.out, "demo"), "--messages", "20"}
	}
	return nil
}

// longRunning commands run until stopped: each run is stopped (as Ctrl-C
// stops it) once it says it listens; one that neither listens nor exits
// within its deadline hangs.
var longRunning = map[string]bool{"sink": true}

// writesWhereTold are the commands that read no evidence: the folder a
// flag names is theirs to write into, wherever it is.
var writesWhereTold = map[string]bool{"sink": true, "corpus": true, "demo": true}

// slowCommands are swept with the fast set only even under
// IMSF_FLAG_SWEEP=all (the demo plays the whole incident each run).
var slowCommands = map[string]bool{"demo": true}

type sweepCase struct {
	cmd, flag, value string
	def              string // the flag's default
	args             []string
	env              func(e *sweepEnv) []string
}

func TestFlagSweep(t *testing.T) {
	all := os.Getenv("IMSF_FLAG_SWEEP") == "all"
	src, err := filepath.Abs(filepath.Join("..", "..", "testdata", "sample-tempims"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	state := filepath.Join(root, "state")
	cwd := filepath.Join(root, "cwd")
	for _, d := range []string{state, cwd} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("LOCALAPPDATA", state)
	// Relative outputs ("-", "0" given as a folder) land here, where they
	// are looked at, not in the package folder.
	t.Chdir(cwd)
	_, smtpURL := sinktest.Start(t, smtpsink.Config{Emulate: smtpsink.EmulateIMS})
	rulesDir := filepath.Join(root, "rules")
	os.MkdirAll(rulesDir, 0o755)
	rulesFiles := map[string]string{}
	for name, body := range map[string]string{
		"not-json": "limit_nesting_levels = 50\n",
		"empty":    "",
		"unknown":  `{"no_such_key": 1, "thresholds": {"nope": -1}}`,
		// 32 MiB of one JSON array: a rules file no one writes, which must
		// be refused without reading it whole into memory (or read, within
		// bounds) and never crash.
		"huge": "[" + strings.Repeat("1,", 16<<20) + "1]",
	} {
		p := filepath.Join(rulesDir, name+".json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		rulesFiles[name] = p
	}

	var cases []sweepCase
	flagsSeen, cmdsSeen := 0, 0
	// The fast set sweeps a flag that several commands share (--select,
	// --rules, --format...) whole on the first command that has it, and
	// only its empty and repeated values on the others.
	swept := map[string]bool{}
	cmdRuns := map[string]int{}
	for _, c := range commands() {
		cmdsSeen++
		// The flags execute adds (--help, --wide) are swept as well.
		fs := c.flags
		if fs.Lookup("help") == nil {
			fs.BoolP("help", "h", false, "")
		}
		if tableCommands[c.name] && fs.Lookup("wide") == nil {
			fs.Bool("wide", false, "")
		}
		fs.VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			flagsSeen++
			vals := slices.Clone(typeValues[f.Value.Type()])
			switch f.Value.Type() {
			case "string", "stringArray":
				vals = append(commonStrings(), vals...)
			case "bool", "int", "int64", "float64", "duration", "uintSlice":
			default:
				t.Errorf("%s --%s: type %q has no sweep values; add them to typeValues", c.name, f.Name, f.Value.Type())
			}
			vals = append(vals, flagValues(f.Name)...)
			for _, v := range vals {
				if !v.fast && (!all || slowCommands[c.name]) {
					continue
				}
				key := f.Name + "\x00" + f.Value.Type() + "\x00" + v.name
				if !all && swept[key] {
					continue
				}
				swept[key] = true
				cmdRuns[c.name]++
				cases = append(cases, sweepCase{cmd: c.name, flag: f.Name, value: v.name, env: func(e *sweepEnv) []string {
					x := v.fn(e)
					if f.Value.Type() == "bool" && x == "true" {
						return []string{"--" + f.Name}
					}
					return []string{"--" + f.Name + "=" + x}
				}})
			}
			// The flag given twice (repeated flags), with its default.
			// Every command runs at least once: its first flag repeated.
			if !all && swept[f.Name+"\x00repeated"] && cmdRuns[c.name] > 0 {
				return
			}
			swept[f.Name+"\x00repeated"] = true
			def := f.DefValue
			if f.Value.Type() == "stringArray" || f.Value.Type() == "uintSlice" {
				def = strings.Trim(def, "[]")
			}
			cmdRuns[c.name]++
			cases = append(cases, sweepCase{cmd: c.name, flag: f.Name, value: "repeated", def: def, env: func(*sweepEnv) []string {
				return []string{"--" + f.Name + "=" + def, "--" + f.Name + "=" + def}
			}})
		})
	}
	perCmd := map[string]int{}
	for _, c := range cases {
		perCmd[c.cmd]++
	}
	t.Logf("sweep: %d commands, %d flags, %d runs %v", cmdsSeen, flagsSeen, len(cases), perCmd)
	start := time.Now()
	defer func() { t.Logf("sweep took %v", time.Since(start).Round(time.Millisecond)) }()

	special := filepath.Join(root, "sock")
	haveSpecial := unixSocketFile(t, special)
	if !haveSpecial {
		cases = slices.DeleteFunc(cases, func(sc sweepCase) bool { return sc.value == "special-file" })
	}
	file := filepath.Join(root, "a-file")
	os.WriteFile(file, []byte("not a folder\n"), 0o644)
	for i, sc := range cases {
		name := fmt.Sprintf("%s/--%s=%s", sc.cmd, sc.flag, sc.value)
		e := &sweepEnv{
			evid:    filepath.Join(root, fmt.Sprintf("run%d", i), "TempIMS"),
			out:     filepath.Join(root, fmt.Sprintf("run%d", i), "out"),
			file:    file,
			special: special,
			state:   state,
			smtp:    smtpURL,
			rules:   rulesFiles,
		}
		copyTreeTimes(t, src, e.evid)
		if sc.cmd == "events" {
			copyEvidenceSamples(t, e.evid)
		}
		os.MkdirAll(e.out, 0o755)
		args := append([]string{sc.cmd}, baseline(sc.cmd, sc.flag, e)...)
		args = append(args, sc.env(e)...)
		before := snapshot(t, e.evid)
		res := sweepOne(args, longRunning[sc.cmd])
		checkSweep(t, name, sc, res, args)
		if after := snapshot(t, e.evid); !writesWhereTold[sc.cmd] && !cmp.Equal(before, after) {
			t.Errorf("%s: the evidence changed: %s", name, cmp.Diff(before, after))
		}
		if fi, err := os.Lstat(special); haveSpecial && (err != nil || fi.Mode()&os.ModeSocket == 0) {
			t.Fatalf("%s: the socket file given as a value was replaced (%v)", name, err)
		}
		for _, dir := range []string{e.out, state, cwd} {
			if left := tempLeftovers(dir); len(left) > 0 {
				t.Errorf("%s: temporary files left: %q", name, left)
			}
		}
		os.RemoveAll(filepath.Dir(e.evid))
		clearFolder(cwd)
	}
}

// sweepResult is how one run ended.
type sweepResult struct {
	stdout, stderr string
	code           int
	panicked       string
	hung           bool
	deadline       bool // the run's context deadline was reached
	took           time.Duration
}

// sweepDeadline is each run's context deadline; a run that has not
// returned sweepGrace after it hangs. Long-running commands get
// sweepLongDeadline, after which they are stopped as Ctrl-C stops them.
const (
	sweepDeadline     = 20 * time.Second
	sweepLongDeadline = 10 * time.Second
	sweepGrace        = 5 * time.Second
)

func sweepOne(args []string, long bool) sweepResult {
	d := sweepDeadline
	if long {
		d = sweepLongDeadline
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, errb := &syncBuffer{}, &syncBuffer{}
	g := &globals{stdout: out, stderr: errb, stdin: strings.NewReader("")}
	done := make(chan sweepResult, 1)
	start := time.Now()
	stopped := make(chan struct{})
	if long {
		go func() {
			for ctx.Err() == nil {
				select {
				case <-stopped:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if strings.Contains(errb.String(), "listening on") {
					cancel()
					return
				}
			}
		}()
	}
	defer close(stopped)
	go func() {
		var r sweepResult
		defer func() {
			if p := recover(); p != nil {
				r.panicked = fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
			done <- r
		}()
		err := run(ctx, g, args)
		r.code = exitCode(ctx, err)
		if err != nil && r.code != exitFindings {
			printExitError(g, err)
		}
	}()
	select {
	case r := <-done:
		r.took = time.Since(start)
		r.deadline = errors.Is(ctx.Err(), context.DeadlineExceeded)
		r.stdout, r.stderr = out.String(), errb.String()
		return r
	case <-time.After(d + sweepGrace):
		return sweepResult{hung: true, stdout: out.String(), stderr: errb.String()}
	}
}

func checkSweep(t *testing.T, name string, sc sweepCase, r sweepResult, args []string) {
	t.Helper()
	short := func(s string) string {
		if len(s) > 600 {
			return s[:600] + "..."
		}
		return s
	}
	argv := fmt.Sprintf("%q", args)
	if len(argv) > 400 {
		argv = argv[:400] + "..."
	}
	switch {
	case r.panicked != "":
		t.Errorf("%s: panic: %s\nargs %s", name, r.panicked, argv)
		return
	case r.hung:
		t.Errorf("%s: did not return %v after its deadline\nargs %s\nstderr %s", name, sweepGrace, argv, short(r.stderr))
		return
	case r.deadline:
		t.Errorf("%s: still running after %v (a value that makes it wait forever?)\nargs %s\nstderr %s", name, sweepDeadline, argv, short(r.stderr))
		return
	}
	c := findCommand(commands(), sc.cmd)
	if !slices.Contains(c.exitCodes(), r.code) {
		t.Errorf("%s: exit %d, not one of %v\nargs %s\nstderr %s", name, r.code, c.exitCodes(), argv, short(r.stderr))
	}
	if r.code == exitUsage {
		// The one line says which flag and what it wants.
		// An empty value is the flag not given: the error may be about
		// what is then missing.
		empty := sc.value == "empty" || sc.value == "repeated" && sc.def == ""
		if !strings.Contains(r.stderr, "--"+sc.flag) && !(empty && strings.Contains(r.stderr, "--")) {
			t.Errorf("%s: usage error does not name --%s\nstderr %s", name, sc.flag, short(r.stderr))
		}
	}
	if r.code != exitOK && r.code != exitFindings && strings.TrimSpace(r.stderr) == "" {
		t.Errorf("%s: exit %d with nothing on stderr", name, r.code)
	}
}

// tempLeftovers lists the temporary files under dir: atomicfile's
// ".imsf-*.tmp" names, and anything in a ".imsforensic-tmp" folder.
func tempLeftovers(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		base := d.Name()
		if strings.HasSuffix(base, ".tmp") || strings.HasPrefix(base, ".imsf-") {
			out = append(out, p)
		}
		if !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/.imsforensic-tmp/") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// copyTreeTimes copies src to dst with the file times sampleCopy gives.
func copyTreeTimes(t *testing.T, src, dst string) {
	t.Helper()
	when := time.Date(2001, 3, 14, 15, 30, 0, 0, time.UTC)
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return err
		}
		return os.Chtimes(target, when, when)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// copyEvidenceSamples adds two real evidence files for events to read.
func copyEvidenceSamples(t *testing.T, dst string) {
	t.Helper()
	for _, n := range []string{"Drwtsn32.log", "export-q293288.csv"} {
		// t.Chdir moved the current folder: read from the module root.
		b, err := os.ReadFile(filepath.Join(moduleRoot(t), "evidence", "testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var sweepModuleRoot string

func moduleRoot(t *testing.T) string {
	if sweepModuleRoot == "" {
		t.Fatal("module root not known")
	}
	return sweepModuleRoot
}

func init() {
	if wd, err := os.Getwd(); err == nil {
		sweepModuleRoot = filepath.Join(wd, "..", "..")
	}
}

func clearFolder(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
