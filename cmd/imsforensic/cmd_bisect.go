package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay"
	"github.com/imsforensic/imsforensic/replay/bisect"
	"github.com/imsforensic/imsforensic/replay/simulate"
	"github.com/imsforensic/imsforensic/report"
)

type bisectOptions struct {
	out   outputFlags
	rules ruleFlags
	sel   selectFlags
	ev    evidenceFlags

	target  string
	probe   string
	journal string
	timeout time.Duration
	settle  time.Duration
}

func (o *bisectOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.target, "target", "", "SMTP server to replay the groups to: smtp://HOST:PORT (a dropped or refused connection, or 554 on DATA, is a crash)")
	fs.StringVar(&o.probe, "probe", "", "command run on a folder holding a copy of each group, {} = the folder; exit status other than 0 is a crash")
	fs.StringVar(&o.journal, "journal", "", "journal FILE (JSON Lines, fsynced, appended); an existing journal of the same search is resumed; default bisect-TIME.jsonl in the per-user state folder ($XDG_STATE_HOME/imsforensic, ~/.local/state/imsforensic, %LOCALAPPDATA%\\imsforensic\\journals)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "smtp: connect and reply timeout (at most 1h)")
	fs.DurationVar(&o.settle, "settle", 0, "smtp: wait this long after each group before the health check (servers that crash after accepting; at most 1h)")
	o.ev.addFlags(fs)
	o.out.addFlags(fs)
	fs.Lookup("format").Usage = tableOrJSON // no CSV form of a timeline or of rounds
	o.sel.addFlags(fs)
	o.rules.addFlags(fs)
}

func (o *bisectOptions) validate(g *globals) error {
	if err := o.out.validate(g); err != nil {
		return err
	}
	if o.out.fmt == report.CSV {
		return usageErrorf("bisect: --format csv is not supported (want table or json)")
	}
	if err := o.rules.validate(); err != nil {
		return err
	}
	if (o.target == "") == (o.probe == "") {
		return usageErrorf("bisect: give exactly one of --target smtp://HOST:PORT or --probe 'CMD {}'")
	}
	if o.probe != "" && !strings.Contains(o.probe, "{}") {
		return usageErrorf("bisect: --probe needs {} where the folder goes, e.g. --probe './check.sh {}'")
	}
	if o.timeout <= 0 || o.timeout > maxBisectWait {
		return usageErrorf("bisect: --timeout: want a positive duration up to %v, got %v", maxBisectWait, o.timeout)
	}
	if o.settle < 0 || o.settle > maxBisectWait {
		return usageErrorf("bisect: --settle: want 0 to %v, got %v", maxBisectWait, o.settle)
	}
	if err := o.ev.validate(); err != nil {
		return err
	}
	return o.sel.validate()
}

func newBisectCommand() *command {
	opts := &bisectOptions{}
	fs := newFlagSet("bisect")
	opts.addFlags(fs)
	return &command{
		name:  "bisect",
		usage: "bisect [flags] PATH... (--target smtp://HOST:PORT | --probe 'CMD {}')",
		short: "find the poison by replaying groups against a target, as the KB does by hand",
		long: `Finds every message that crashes the target: the automated form of KB
Q168883 / Q169223 (put half back, restart, wait), never taking more rounds
than that procedure by hand on any mix of culprits.

Each round replays the messages not yet decided and asks whether the target
crashed. When the target names the message it died on (an SMTP server that
drops the connection or answers 554 during its DATA, with --settle 0), that
message is a culprit, the ones before it went through, and the next round
goes on after it: k culprits take at most k+1 rounds and each message is
sent once. triage's suspects (ranked from the rules and --evidence, as
triage ranks them) go first, likeliest first, so rank 1 is known after one
message. When the target cannot say which message it died on (--probe, or a
crash found by the health check), the crashed group is halved question for
question as by hand: with only a yes or no per round, testing suspects first
would cost a round more than by hand on some mixes (docs/bisect.md). The
summary compares the rounds and messages with halving by hand.

--target smtp://HOST:PORT sends each message of the group (MAIL FROM and
RCPT TO from the envelope); the target crashed when a connection is dropped
during DATA, refused, or DATA is refused with 554 (the imsforensic sink in
'--emulate ims' drops a poison message's connection, then lists it as
poison and answers 554: both count, so one sink serves the whole run). A
health check (connect, EHLO, QUIT) follows each group; --settle waits first.
Messages whose only crash or stall findings are in the IMS envelope (such as
x400-address-over-1024) cannot crash an SMTP server: they are listed as not
testable here, with the ways to test them, instead of being cleared.

--probe 'CMD {}' runs CMD through the shell with {} replaced by a new folder
holding a copy of the group (IN/ and OUT/); exit status 0 = no crash.
The inputs are never touched. Every round is appended to the journal and
fsynced before the next one starts. Run the same command with the same
--journal after an interruption (a kill, a reboot): the rounds the journal
holds are read back, not tested again, and the result is the same. The
journal is locked for the run: a second bisect on it says which process
holds it and exits.

Examples:
  imsforensic sink --emulate ims --store sinkdir &
  imsforensic bisect TempIMS --target smtp://127.0.0.1:2525 --evidence AppEvent.evt --journal b.jsonl
  imsforensic bisect TempIMS/IN --probe './replay-on-test-server.sh {}'
  imsforensic bisect TempIMS --target smtp://127.0.0.1:2525 --format json`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runBisect(ctx, opts, g, args)
		},
	}
}

