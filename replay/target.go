package replay

import (
	"context"

	"github.com/imsforensic/imsforensic/model"
)

// Item is one message selected for replay: its parsed form and the file it
// came from. Targets open Msg.Path read-only; they never write to it.
type Item struct {
	Msg *model.Message
}

// Decision is what a target would do with an item, decided without side
// effects: the plan line.
type Decision struct {
	Action model.ReplayAction // write, send, skip, refuse
	Dest   string             // the file that would be written, or the server
	Reason string             // why, for skip and refuse; the conversion done, for write
}

// Target is a replay destination: imcdata:, pickup:, replay-dir: or
// smtp://. The engine (journal, resume, selection, hold-back) is the same for
// all of them; a target only knows how to check, plan and deliver one item.
type Target interface {
	// String is the target as the user wrote it, as recorded in the journal.
	String() string
	// Prepare checks the preconditions before anything is written or sent
	// (folders exist, Queue.dat absent, server reachable).
	Prepare(ctx context.Context) error
	// Plan decides what Deliver would do, without side effects.
	Plan(ctx context.Context, it *Item) (Decision, error)
	// Deliver writes or sends one message and returns the journal record of
	// what happened. A record with Result "ok" means the message is durably
	// in the target (fsynced and renamed, or acknowledged with 250).
	Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error)
	// Close releases connections and files.
	Close() error
}
