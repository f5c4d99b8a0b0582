package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay"
	"github.com/imsforensic/imsforensic/replay/smtpclient"
	"github.com/imsforensic/imsforensic/report"
)

type replayOptions struct {
	sel   selectFlags
	rules ruleFlags

	to              string
	dryRun          bool
	journal         string
	queueDat        string
	queue           string
	includeSuspects bool
	undo            string
	wait            bool
	format          string
	concurrency     int
	pickupMaxBytes  int64

	// smtp:// only.
	rate           float64
	fixLineEndings bool
	transcript     string
	resendInDoubt  bool
	sendAgain      bool
	exitCodes      string
	verbose        bool

	spec replay.TargetSpec
	// transcriptOut is the opened --transcript, which runReplay closes
	// after the target.
	transcriptOut io.Writer
}

func (o *replayOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.to, "to", "", "target: imcdata:DIR, pickup:DIR, replay-dir:DIR or smtp://host:port")
	o.sel.addFlags(fs)
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan and write nothing (not even the journal)")
	fs.StringVar(&o.journal, "journal", "", "journal file (default: named from the target and the sources, in the per-user state folder: $XDG_STATE_HOME/imsforensic, ~/.local/state/imsforensic, %LOCALAPPDATA%\\imsforensic\\journals)")
	fs.BoolVar(&o.wait, "wait", false, "when another replay holds the target or the journal, wait for it to end instead of exiting")
	fs.StringVar(&o.queueDat, "queue-dat", "", "imcdata: 'rename' renames Queue.dat to Queue.old first (KB Q312443); default: refuse while it exists")
	fs.StringVar(&o.queue, "queue", "", "imcdata: IN or OUT for spool files of unknown origin queue (default: refuse them)")
	fs.BoolVar(&o.includeSuspects, "include-suspects", false, "replay crash-class suspects too, but only those selected by name (argument, --files-from, name= or path=)")
	fs.StringVar(&o.undo, "undo", "", "remove what the replay recorded in JOURNAL wrote, where still unchanged")
	fs.StringVar(&o.format, "format", "table", "output format: table or json (JSON Lines of replay records)")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "table: list every message, not only those held, refused or failed")
	fs.IntVar(&o.concurrency, "concurrency", 1, "messages written or sent at once (1 to 256)")
	fs.Int64Var(&o.pickupMaxBytes, "pickup-max-bytes", 0, "pickup: refuse files larger than this after conversion, like the IMS size limit (0: none)")
	fs.Float64Var(&o.rate, "rate", 0, "smtp: at most this many messages per second (0: no cap; else from 0.0000116, one a day, to 1000000)")
	fs.BoolVar(&o.fixLineEndings, "fix-line-endings", false, "smtp: send bare-LF messages anyway, with LF turned into CRLF (recorded in sha256_after)")
	fs.StringVar(&o.transcript, "transcript", "", "smtp: write the SMTP protocol exchange to FILE")
	fs.BoolVar(&o.sendAgain, "send-again", false, "smtp: send on purpose what other journals record as delivered to this server (they are otherwise skipped), and start this name's own journal although a journal of the same sources reached the server under another name (otherwise refused, exit 2)")
	fs.BoolVar(&o.resendInDoubt, "resend-in-doubt", false, "smtp: on a rerun, resend (same ENVID) messages whose delivery a killed run left in doubt; exactly-once only with a server that deduplicates on ENVID, like 'imsforensic sink'")
	fs.StringVar(&o.exitCodes, "exit-codes", "", "smtp: 'swaks' exits as swaks would when one message is replayed and not delivered (see below)")
	o.rules.addFlags(fs)
}

