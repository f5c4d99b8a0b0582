package replay

import (
	"context"
	"fmt"

	"github.com/imsforensic/imsforensic/model"
)

// batchTarget is implemented by targets that deliver several messages in
// one call (the SMTP target pipelines them on one connection). The
// runner then group-commits the journal: one fsync covers the begin
// records of a batch before anything is sent, one the done records after.
// A kill in between leaves the whole batch in doubt (begun, not done),
// which recovery settles as for a single message: refused unless the
// target resends in doubt (SMTP with --resend-in-doubt and an ENVID
// deduplicating server).
type batchTarget interface {
	BatchSize() int
	DeliverBatch(ctx context.Context, items []*Item) ([]model.ReplayRecord, error)
}

// nextBatch takes one planned delivery (blocking) and then as many more
// as are ready, up to n.
func nextBatch(work <-chan planned, n int) []planned {
	p, ok := <-work
	if !ok {
		return nil
	}
	batch := []planned{p}
	for len(batch) < n {
		select {
		case p, ok := <-work:
			if !ok {
				return batch
			}
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

// deliverBatch journals the begin records of a batch with one fsync,
// delivers it, and journals the done records with one fsync. Only a
// journal failure is returned as an error.
func (r *runner) deliverBatch(ctx context.Context, bt batchTarget, batch []planned) error {
	items := make([]*Item, len(batch))
	begins := make([]model.ReplayRecord, len(batch))
	for i, p := range batch {
		begins[i] = r.fill(model.ReplayRecord{Action: p.dec.Action, Dest: p.dec.Dest, SHA256Before: p.it.Msg.SHA256, Result: model.ResultBegin}, p.it.Msg.Path)
		items[i] = p.it
	}
	if err := r.journalLines(begins); err != nil {
		return err
	}
	if err := r.syncJournal(); err != nil {
		return err
	}
	recs, err := bt.DeliverBatch(ctx, items)
	if len(recs) != len(batch) {
		return fmt.Errorf("replay: %s returned %d records for %d messages", r.target, len(recs), len(batch))
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
		return err
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
	if err := r.watch.check(); err != nil {
		return err
	}
	var b []byte
	for i := range recs {
		line, err := recs[i].MarshalJSON()
		if err != nil {
			return fmt.Errorf("replay: journal: encode record for %s: %w", recs[i].Path, err)
		}
		b = append(append(b, line...), '\n')
	}
	if err := r.jw.AppendLines(b, len(recs)); err != nil {
		return fmt.Errorf("replay: journal: %w", err)
	}
	return nil
}

func (r *runner) syncJournal() error {
	if r.jw == nil {
		return nil
	}
	if err := r.jw.Sync(); err != nil {
		return fmt.Errorf("replay: journal: %w", err)
	}
	return r.watch.check() // what was synced is still in the journal
}
