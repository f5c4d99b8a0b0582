package replay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// batchTarget is implemented by targets that deliver several messages in
// one call (the SMTP target pipelines them on one connection). The
// runner then group-commits the journal: one fsync covers the begin
// records of a batch before anything is sent, and the done records of the
// sender's batch before it (deliverBatch).
// A kill in between leaves the whole batch in doubt (begun, not done),
// which recovery settles as for a single message: refused unless the
// target resends in doubt (SMTP with --resend-in-doubt and an ENVID
// deduplicating server).
type batchTarget interface {
	BatchSize() int
	DeliverBatch(ctx context.Context, items []*Item) ([]model.ReplayRecord, error)
}

// delivery hands planned messages to Concurrency senders in batches of
// up to the target's BatchSize (one message for a target without
// batches). Each sender delivers one batch at a time (deliverBatch), so
// a sender's journal records go in one write and share the fsyncs of the
// senders that sync at the same moment (atomicfile's group commit).
type delivery struct {
	in    chan planned
	stop  chan struct{} // closed on the first journal failure
	once  sync.Once
	err   error // the first journal failure
	wg    sync.WaitGroup
	total func() int // for Progress: the deliveries planned so far

	progMu sync.Mutex
	done   int
}

// startDelivery starts the senders. A partial batch waits up to wait for
// more messages before it goes to an idle sender (0: it goes at once):
// when the plan is a stream, that keeps batches full while the sources
// are still being read.
func (r *runner) startDelivery(ctx context.Context, wait time.Duration, total func() int) *delivery {
	bt, batched := r.target.(batchTarget)
	size := 1
	if batched {
		size = max(1, bt.BatchSize())
	}
	d := &delivery{in: make(chan planned), stop: make(chan struct{}), total: total}
	batches := make(chan []planned)
	go batcher(d.in, batches, size, wait, d.stop)
	for range r.opts.Concurrency {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			fail := func(err error) { d.once.Do(func() { d.err = err; close(d.stop) }) }
			// unsynced are this sender's last done records, written and
			// not yet fsynced: the fsync of its next batch's begin records
			// covers them when that batch is ready at once, else they are
			// synced before the sender waits.
			var unsynced []model.ReplayRecord
			for {
				var batch []planned
				var ok bool
				select {
				case batch, ok = <-batches:
				default:
					if err := r.settleDone(unsynced); err != nil {
						fail(err)
					}
					unsynced = nil
					batch, ok = <-batches
				}
				if !ok {
					if err := r.settleDone(unsynced); err != nil {
						fail(err)
					}
					return
				}
				var err error
				if batched {
					unsynced, err = r.deliverBatch(ctx, bt, batch, unsynced)
				} else {
					err = r.deliverOne(ctx, batch[0])
				}
				if err != nil {
					fail(err)
				}
				d.progress(r.opts.Progress, len(batch))
			}
		}()
	}
	return d
}

