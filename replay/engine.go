package replay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// Options tune Run.
type Options struct {
	// DryRun plans and reports without writing anything, the journal
	// included (an existing journal is read, so resumed messages show as
	// already written).
	DryRun bool
	// JournalPath is the journal; "" means DefaultJournalPath(target,
	// Sources), in the per-user state folder.
	JournalPath string
	// Sources are the files and folders the messages were read from, as
	// the caller named them (arguments and --files-from). No output (the
	// target's folders, the journal) may lie among them (package guard);
	// those that are files count as selected by name. Empty: each
	// message's file and the folder of its queue are protected.
	Sources []string
	// IncludeSuspects releases crash-class suspects from hold-back, but
	// only those selected by name: a file among Sources, or in Named.
	IncludeSuspects bool
	// Named are more file names or paths the user selected by name
	// (--select name= and path= terms).
	Named []string
	// QueueDat is "" (refuse while Queue.dat exists) or QueueDatRename
	// (rename it to Queue.old first, KB Q312443). Only imcdata: targets
	// take it (CheckQueueDat).
	QueueDat string
	// Concurrency is the number of messages delivered at once. 0 = the
	// default, 1.
	Concurrency int
	// Progress, when set, is called after each delivery (not concurrently).
	Progress func(done, total int)
	// JournalOpened, when set, is called with the journal's path once
	// the run holds its locks and has opened the journal, before the
	// first delivery. A dry run, or a run refused before it wrote
	// anything (a lock held, another name of the server), never calls
	// it: a path said before that would name a journal never written.
	JournalOpened func(path string)
	// Wait makes a run whose target or journal another run holds wait for
	// it to end, instead of failing with lock.ErrLocked (which names the
	// holder).
	Wait bool
	// SendAgain sends, into an smtp:// target, what other journals of
	// the same server record as delivered or in doubt (crossjournal.go;
	// without it those are skipped or refused), and starts the default
	// journal even when a journal of the same Sources reached the server
	// under another name (ErrOtherSpelling). Every such message is sent
	// again, on purpose.
	SendAgain bool
	// Version is the tool version recorded in a new journal's header; ""
	// means the module version.
	Version string
	// Now is the clock for record times; nil means time.Now.
	Now func() time.Time
}

// ErrJournalTarget is returned when a journal belongs to another target.
var ErrJournalTarget = errors.New("replay: journal belongs to another target")

// recoverer is implemented by targets that can tell, after a crash, what
// became of a delivery that was begun but never recorded as done.
type recoverer interface {
	// recover returns the done record when the delivery is complete (or
	// must not be retried), or ok=false when the item should be delivered
	// again. It may remove this package's temporary leftovers.
	recover(ctx context.Context, it *Item, begin model.ReplayRecord) (rec model.ReplayRecord, done bool, err error)
}

// queueDatAware targets take the --queue-dat policy.
type queueDatAware interface{ setQueueDat(policy string) }

// prepareRecorder targets report what Prepare changed (the Queue.dat
// rename), to be journaled.
type prepareRecorder interface{ prepareRecords() []model.ReplayRecord }

type runner struct {
	target Target
	name   string // target.String(), which every record carries
	opts   Options
	// defaultJournal: Options.JournalPath was empty, the journal is
	// DefaultJournalPath's.
	defaultJournal bool
	out            func(model.ReplayRecord)
	outMu          sync.Mutex
	jw             *atomicfile.JSONLWriter
	watch          *journalWatch // nil in a dry run
	js             *journalState // the journal as start read it
	// others: what the other journals of an smtp:// target's server
	// delivered or left in doubt (crossjournal.go); nil for folder
	// targets and with SendAgain.
	others *otherJournals
	sum    model.ReplaySummary
	sumMu  sync.Mutex

	planMu  sync.Mutex // guards planBuf and planN
	planBuf []byte     // plan lines not yet written (emitPlan)
	planN   int
}