func (o *replayOptions) validate(g *globals) error {
	switch o.format {
	case "table":
	case "json":
		g.jsonErrors = true
	default:
		return usageErrorf("--format: want table or json, got %q", o.format)
	}
	// A negative rate would mean no cap, NaN an undefined gap and a rate
	// below one a day a gap that overflows: each is not what was asked.
	if o.rate != 0 && !(o.rate >= minRate && o.rate <= maxRate) {
		return usageErrorf("--rate: want 0 (no cap) or messages per second from %g (one a day) to %g, got %v", minRate, maxRate, o.rate)
	}
	if o.concurrency > maxConcurrency {
		return usageErrorf("--concurrency: want 1 to %d, got %d", maxConcurrency, o.concurrency)
	}
	if o.concurrency < 1 {
		return usageErrorf("--concurrency: want 1 or more, got %d", o.concurrency)
	}
	if o.undo != "" {
		if o.to != "" || o.dryRun {
			return usageErrorf("--undo takes only the journal: no --to or --dry-run")
		}
		return nil
	}
	if o.to == "" {
		return usageErrorf("replay: --to TARGET is required (imcdata:DIR, pickup:DIR, replay-dir:DIR or smtp://host:port)")
	}
	spec, err := replay.ParseTarget(o.to)
	if err != nil {
		return usageError(fmt.Errorf("--to: %w", err))
	}
	o.spec = spec
	if err := replay.CheckQueueDat(spec.Scheme, o.queueDat); err != nil {
		return usageError(err)
	}
	if o.queue != "" && spec.Scheme != replay.SchemeImcdata {
		return usageErrorf("--queue applies to imcdata: targets only")
	}
	if q := strings.ToUpper(o.queue); q != "" && q != "IN" && q != "OUT" {
		return usageErrorf("--queue: want IN or OUT, got %q", o.queue)
	}
	if (o.rate != 0 || o.fixLineEndings || o.transcript != "" || o.sendAgain) && spec.Scheme != replay.SchemeSMTP {
		return usageErrorf("--rate, --fix-line-endings, --transcript and --send-again apply to smtp:// targets only")
	}
	if o.exitCodes != "" && o.exitCodes != "swaks" {
		return usageErrorf("--exit-codes: the only value is 'swaks', got %q", o.exitCodes)
	}
	if o.exitCodes != "" && spec.Scheme != replay.SchemeSMTP {
		return usageErrorf("--exit-codes swaks applies to smtp:// targets only, not %s:", spec.Scheme)
	}
	if o.pickupMaxBytes != 0 && spec.Scheme != replay.SchemePickup {
		return usageErrorf("--pickup-max-bytes applies to pickup: targets only")
	}
	if err := o.rules.validate(); err != nil {
		return err
	}
	return o.sel.validate()
}