func runBisect(ctx context.Context, opts *bisectOptions, g *globals, args []string) error {
	now := time.Now()
	jpath, err := bisectJournalPath(opts.journal)
	if err != nil {
		return err
	}
	paths, ms, walkErr, err := selectedInputs(ctx, g, "bisect", &opts.sel, &opts.rules, opts.out.fmt == report.JSON, opts.ev.paths, args, now, func(paths []string) error {
		return refuseInsideEvidence(paths, "--journal", jpath)
	}, nil)
	if err != nil {
		return err
	}
	rk, err := opts.ev.rank(ctx, paths, ms, opts.rules.cfg, now)
	if err != nil {
		return err
	}
	failed := rk.evidence.tell(g)
	search, bopts := bisectInputs(ms, rk, opts.target != "")
	if len(search) == 0 && len(bopts.Untestable) == 0 {
		if opts.sel.expr != "" {
			// Say so: the inputs may be fine, the expression kept none.
			return usageErrorf("bisect: --select %q keeps no readable message among the inputs: nothing to search (--explain shows how it was read)", opts.sel.expr)
		}
		return usageErrorf("bisect: no readable message among the inputs")
	}
	tester, smtpT, err := newBisectTester(opts, g, &bopts)
	if err != nil {
		return err
	}
	if smtpT != nil {
		defer smtpT.Close()
	}
	unlock, err := lockBisectJournal(ctx, jpath, opts.journal == "")
	if err != nil {
		return err
	}
	defer unlock()
	j, err := openBisectJournal(g, jpath, &bopts)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "imsforensic: bisecting %d message(s); journal %s\n", len(search), jpath)
	res, err := bisect.Find(ctx, search, tester, &progressJournal{j: j, g: g, quiet: opts.out.fmt == report.JSON}, bopts)
	if errors.Is(err, guard.ErrInsideEvidence) {
		err = usageError(err)
	}
	if cerr := j.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("journal %s: %w", jpath, cerr)
	}
	if err != nil {
		return err
	}
	reportUnsent(g, smtpT)
	if err := report.WriteBisect(g.stdout, opts.out.fmt, res.Culprits, res.Untestable, res.Summary); err != nil {
		return err
	}
	err = finishScan(g, &opts.out, ms, walkErr)
	if err == nil && failed > 0 {
		return partialError(failed)
	}
	return err
}

// bisectInputs are the messages to search, in the IMS's order, and what
// the search knows beforehand: triage's rank of every suspect (not clean)
// and, over SMTP, the messages only the IMS itself can test.
func bisectInputs(ms []*model.Message, rk ranking, smtp bool) ([]*model.Message, bisect.Options) {
	var opts bisect.Options
	opts.Rank = map[string]int{}
	for _, s := range rk.res.Suspects {
		if s.Verdict != model.VerdictClean {
			opts.Rank[s.Path] = s.Rank
		}
	}
	var search []*model.Message
	for _, m := range simulate.Order(ms) {
		if m.Error != "" {
			continue
		}
		if smtp {
			if u, ok := bisect.UntestableOverSMTP(m); ok {
				opts.Untestable = append(opts.Untestable, u)
				continue
			}
		}
		search = append(search, m)
	}
	return search, opts
}