// Run replays msgs to target: plan every message, journal and report each
// plan line, then (unless DryRun) deliver the planned ones. out receives
// every plan record and every done record, from one goroutine at a time.
// The Summary is valid even when err != nil. Run never writes to a
// message's source file. RunEach is Run for a stream of messages.
func Run(ctx context.Context, msgs []*model.Message, target Target, opts Options, out func(model.ReplayRecord)) (model.ReplaySummary, error) {
	r, err := newRunner(target, opts, out)
	if err != nil {
		return r.sum, err
	}
	end, err := r.start(ctx, evidenceOf(msgs, r.opts.Sources))
	if err != nil {
		return r.sum, err
	}
	defer end()
	todo, err := r.plan(ctx, msgs)
	if err != nil || opts.DryRun {
		return r.sum, err
	}
	if err := r.deliver(ctx, todo); err != nil {
		return r.sum, err
	}
	return r.sum, r.watch.check()
}

// newRunner takes Options' defaults and the journal's default path.
func newRunner(target Target, opts Options, out func(model.ReplayRecord)) (*runner, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if out == nil {
		out = func(model.ReplayRecord) {}
	}
	r := &runner{target: target, name: target.String(), opts: opts, out: out}
	if opts.JournalPath == "" {
		p, err := DefaultJournalPath(target, opts.Sources)
		if err != nil {
			return r, err
		}
		r.opts.JournalPath = p
		r.defaultJournal = true
	}
	return r, nil
}

// start checks the preconditions (--queue-dat, no output among the
// evidence in), takes the locks, reads the journal and, unless this is a
// dry run, prepares the target and opens the journal (its header, the
// target's preparation records). end releases what start took.
func (r *runner) start(ctx context.Context, in *guard.Inputs) (end func(), err error) {
	target, opts := r.target, r.opts
	var undo []func()
	end = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			end()
		}
	}()
	if qa, ok := target.(queueDatAware); ok {
		qa.setQueueDat(opts.QueueDat)
	} else if opts.QueueDat != "" {
		return end, CheckQueueDat("", opts.QueueDat)
	}
	if err := CheckQueueDat(SchemeImcdata, opts.QueueDat); err != nil {
		return end, err
	}
	if err := checkOutputs(in, target, opts.JournalPath); err != nil {
		return end, err
	}
	r.opts.Named = selectedByName(opts.Sources, opts.Named)
	r.sum.Journal = opts.JournalPath

	if !opts.DryRun {
		// The target, then the journal: every run takes them in this
		// order, so two waiting runs cannot deadlock.
		unlock, err := lockRun(ctx, target, opts.JournalPath, opts.Wait)
		if err != nil {
			return end, err
		}
		undo = append(undo, unlock)
		if ct, ok := target.(interface{ closeTemp() error }); ok {
			// The temporary folder is removed (when empty) before the
			// locks are released, never by Close: a run the locks
			// refused, or one waiting for them, would remove the folder
			// another run is writing through between two of its files.
			undo = append(undo, func() { ct.closeTemp() })
		}
	}
	js, err := readJournal(opts.JournalPath, !opts.DryRun)
	if err != nil {
		return end, err
	}
	r.js = js
	if r.defaultJournal && !opts.SendAgain && js.header == nil && len(js.records) == 0 {
		if err := checkOtherSpellings(target, opts.Sources, opts.JournalPath); err != nil {
			return end, err
		}
	}
	if js.target != "" && !sameTarget(js, target) {
		return end, fmt.Errorf("%w: %s records a replay to %s, not %s (use another --journal)", ErrJournalTarget, opts.JournalPath, js.target, r.name)
	}
	if st, ok := target.(*SMTPTarget); ok && !opts.SendAgain {
		// Read under the server's locks (taken above): a run of other
		// sources into this server has ended, and its journal says
		// all it ever will.
		if r.others, err = readOtherJournals(st, opts.JournalPath); err != nil {
			return end, err
		}
		// This journal too: a file of the same content as one it
		// delivered under another path (a copy among the sources) is
		// the same message.
		r.others.take(js, opts.JournalPath)
	}
	if opts.DryRun {
		if len(js.records) == 0 && js.header == nil {
			r.sum.Journal = ""
		}
		return end, nil
	}
	if err := target.Prepare(ctx); err != nil {
		return end, fmt.Errorf("replay to %s: %w", target, err)
	}
	if err := os.MkdirAll(filepath.Dir(opts.JournalPath), 0o700); err != nil {
		return end, fmt.Errorf("replay: journal folder: %w", err)
	}
	if r.jw, err = atomicfile.OpenJSONL(opts.JournalPath); err != nil {
		return end, err
	}
	undo = append(undo, func() { r.jw.Close() })
	if r.watch, err = newJournalWatch(opts.JournalPath); err != nil {
		return end, err
	}
	if opts.JournalOpened != nil {
		opts.JournalOpened(opts.JournalPath)
	}
	if js.header == nil && len(js.records) == 0 {
		if err := r.writeHeader(); err != nil {
			return end, err
		}
	}
	if pr, ok := target.(prepareRecorder); ok {
		for _, rec := range pr.prepareRecords() {
			if err := r.emit(r.fill(rec, "")); err != nil {
				return end, err
			}
		}
	}
	return end, nil
}