// replayHelp is replay --help.
const replayHelp = `Plans every message first, then writes or sends the planned ones, keeping an
append-only journal (JSON Lines, fsynced). Into smtp:// the plan and the sends
run as a stream: each message is planned as it is scanned, and sent with its
batch while later files are still read (same decisions, plan and send records
interleaved; --dry-run prints the whole plan first). Running the same command
again resumes: nothing is written or sent twice. The inputs are never written,
and no output may lie among them.

The journal starts with a header naming the target and the sources; entries
key on the source path and its sha256, so a file changed since is planned
again (under the collision rules). By default it lives in the per-user state
folder (%LOCALAPPDATA%\imsforensic\journals; elsewhere $XDG_STATE_HOME/imsforensic
or ~/.local/state/imsforensic), named from the target and the sources; its
path is printed on stderr and in the summary. Each run locks its target and
its journal: a second replay into the same target says which process holds
it and exits, or waits with --wait. A journal removed or truncated while the
replay runs stops it.

An smtp:// server is known by the addresses its host resolves to (once, at
the start; the run connects to those): mail.corp.example and 10.0.0.5 are
one target if the name resolves to it, and case, a trailing dot, the default
port 25, [::ffff:10.0.0.5] or an IPv6 zone change nothing. Two runs at once
into one server under two names exclude each other. A replay of the same
sources under a new name of a server an earlier journal reached is refused
(exit 2), naming that journal: resume it with --journal FILE, or send again
on purpose with --send-again. A host that does not resolve is known by its
name as written (a note says so): write it the same way in every run.

An SMTP server cannot tell a duplicate, so before it sends, a replay into
smtp:// reads the other journals that reached the same server (the state
folder's, and those beside a --journal given elsewhere), whatever their
sources: a message one of them delivered (the same source file content,
by sha256: the queue, then its IN folder; a copy of the queue; the same
files selected another way) is skipped, "already delivered to this server,
journal FILE", and counted in the summary; --dry-run shows it. A message a
killed run left in doubt there is refused as a rerun refuses its own,
unless --resend-in-doubt. Two files of the same content in one run (the
queue and a copy) are sent once. --send-again sends them all, on purpose.

Targets:
  imcdata:DIR     IMS spool files copied byte for byte into DIR\IN or DIR\OUT by
                  origin queue (IN\Archive -> IN, as KB Q230250). Refused while
                  DIR\Queue.dat exists unless --queue-dat rename (to Queue.old).
  pickup:DIR      IMS 5.5 Pickup: envelope as X-Sender/X-Receiver, lone dots
                  padded (KB Q201314, Q221384); <name>.eml.
  replay-dir:DIR  Exchange 2007+ Replay folder format; <name>.eml.
  smtp://HOST:PORT  the RFC 822 part with the envelope's MAIL FROM/RCPT TO.

Messages with a crash-class finding are held back unless selected by name
with --include-suspects. A name collision with identical content is skipped,
with different content refused. Folder targets write under a temporary
name in DIR\..\.imsforensic-tmp (imcdata: DIR\.imsforensic-tmp), then rename.
Each file written keeps its source's modification time: the IMS and the
Pickup folder take files in time order, so the queue drains in the order
it would have.

Examples:
  imsforensic replay D:\TempIMS --to imcdata:C:\Exchsrvr\Imcdata --dry-run
  imsforensic replay D:\TempIMS --to imcdata:C:\Exchsrvr\Imcdata --queue-dat rename --select 'class<crash'
  imsforensic replay D:\TempIMS\IN\3SW32JRP --include-suspects --to smtp://127.0.0.1:2525
  imsforensic replay --files-from safe.txt --to pickup:C:\Exchsrvr\Imcdata\Pickup
  imsforensic replay --undo %LOCALAPPDATA%\imsforensic\journals\replay-imcdata-Imcdata-0123456789ab.jsonl

Output: the summary, then only the rows that need attention (held, refused,
failed); --verbose lists every row. Exit 5 when a message was refused or
failed: fix what its reason says and run the same command again.

--exit-codes swaks: when one message is replayed to smtp:// and not
delivered, exit with the code swaks uses for the phase that failed, so
scripts written around swaks keep working: 2 connect, 6 connection closed
(the emulated store died), 22 HELO, 23 MAIL, 24 no RCPT accepted, 26
refused after DATA, 28 AUTH, 29 TLS. Without it the table below applies.`

func newReplayCommand() *command {
	opts := &replayOptions{}
	fs := newFlagSet("replay")
	opts.addFlags(fs)
	return &command{
		name:  "replay",
		usage: "replay [flags] PATH... --to TARGET",
		short: "put selected messages back: into Imcdata IN/OUT, Pickup, a Replay folder or an SMTP server",
		long:  replayHelp,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runReplay(ctx, opts, g, args)
		},
	}
}

func runReplay(ctx context.Context, opts *replayOptions, g *globals, args []string) error {
	out, flush := report.ReplayOutput(g.stdout, report.Format(opts.format), opts.verbose)
	if opts.undo != "" {
		return runUndo(ctx, opts, g, args, out, flush)
	}

	paths, err := opts.sel.paths(g, args)
	if err == nil && len(paths) == 0 {
		err = usageErrorf("replay: no PATH given")
	}
	if err != nil {
		return err
	}
	opts.sel.printExplain(g)

	// Outputs among the evidence are refused (package guard): replay.Run
	// checks the target and the journal itself; the transcript is checked
	// here, before it is opened.
	if err := refuseInsideEvidence(paths, "--transcript", opts.transcript); err != nil {
		return err
	}
	closeTranscript, err := openTranscript(opts)
	if err != nil {
		return err
	}
	defer closeTranscript() // after the target's Close, which writes its QUITs
	target, err := newReplayTarget(opts, g)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := dryRunTargetExists(opts); err != nil {
		return err
	}
	replayJournal(g, target)
	// A replay is a scan and its sends: the scan's collector setting, for
	// the same reason (a streamed replay's live heap is the batches in
	// flight; GC was 9% of replay's CPU at the default).
	setScanGCPercent()
	in := &replayInputs{opts: opts, paths: paths, now: time.Now()}
	ropts, prog := replayRunOptions(opts, g, paths)
	watched, sent := watchSend(out)
	// A streamed run scans while it sends: only the replay's bar is drawn,
	// and the sends take the files' bytes from the scan.
	in.streamed = replay.Streams(target, ropts)
	sum, err := replay.RunEach(ctx, in.stream(ctx, g, ropts.Progress != nil && in.streamed), target, ropts, watched)
	if prog != nil {
		prog.done()
	}
	if in.n == 0 && in.walkErr != nil && errors.Is(err, in.walkErr) && ctx.Err() == nil {
		// Nothing could be read: no target reached, no empty summary.
		return partialError(printWalkErrors(g, in.walkErr))
	}
	return replayExit(ctx, g, opts, in.n, sum, err, in.walkErr, sent, flush)
}