// lockBisectJournal makes the default journal's folder (only now that
// the guard has checked the journal: a state folder inside the evidence,
// XDG_STATE_HOME=TempIMS/state, must not be created there) and locks the
// journal for the run: two runs appending rounds to one journal would
// test each group twice and leave a journal no resume can read.
func lockBisectJournal(ctx context.Context, jpath string, inStateDir bool) (unlock func(), err error) {
	if inStateDir {
		if err := os.MkdirAll(filepath.Dir(jpath), 0o700); err != nil {
			return nil, fmt.Errorf("journal folder: %w", err)
		}
	}
	l, err := lock.Acquire(ctx, jpath+".lock", "the journal "+jpath, false)
	if errors.Is(err, lock.ErrLocked) {
		return nil, fmt.Errorf("bisect: %w; wait for that run to end (the same command then resumes from the journal), or give another --journal", err)
	}
	if err != nil {
		return nil, fmt.Errorf("bisect: %w", err)
	}
	return func() { l.Unlock() }, nil
}

// openBisectJournal opens the journal, reading back an existing one of an
// interrupted run for resuming (a torn last line is cut first).
func openBisectJournal(g *globals, path string, bopts *bisect.Options) (*atomicfile.JSONLWriter, error) {
	r, err := bisect.ReadJournal(path)
	if err != nil {
		return nil, err
	}
	if r != nil {
		if fi, err := os.Stat(path); err == nil && fi.Size() > r.ValidLength {
			if err := os.Truncate(path, r.ValidLength); err != nil {
				return nil, fmt.Errorf("journal %s: cut its torn last line: %w", path, err)
			}
		}
		fmt.Fprintf(g.stderr, "imsforensic: resuming from %s: %d round(s) read back, not tested again\n", path, r.Rounds)
		bopts.Resume = r
	}
	return atomicfile.OpenJSONL(path)
}

// bisectJournalPath is --journal, or a new file named by the time in the
// per-user state folder (never the current folder, which may be the
// evidence: cd TempIMS && imsforensic bisect .). It creates nothing: the
// folder is made once the guard has checked the path.
func bisectJournalPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	dir, err := replay.StateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "bisect-"+time.Now().UTC().Format("20060102T150405.000000000Z")+".jsonl"), nil
}

// reportUnsent says which messages the SMTP tester could not send.
func reportUnsent(g *globals, smtpT *bisect.SMTPTester) {
	if smtpT == nil {
		return
	}
	for _, p := range smtpT.SkippedPaths() {
		fmt.Fprintf(g.stderr, "imsforensic: %s could not be sent (no recipient or bare LF) and was left out of the search\n", model.EscapeVisible(p))
	}
}

// newBisectTester builds the tester of --target or --probe, and names it
// in bopts.Target; smtpT is the SMTP one (nil for --probe), for the caller
// to close and to ask which messages it could not send.
func newBisectTester(opts *bisectOptions, g *globals, bopts *bisect.Options) (tester bisect.Tester, smtpT *bisect.SMTPTester, err error) {
	bopts.Target = opts.target
	if opts.target == "" {
		bopts.Target = "probe: " + opts.probe
	}
	if opts.target != "" {
		smtpT, err = bisect.NewSMTPTester(opts.target, opts.timeout)
		if err != nil {
			return nil, nil, usageError(fmt.Errorf("--target: %w", err))
		}
		smtpT.Settle = opts.settle
		return smtpT, smtpT, nil
	}
	p, err := bisect.NewProbeTester(opts.probe)
	if err != nil {
		return nil, nil, usageError(err)
	}
	p.Output = g.stderr
	return p, nil, nil
}

// progressJournal journals every record and, on a terminal in table
// mode, says each round on stderr.
type progressJournal struct {
	j     *atomicfile.JSONLWriter
	g     *globals
	quiet bool
}

// Path is the journal file, for bisect.Find's check against the evidence.
func (p *progressJournal) Path() string { return p.j.Path() }

func (p *progressJournal) Append(v any) error {
	if err := p.j.Append(v); err != nil {
		return err
	}
	if st, ok := v.(model.BisectStep); ok && !p.quiet {
		report.WriteBisectRound(p.g.stderr, st)
	}
	return nil
}

// maxBisectWait bounds --timeout and --settle: each round waits that long,
// and a server that neither answers nor settles within an hour is down,
// not slow (--settle 1000000h made bisect wait 114 years per round).
const maxBisectWait = time.Hour