// lockRun takes the target's locks and the journal's for the whole run
// (package internal/lock) and returns what releases them.
func lockRun(ctx context.Context, target Target, journal string, wait bool) (func(), error) {
	var held []*lock.Lock
	release := func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i].Unlock()
		}
	}
	for _, tl := range targetLocks(target) {
		l, err := lock.Acquire(ctx, tl.path, tl.what, wait)
		if err != nil {
			release()
			return nil, lockedHint("replay", err, "wait for it to end, or give --wait")
		}
		held = append(held, l)
	}
	if err := checkJournal(journal); err != nil {
		release()
		return nil, err
	}
	jl, err := lock.Acquire(ctx, journal+".lock", "the journal "+journal, wait)
	if err != nil {
		release()
		return nil, lockedHint("replay", err, "wait for it to end, or give --wait")
	}
	held = append(held, jl)
	return release, nil
}

// lockedHint wraps a lock error with context, and with what the user can
// do about it when another run holds the lock.
func lockedHint(context string, err error, hint string) error {
	if errors.Is(err, lock.ErrLocked) {
		return fmt.Errorf("%s: %w; %s", context, err, hint)
	}
	return fmt.Errorf("%s: %w", context, err)
}

// writeHeader starts a new journal with its header record.
func (r *runner) writeHeader() error {
	srcs := make([]string, len(r.opts.Sources))
	for i, s := range r.opts.Sources {
		srcs[i] = absPath(s)
	}
	v := r.opts.Version
	if v == "" {
		v = moduleVersion()
	}
	h := model.JournalHeader{Type: model.TypeJournal, Schema: model.SchemaVersion, Target: r.target.String(), Sources: srcs, Version: v, Time: r.opts.Now().UTC()}
	if st, ok := r.target.(*SMTPTarget); ok {
		// The server this journal reached, by address: a later replay
		// of the same sources naming it another way finds this journal.
		h.Addresses = st.identity().addrPorts()
	}
	if err := r.jw.Append(h); err != nil {
		return fmt.Errorf("replay: journal: %w", err)
	}
	return r.watch.check()
}

// moduleVersion is the version of the module the program was built from.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}

// fill sets the fields every record carries.
func (r *runner) fill(rec model.ReplayRecord, path string) model.ReplayRecord {
	rec.Type = model.TypeReplay
	rec.Schema = model.SchemaVersion
	if rec.Path == "" {
		rec.Path = path
	}
	if rec.Target == "" {
		rec.Target = r.name
	}
	if rec.Time.IsZero() {
		rec.Time = r.opts.Now().UTC()
	}
	return rec
}

// emit journals a record (fsynced) and reports it.
func (r *runner) emit(rec model.ReplayRecord) error {
	if err := r.journal(rec); err != nil {
		return err
	}
	r.report(rec)
	return nil
}

