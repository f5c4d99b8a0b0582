package replay

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/model"
)

// Messages is a stream of messages to replay: it calls yield with each
// message, in the order they are to be planned, and returns yield's
// first error or its own (an input that could not be read, cancellation).
type Messages func(yield func(*model.Message) error) error

// streamPlanner is implemented by targets whose Plan decides from the
// message alone, never from what the target already holds: a message is
// then planned the same before or after the deliveries of the ones before
// it, and the target can plan and deliver as a stream. Folder targets
// look for a file of the same name (the collision rules), which a
// streamed run's own earlier writes would have put there.
type streamPlanner interface{ plansFromMessageAlone() }

func (t *SMTPTarget) plansFromMessageAlone() {}

// KeepBytes is the largest file whose bytes a streamed run's scan should
// keep in Message.Raw (inventory.Options.KeepBytes): the SMTP target then
// hashes and sends the RFC 822 part from them instead of opening and
// reading the file again (7 system calls a message). A planned message
// waits for its batch with its bytes, so memory holds at most the batches
// in flight times this, about 35 MiB at --concurrency 16 and usually a
// fifth of that.
const KeepBytes = 64 << 10

// streamWait is how long a partial batch of a streamed run waits for more
// messages before it goes to an idle sender: the sources are read faster
// than that fills a batch, and a slow source does not hold a message back
// for long.
const streamWait = 5 * time.Millisecond

// Streams reports whether RunEach plans and delivers as the messages
// come (an SMTP target, not a dry run) rather than collecting them first.
func Streams(target Target, opts Options) bool {
	_, ok := target.(streamPlanner)
	return ok && !opts.DryRun
}

// RunEach is Run for a stream of messages, with the same records, journal
// and safety promise. An error from msgs before it yields a message is
// returned before the target, the locks or the journal are touched (there
// is nothing to replay). opts.Sources must name what msgs reads: they are
// the evidence no output may lie in.
//
// With an SMTP target (streamPlanner) and no DryRun, each message is
// planned as it arrives and its batch is sent while the next files are
// still being read: the first send does not wait for the last file, and
// memory holds the batches in flight, not the whole list. The decisions
// are those of Run (HoldBack and Plan see one message at a time either
// way); the journal and out get the plan lines interleaved with the
// deliveries, in the stream's order. Otherwise the stream is collected,
// sorted by path and given to Run, so a dry run prints the plan as it
// always did.
func RunEach(ctx context.Context, msgs Messages, target Target, opts Options, out func(model.ReplayRecord)) (model.ReplaySummary, error) {
	if len(opts.Sources) == 0 {
		return model.ReplaySummary{}, errors.New("replay: RunEach needs Options.Sources (what the stream reads)")
	}
	if !Streams(target, opts) {
		var ms []*model.Message
		if err := msgs(func(m *model.Message) error {
			ms = append(ms, m)
			return nil
		}); err != nil {
			return model.ReplaySummary{}, err
		}
		model.SortMessagesByPath(ms)
		return Run(ctx, ms, target, opts, out)
	}
	r, err := newRunner(target, opts, out)
	if err != nil {
		return r.sum, err
	}
	s := &stream{r: r}
	defer s.end()
	serr := msgs(func(m *model.Message) error { return s.add(ctx, m) })
	if !s.started {
		if serr != nil {
			return r.sum, serr
		}
		if err := s.begin(ctx); err != nil { // no message: the run Run makes of none
			return r.sum, err
		}
	}
	if s.startErr != nil {
		return r.sum, s.startErr
	}
	derr := s.d.finish(ctx)
	if err := r.flushPlan(); err != nil && derr == nil {
		derr = err
	}
	if err := r.syncJournal(); err != nil && derr == nil {
		derr = err
	}
	switch {
	case derr != nil:
		return r.sum, derr
	case serr != nil:
		return r.sum, serr
	}
	return r.sum, r.watch.check()
}

// stream is the state of a streamed run: started at its first message.
type stream struct {
	r        *runner
	started  bool
	startErr error
	endRun   func()
	d        *delivery
	journal  string // sourceKey of the journal
	planned  atomic.Int64
}

// begin starts the run (as Run does before it plans) and its senders.
func (s *stream) begin(ctx context.Context) error {
	s.started = true
	s.journal = sourceKey(s.r.opts.JournalPath)
	end, err := s.r.start(ctx, evidenceOf(nil, s.r.opts.Sources))
	if err != nil {
		s.startErr = err
		return err
	}
	s.endRun = end
	s.d = s.r.startDelivery(ctx, streamWait, func() int { return int(s.planned.Load()) })
	return nil
}

// add plans one message and hands a planned delivery to the senders.
func (s *stream) add(ctx context.Context, m *model.Message) error {
	if !s.started {
		if err := s.begin(ctx); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if sourceKey(m.Path) == s.journal {
		// Run's evidence check covers every message file; a streamed
		// message is checked as it comes.
		in := &guard.Inputs{}
		in.AddFiles(m.Path)
		return checkOutputs(in, s.r.target, s.r.opts.JournalPath)
	}
	p, err := s.r.planOne(ctx, m)
	if err != nil || p == nil {
		return err
	}
	s.planned.Add(1)
	return s.d.feed(ctx, *p)
}

func (s *stream) end() {
	if s.endRun != nil {
		s.endRun()
	}
}