// runUndo is replay --undo JOURNAL.
func runUndo(ctx context.Context, opts *replayOptions, g *globals, args []string, out func(model.ReplayRecord), flush func() error) error {
	if len(args) > 0 {
		return usageErrorf("--undo takes no PATH")
	}
	sum, err := replay.Undo(ctx, opts.undo, out)
	if errors.Is(err, replay.ErrNotJournal) {
		return usageError(fmt.Errorf("--undo: %w", err))
	}
	return finishReplay(g, opts, sum, err, flush)
}

// openTranscript opens --transcript for the SMTP target
// (opts.transcriptOut) and returns what closes it.
func openTranscript(opts *replayOptions) (func(), error) {
	if opts.transcript == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(opts.transcript, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--transcript: %w", err)
	}
	opts.transcriptOut = f
	return func() { f.Close() }, nil
}

// replayExit prints the output of a run and decides its exit: a usage
// error for an output among the evidence, swaks's code for one message
// sent with --exit-codes swaks, 4 when an input could not be read, else
// finishReplay's.
func replayExit(ctx context.Context, g *globals, opts *replayOptions, n int, sum model.ReplaySummary, err, walkErr error, sent *model.ReplayRecord, flush func() error) error {
	if errors.Is(err, guard.ErrInsideEvidence) {
		return usageError(fmt.Errorf("--to: %w", err))
	}
	if errors.Is(err, replay.ErrNotJournal) {
		return usageError(fmt.Errorf("--journal: %w", err))
	}
	if errors.Is(err, replay.ErrOtherSpelling) {
		return usageError(fmt.Errorf("--to: %w", err))
	}
	if n == 1 && opts.exitCodes == "swaks" {
		if serr := swaksOutcome(ctx, g, opts, sum, err, sent, flush); serr != nil {
			return serr
		}
	}
	err = connectHint(opts, err)
	unread := 0
	if err == nil && walkErr != nil {
		unread = printWalkErrors(g, walkErr)
	}
	if ferr := finishReplay(g, opts, sum, err, flush); ferr != nil || unread == 0 {
		return ferr
	}
	return partialError(unread)
}