// emitPlan journals a plan line without its own fsync: plan lines are
// gathered and written together (flushPlan) before the next begin record
// or other journal line, and made durable by the fsync that covers that
// begin (a torn one after a crash goes to .broken like any other). With
// 100,000 spool files this saves 100,000 fsyncs and as many writes; begin
// and done records are each synced.
func (r *runner) emitPlan(rec model.ReplayRecord) error {
	if r.jw != nil {
		r.planMu.Lock()
		b, err := rec.AppendJSON(r.planBuf)
		if err != nil {
			r.planMu.Unlock()
			return fmt.Errorf("replay: journal: encode record for %s: %w", rec.Path, err)
		}
		r.planBuf = append(b, '\n')
		r.planN++
		full := len(r.planBuf) >= planBufSize
		r.planMu.Unlock()
		if full {
			if err := r.flushPlan(); err != nil {
				return err
			}
		}
	}
	r.report(rec)
	return nil
}

// planBufSize is how many bytes of plan lines wait for one write.
const planBufSize = 64 << 10

// flushPlan writes the plan lines gathered by emitPlan, in one write. A
// planned message's plan line is gathered before the message is handed
// to a sender, and every begin record is written after a flushPlan, so
// the journal has each plan line before its message's begin.
func (r *runner) flushPlan() error {
	if r.jw == nil {
		return nil
	}
	r.planMu.Lock()
	defer r.planMu.Unlock()
	if r.planN == 0 {
		return nil
	}
	if err := r.watch.check(); err != nil {
		return err
	}
	if err := r.jw.AppendLines(r.planBuf, r.planN); err != nil {
		return fmt.Errorf("replay: journal: %w", err)
	}
	r.planBuf, r.planN = r.planBuf[:0], 0
	return nil
}

func (r *runner) report(rec model.ReplayRecord) {
	r.outMu.Lock()
	r.out(rec)
	r.outMu.Unlock()
}

func (r *runner) journal(rec model.ReplayRecord) error {
	if r.jw == nil {
		return nil
	}
	if err := r.flushPlan(); err != nil {
		return err
	}
	if err := r.watch.check(); err != nil {
		return err
	}
	if err := r.jw.Append(rec); err != nil {
		return fmt.Errorf("replay: journal: %w", err)
	}
	return nil
}

func (r *runner) note(outcome model.ReplayOutcome, reason string) {
	r.sumMu.Lock()
	r.sum.Note(outcome, reason)
	r.sumMu.Unlock()
}

type planned struct {
	it  *Item
	dec Decision
}

// plan decides every message, journals and reports each decision, and
// returns the writes and sends to do.
func (r *runner) plan(ctx context.Context, msgs []*model.Message) ([]planned, error) {
	var todo []planned
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := r.planOne(ctx, m)
		if err != nil {
			return nil, err
		}
		if p != nil {
			todo = append(todo, *p)
		}
	}
	if err := r.flushPlan(); err != nil {
		return nil, err
	}
	if r.jw != nil {
		if err := r.jw.Sync(); err != nil {
			return nil, fmt.Errorf("replay: journal: %w", err)
		}
	}
	return todo, nil
}