// feed hands one planned delivery to the senders; an error means stop
// planning: a journal failure, or ctx's.
func (d *delivery) feed(ctx context.Context, p planned) error {
	select {
	case d.in <- p:
		return nil
	case <-d.stop:
		return d.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish waits for the senders to deliver what was fed; the error is the
// first journal failure, else ctx's.
func (d *delivery) finish(ctx context.Context) error {
	close(d.in)
	d.wg.Wait()
	if d.err != nil {
		return d.err
	}
	return ctx.Err()
}

func (d *delivery) progress(fn func(done, total int), n int) {
	if fn == nil {
		return
	}
	d.progMu.Lock()
	d.done += n
	fn(d.done, d.total())
	d.progMu.Unlock()
}

// batcher groups what arrives on in into batches of up to size for out:
// a full batch waits for a sender; a partial one goes to a sender that is
// idle once its first message has waited wait, or at once with wait 0.
// It returns when in is closed (after handing out the last batch) or stop
// is; then it closes out.
func batcher(in <-chan planned, out chan<- []planned, size int, wait time.Duration, stop <-chan struct{}) {
	defer close(out)
	var batch []planned
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	due := wait == 0 // the partial batch may go
	for in != nil || len(batch) > 0 {
		var offer chan<- []planned
		if len(batch) >= size || len(batch) > 0 && (due || in == nil) {
			offer = out
		}
		recv := in
		if len(batch) >= size {
			recv = nil
		}
		select {
		case p, ok := <-recv:
			if !ok {
				in = nil
				continue
			}
			batch = append(batch, p)
			if len(batch) == 1 && wait > 0 {
				due = false
				timer.Reset(wait)
			}
		case offer <- batch:
			batch = nil
		case <-timer.C:
			due = true
		case <-stop:
			return
		}
	}
}

// deliverBatch journals the begin records of a batch, makes them durable
// with one fsync (which also covers unsynced, the sender's previous done
// records, then reported), delivers the batch and writes its done
// records, returned unsynced: the caller has them synced by its next
// batch's fsync or before it waits. Only a journal failure is an error.
func (r *runner) deliverBatch(ctx context.Context, bt batchTarget, batch []planned, unsynced []model.ReplayRecord) ([]model.ReplayRecord, error) {
	items := make([]*Item, len(batch))
	begins := make([]model.ReplayRecord, len(batch))
	for i, p := range batch {
		begins[i] = r.fill(model.ReplayRecord{Action: p.dec.Action, Dest: p.dec.Dest, SHA256Before: p.it.Msg.SHA256, Result: model.ResultBegin}, p.it.Msg.Path)
		items[i] = p.it
	}
	if err := r.journalLines(begins); err != nil {
		return nil, err
	}
	// One fsync for these begin records and the previous batch's done
	// records, which are reported once durable.
	if err := r.settleDone(unsynced); err != nil {
		return nil, err
	}
	if len(unsynced) == 0 {
		if err := r.syncJournal(); err != nil {
			return nil, err
		}
	}
	recs, err := bt.DeliverBatch(ctx, items)
	if len(recs) != len(batch) {
		return nil, fmt.Errorf("replay: %s returned %d records for %d messages", r.target, len(recs), len(batch))
	}
	for i, p := range batch {
		// A cancelled batch still has messages the server acknowledged:
		// they stay "ok" (settle would make them failed, and a rerun would
		// send them again).
		perr := err
		if recs[i].Result == model.ResultOK {
			perr = nil
		}
		rec := r.settle(p, recs[i], perr)
		r.noteDone(rec)
		recs[i] = rec
	}
	if err := r.journalLines(recs); err != nil {
		return nil, err
	}
	return recs, nil
}

// settleDone makes a sender's written done records durable (one fsync,
// shared with any sender syncing at the same moment) and reports them.
func (r *runner) settleDone(recs []model.ReplayRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if err := r.syncJournal(); err != nil {
		return err
	}
	for _, rec := range recs {
		r.report(rec)
	}
	return nil
}

// journalLines appends records without fsync, in one write: the journal is
// checked once for the lot (it is checked again after the fsync that
// follows), and each record is encoded by its own MarshalJSON.
func (r *runner) journalLines(recs []model.ReplayRecord) error {
	if r.jw == nil || len(recs) == 0 {
		return nil
	}
	if err := r.flushPlan(); err != nil {
		return err
	}
	if err := r.watch.check(); err != nil {
		return err
	}
	bp := lineBuffers.Get().(*[]byte)
	defer lineBuffers.Put(bp)
	b := (*bp)[:0]
	for i := range recs {
		var err error
		if b, err = recs[i].AppendJSON(b); err != nil {
			return fmt.Errorf("replay: journal: encode record for %s: %w", recs[i].Path, err)
		}
		b = append(b, '\n')
	}
	*bp = b
	if err := r.jw.AppendLines(b, len(recs)); err != nil {
		return fmt.Errorf("replay: journal: %w", err)
	}
	return nil
}

// lineBuffers hold a batch's encoded journal lines (a batch's records
// were a quarter of replay's allocated bytes, encoded one buffer each).
var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (r *runner) syncJournal() error {
	if r.jw == nil {
		return nil
	}
	if err := r.jw.Sync(); err != nil {
		return fmt.Errorf("replay: journal: %w", err)
	}
	return r.watch.check() // what was synced is still in the journal
}