// dryRunTargetExists: a dry run prepares nothing, so a target folder
// that does not exist (a typo) would show only as every message failing
// to plan, with exit 0. It is said once, as the run itself says it (exit
// 1): the tool never creates an Imcdata, Pickup or Replay folder.
func dryRunTargetExists(opts *replayOptions) error {
	if !opts.dryRun || opts.spec.Scheme == replay.SchemeSMTP {
		return nil
	}
	st, err := os.Stat(opts.spec.Path)
	if err != nil {
		return fmt.Errorf("replay to %s: target folder: %w", opts.to, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("replay to %s: target %s is not a folder", opts.to, opts.spec.Path)
	}
	return nil
}

// noteUnresolved says on stderr when an smtp:// target's host did not
// resolve: the run still goes, by the name, but its lock and journal do
// not know the server under another name.
func noteUnresolved(g *globals, target replay.Target) {
	if st, ok := target.(*replay.SMTPTarget); ok {
		if _, err := st.Addresses(); err != nil {
			fmt.Fprintf(g.stderr, "note: %v\n", err)
		}
	}
}

// replayJournal says on stderr, before the run, what it cannot say
// later: that an smtp:// host did not resolve. The journal's path is said
// by the run itself once it has opened it (replay.Options.JournalOpened),
// so a run refused before that names no journal it never wrote.
func replayJournal(g *globals, target replay.Target) {
	noteUnresolved(g, target)
}

// replayInputs are the messages to replay: the inputs scanned (in
// parallel, in walk order) and those --select keeps, as a stream for
// replay.RunEach, which plans and sends them as they come to an SMTP
// target and sorts them by path first for the others.
type replayInputs struct {
	opts  *replayOptions
	paths []string
	now   time.Time
	// n counts the messages given to the replay; walkErr is an input that
	// could not be read (the rest are still replayed).
	n       int
	walkErr error
	// streamed: replay.RunEach sends as the scan goes, so each file's
	// bytes are kept for its send (replay.KeepBytes).
	streamed bool
}

// stream is the replay.Messages of the inputs. A walk error ends the
// stream only when nothing was read (RunEach then touches nothing);
// after a message it is kept for the exit code. quiet: the scan draws no
// progress of its own.
func (in *replayInputs) stream(ctx context.Context, g *globals, quiet bool) replay.Messages {
	return func(yield func(*model.Message) error) error {
		gs := g
		if quiet {
			gq := *g
			gq.stderrTTY = false
			gs = &gq
		}
		var tune func(*inventory.Options)
		if in.streamed {
			tune = func(o *inventory.Options) { o.KeepBytes = replay.KeepBytes }
		}
		var yerr error
		err := scanInputsTuned(ctx, gs, in.paths, nil, &in.opts.rules, in.opts.format == "json", tune, func(m *model.Message) error {
			if !in.opts.sel.keeps(m, in.now) {
				return nil
			}
			in.n++
			yerr = yield(m)
			return yerr
		})
		switch {
		case err == nil || yerr != nil:
			return err
		case ctx.Err() != nil:
			return err
		}
		in.walkErr = err
		if in.n == 0 {
			return err
		}
		return nil
	}
}

// replayRunOptions maps the flags onto replay.Options, with a progress
// bar on a terminal (nil otherwise).
func replayRunOptions(opts *replayOptions, g *globals, paths []string) (replay.Options, *progress) {
	ropts := replay.Options{
		DryRun:          opts.dryRun,
		JournalPath:     opts.journal,
		SendAgain:       opts.sendAgain,
		Sources:         paths,
		IncludeSuspects: opts.includeSuspects,
		Named:           opts.sel.names(),
		QueueDat:        opts.queueDat,
		Concurrency:     opts.concurrency,
		Wait:            opts.wait,
		Version:         version,
		JournalOpened: func(path string) {
			fmt.Fprintf(g.stderr, "journal: %s\n", model.EscapeVisible(path))
		},
	}
	var prog *progress
	if g.stderrTTY && opts.format != "json" {
		prog = newProgress(g.stderr, "replaying", false)
		ropts.Progress = prog.update
	}
	return ropts, prog
}

// watchSend wraps the record sink to remember the last delivery, so that
// when one message is sent the exit code can say where it failed, as
// swaks's does.
func watchSend(out func(model.ReplayRecord)) (func(model.ReplayRecord), *model.ReplayRecord) {
	sent := new(model.ReplayRecord)
	return func(r model.ReplayRecord) {
		if r.Action == model.ActionSend && r.Result != "" && r.Result != model.ResultPlanned {
			*sent = r
		}
		out(r)
	}, sent
}

// swaksOutcome gives one message replayed over SMTP the exit code swaks
// would (see swaksExitCode), printing the output first; nil when the
// general replay exit code applies.
func swaksOutcome(ctx context.Context, g *globals, opts *replayOptions, sum model.ReplaySummary, err error, sent *model.ReplayRecord, flush func() error) error {
	var netErr *net.OpError
	if err != nil && errors.As(err, &netErr) {
		return &exitErr{code: 2, err: connectHint(opts, err), swaks: true} // swaks: error connecting to remote server
	}
	var setupErr *smtpclient.Error
	if err != nil && errors.As(err, &setupErr) {
		// The connection's set-up failed (a refused AUTH, TLS): swaks's code
		// for that phase.
		if code := swaksExitCode(model.ReplayRecord{Phase: setupErr.Phase}); code != 0 {
			return &exitErr{code: code, err: err, swaks: true}
		}
	}
	if err != nil || sent.Result == "" || sent.Result == model.ResultOK {
		return nil
	}
	code := swaksExitCode(*sent)
	if code == 0 {
		return nil
	}
	if ferr := finishReplay(g, opts, sum, nil, flush); ferr != nil && exitCode(ctx, ferr) != exitRefused {
		return ferr
	}
	return &exitErr{code: code, err: fmt.Errorf("replay: %s not delivered: %s", filepath.Base(sent.Path), sent.Reason), swaks: true}
}

// newReplayTarget builds the target of --to.
func newReplayTarget(opts *replayOptions, g *globals) (replay.Target, error) {
	p := opts.spec.Path
	switch opts.spec.Scheme {
	case replay.SchemeImcdata:
		return replay.NewImcdataTarget(p, replay.ImcdataOptions{DefaultQueue: opts.queue})
	case replay.SchemePickup:
		return replay.NewPickupTarget(p, replay.PickupOptions{MaxBytes: opts.pickupMaxBytes})
	case replay.SchemeReplayDir:
		return replay.NewReplayDirTarget(p)
	case replay.SchemeSMTP:
		so := replay.SMTPOptions{Concurrency: opts.concurrency, Rate: opts.rate, FixLineEndings: opts.fixLineEndings, ResendInDoubt: opts.resendInDoubt,
			Transcript: opts.transcriptOut, Resolver: g.resolver}
		t, err := replay.NewSMTPTarget(p, so)
		if err != nil {
			return nil, usageError(err)
		}
		return t, nil
	}
	return nil, usageErrorf("unknown target %q", opts.to)
}

// connectHint says what to do when the SMTP server could not be reached
// (exit 1, a runtime error: the command line was right).
func connectHint(opts *replayOptions, err error) error {
	var netErr *net.OpError
	if err == nil || !errors.As(err, &netErr) || netErr.Op != "dial" {
		return err
	}
	addr := strings.TrimPrefix(opts.spec.Path, "smtp://")
	return fmt.Errorf("cannot connect to %s (%v); check that the server listens there (a lab sink: imsforensic sink --listen %s): %w", opts.to, netErr.Err, addr, err)
}

// finishReplay prints the output and maps the outcome to the exit code:
// 0 when everything selected was done (held suspects and skipped
// duplicates included) and for a --dry-run whose plan could be made, 5
// when some message was refused or failed (in a dry run: could not be
// planned), 1 on a runtime error.
func finishReplay(g *globals, opts *replayOptions, sum model.ReplaySummary, err error, flush func() error) error {
	if err != nil && sum.Empty() {
		// Nothing was planned: a precondition failed (Queue.dat present,
		// bad journal). The error says it; an empty table would mislead.
		return err
	}
	if ferr := flush(); ferr != nil && err == nil {
		err = ferr
	}
	if opts.format != "json" {
		fmt.Fprintln(g.stdout)
		report.WriteReplaySummary(g.stdout, sum)
	}
	if err != nil {
		return err
	}
	if sum.Incomplete() && !opts.dryRun {
		return refusedError(sum.Refused, sum.Failed)
	}
	if opts.dryRun && sum.Failed > 0 {
		// A refusal is part of a plan; a message that could not be
		// planned means the plan could not be made.
		return &exitErr{code: exitRefused, err: fmt.Errorf("dry run: %s could not be planned (listed above with the reason); fix that and run it again", plural(sum.Failed, "message", "messages"))}
	}
	return nil
}

// swaksExitCode maps the phase where a single SMTP replay failed to the
// exit codes of swaks (its EXIT CODES section), so scripts written around
// swaks keep working: 2 connect, 6 connection closed, 22 HELO, 23 MAIL,
// 24 no RCPT accepted, 26 message refused after DATA, 28 AUTH, 29 TLS.
// A message that was not sent at all (refused before connecting) gives 0:
// the general replay exit code (4) applies.
func swaksExitCode(r model.ReplayRecord) int {
	if r.Result == model.ResultRefused {
		return 0
	}
	switch r.Phase {
	case model.PhaseConnect:
		return 2
	case model.PhaseHelo:
		return 22
	case model.PhaseTLS:
		return 29
	case model.PhaseAuth:
		return 28
	case model.PhaseMail:
		return 23
	case model.PhaseRcpt:
		return 24
	case model.PhaseData:
		if r.ConnectionLost {
			return 6
		}
		return 26
	}
	return 0
}

// The bounds of replay's numbers: --rate between one message a day and a
// million a second; --concurrency up to 256 connections or writers (each
// is a goroutine with a connection or a file open, and a 5.5 server took
// a few dozen).
const (
	minRate        = 1.0 / 86400
	maxRate        = 1e6
	maxConcurrency = 256
)