// planOne decides one message, journals and reports the decision, and
// returns the write or send to do, or nil. The hold-back (HoldBack) and
// the target's Plan see the message alone, so a message is decided the
// same whether the list is planned whole or as a stream.
func (r *runner) planOne(ctx context.Context, m0 *model.Message) (*planned, error) {
	js := r.js
	m, err := withSource(m0)
	if err != nil {
		r.note(model.OutcomeFailed, "source unreadable")
		return nil, r.emitPlan(r.fill(model.ReplayRecord{Action: model.ActionRefuse, Result: model.ResultFailed, Reason: err.Error(), SHA256Before: m0.SHA256}, absPath(m0.Path)))
	}
	it := &Item{Msg: m}
	base := model.ReplayRecord{Path: m.Path, MboxOrdinal: m.MboxOrdinal, SHA256Before: m.SHA256}
	key := entryKey(m.Path, m.SHA256)

	switch js.state[key] {
	case stateWritten:
		rec := base
		rec.Action, rec.Result, rec.Reason = model.ActionSkip, model.ResultSkipped, "already written (journal)"
		r.note(model.OutcomeSkipped, rec.Reason)
		return nil, r.emitPlan(r.fill(rec, ""))
	case stateRefused:
		rec := base
		prev := js.refused[key]
		rec.Action, rec.Result, rec.Dest = model.ActionRefuse, model.ResultRefused, prev.Dest
		rec.Reason = "refused in an earlier run of this journal: " + prev.Reason
		r.note(model.OutcomeRefused, "refused in an earlier run of this journal")
		return nil, r.emitPlan(r.fill(rec, ""))
	case stateBegun:
		if !r.opts.DryRun {
			done, handled, err := r.recover(ctx, it, js.begins[key])
			if err != nil {
				return nil, err
			}
			if handled {
				r.noteDone(done)
				done.MboxOrdinal = m.MboxOrdinal
				return nil, r.emit(r.fill(done, m.Path))
			}
		}
	}

	resent := ""
	switch st, journal := r.others.lookup(m.SHA256); st {
	case stateWritten:
		rec := base
		rec.Action, rec.Result = model.ActionSkip, model.ResultSkipped
		rec.Reason = "already delivered to this server, journal " + journal + " (--send-again sends it again)"
		why := reasonDeliveredElsewhere
		if journal == r.opts.JournalPath {
			rec.Reason = "already delivered to this server from a file of the same content, this journal " + journal + " (--send-again sends it again)"
			why = reasonSameInRun
		}
		r.note(model.OutcomeSkipped, why)
		return nil, r.emitPlan(r.fill(rec, ""))
	case stateBegun:
		// In doubt in another journal: what this run does with its own
		// in-doubt messages (SMTPTarget.recover), refused unless
		// --resend-in-doubt, which resends with the same ENVID.
		if st, ok := r.target.(*SMTPTarget); !ok || !st.opts.ResendInDoubt {
			rec := base
			rec.Action, rec.Result = model.ActionRefuse, model.ResultRefused
			rec.Reason = "in doubt in journal " + journal + " (" + inDoubtReason + "): not sent, to avoid a duplicate; check the server, or rerun with --resend-in-doubt against a server that deduplicates on ENVID (the imsforensic sink), or --send-again"
			r.note(model.OutcomeRefused, reasonInDoubtElsewhere)
			return nil, r.emitPlan(r.fill(rec, ""))
		}
		resent = "in doubt in journal " + journal + ": sent again (--resend-in-doubt, same ENVID)"
	}

	if rule, held := HoldBack(m, r.opts); held {
		rec := base
		rec.Action, rec.Result, rec.Reason = model.ActionHold, model.ResultHeld, holdReason(rule)
		r.note(model.OutcomeHeld, "crash-class finding "+rule)
		return nil, r.emitPlan(r.fill(rec, ""))
	}

	dec, err := r.target.Plan(ctx, it)
	rec := base
	rec.Dest = dec.Dest
	rec.Reason = dec.Reason
	var p *planned
	switch {
	case err != nil:
		rec.Action, rec.Result, rec.Reason = model.ActionRefuse, model.ResultFailed, err.Error()
		r.note(model.OutcomeFailed, "plan: "+err.Error())
	case dec.Action == model.ActionWrite || dec.Action == model.ActionSend:
		rec.Action, rec.Result = model.ActionPlan, model.ResultPlanned
		if prev := r.others.claim(m.SHA256, m.Path); prev != "" {
			rec.Action, rec.Result, rec.Reason = model.ActionSkip, model.ResultSkipped, "same content as "+prev+", sent by this run (--send-again sends both)"
			r.note(model.OutcomeSkipped, reasonSameInRun)
			break
		}
		if resent != "" {
			rec.Reason = strings.TrimPrefix(rec.Reason+"; "+resent, "; ")
		}
		r.note(model.OutcomePlanned, "")
		p = &planned{it: it, dec: dec}
	case dec.Action == model.ActionSkip:
		rec.Action, rec.Result = model.ActionSkip, model.ResultSkipped
		r.note(model.OutcomeSkipped, dec.Reason)
	default:
		rec.Action, rec.Result = model.ActionRefuse, model.ResultRefused
		r.note(model.OutcomeRefused, dec.Reason)
	}
	if err := r.emitPlan(r.fill(rec, "")); err != nil {
		return nil, err
	}
	return p, nil
}

// recover asks a folder target what became of an interrupted delivery.
// Targets that cannot tell (SMTP: the server may have accepted it) get a
// refusal, so nothing is ever sent twice.
func (r *runner) recover(ctx context.Context, it *Item, begin model.ReplayRecord) (model.ReplayRecord, bool, error) {
	rc, ok := r.target.(recoverer)
	if !ok {
		return model.ReplayRecord{
			Action: begin.Action, Dest: begin.Dest, SHA256Before: it.Msg.SHA256, Result: model.ResultRefused,
			Reason: inDoubtReason + ", not retried to avoid a duplicate: check the server, then replay it with a new journal",
		}, true, nil
	}
	return rc.recover(ctx, it, begin)
}

func (r *runner) noteDone(rec model.ReplayRecord) {
	switch rec.Result {
	case model.ResultOK:
		r.note(model.OutcomeWritten, "")
	case model.ResultSkipped:
		r.note(model.OutcomeSkipped, rec.Reason)
	case model.ResultRefused:
		r.note(model.OutcomeRefused, rec.Reason)
	default:
		r.note(model.OutcomeFailed, rec.Reason)
	}
}

// namedIn reports whether m's name or path is among names, compared
// case-insensitively as on NTFS.
func namedIn(m *model.Message, names []string) bool {
	p := sourceKey(m.Path)
	for _, n := range names {
		if strings.EqualFold(n, m.Name) || strings.EqualFold(sourceKey(n), p) {
			return true
		}
	}
	return false
}

// deliver runs the planned deliveries on Concurrency workers.
func (r *runner) deliver(ctx context.Context, todo []planned) error {
	d := r.startDelivery(ctx, 0, func() int { return len(todo) })
	for _, p := range todo {
		if d.feed(ctx, p) != nil {
			break
		}
	}
	return d.finish(ctx)
}

// deliverOne journals the intent, delivers, and journals the result. Only a
// journal failure is returned as an error: a failed delivery is a record.
func (r *runner) deliverOne(ctx context.Context, p planned) error {
	m := p.it.Msg
	begin := r.fill(model.ReplayRecord{Action: p.dec.Action, Dest: p.dec.Dest, SHA256Before: m.SHA256, Result: model.ResultBegin, MboxOrdinal: m.MboxOrdinal}, m.Path)
	if err := r.journal(begin); err != nil {
		return err
	}
	rec, err := r.target.Deliver(ctx, p.it)
	rec = r.settle(p, rec, err)
	r.noteDone(rec)
	return r.emit(rec)
}

// settle completes a target's done record (result on error, action,
// destination, hashes, time).
func (r *runner) settle(p planned, rec model.ReplayRecord, err error) model.ReplayRecord {
	m := p.it.Msg
	if err != nil && rec.Result == "" || rec.Result == model.ResultOK && err != nil {
		rec.Result = model.ResultFailed
	}
	if err != nil && rec.Reason == "" {
		rec.Reason = err.Error()
	}
	if rec.Action == "" {
		rec.Action = p.dec.Action
	}
	if rec.Dest == "" {
		rec.Dest = p.dec.Dest
	}
	if rec.SHA256Before == "" {
		rec.SHA256Before = m.SHA256
	}
	rec.MboxOrdinal = m.MboxOrdinal
	rec = r.fill(rec, m.Path)
	rec.Time = r.opts.Now().UTC()
	return rec
}

// withSource returns a copy of m with an absolute Path, a Name and the
// sha256 and size of the file as it is now.
func withSource(m *model.Message) (*model.Message, error) {
	c := *m
	c.Path = absPath(m.Path)
	if c.Name == "" {
		c.Name = filepath.Base(c.Path)
	}
	if c.SHA256 == "" || c.Size == 0 {
		sum, n, err := fileSHA256(c.Path)
		if err != nil {
			return &c, err
		}
		c.SHA256, c.Size = sum, n
	}
	return &c, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// fileSHA256 hashes a file, opened read-only.
func fileSHA256(path string) (string, int64, error) {
	f, err := readonly.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("replay: open %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", n, fmt.Errorf("replay: read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
