package replay

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/imsforensic/imsforensic/model"
)

const pathSep = os.PathSeparator

// converted is the folder target that writes each message converted into
// a <spool name>.eml file, for a folder whose consumer takes (and removes)
// whatever appears in it: pickup: and replay-dir: are both this target,
// and differ only in their conversion. The file is written in the sibling
// folder .imsforensic-tmp and renamed in, so the consumer never sees a
// partial one.
type converted struct {
	folder
	conv conversion
}

// conversion is what a converted target writes and how it words it.
type conversion struct {
	header func(*model.Message) []byte               // the lines before the RFC 822 part
	body   func(io.Writer, io.Reader) (int64, error) // how the RFC 822 part is copied
	// noRecipient, when set, replaces envelopeCheck's reason for a
	// message with an RFC 822 part but no envelope recipient.
	noRecipient string
	did         string // the Reason of a write: the conversion done
	// maxBytes > 0 refuses files larger than this after conversion;
	// limitName names that limit in the refusal.
	maxBytes  int64
	limitName string
	// taken is the refusal of an interrupted write whose file is not in
	// the folder: the consumer may already have taken it.
	taken string
}

var (
	_ Target = (*PickupTarget)(nil)
	_ Target = (*ReplayDirTarget)(nil)
)

// PickupOptions tune the pickup: target.
type PickupOptions struct {
	// MaxBytes refuses files larger than this after conversion, like the
	// IMS refuses Pickup files over its maximum message size (Q201314).
	// 0 = the default, no limit (the server's limit is its own setting);
	// -1 = no limit.
	MaxBytes int64
}

// PickupTarget writes IMS 5.5 Pickup files: the IMS envelope stripped,
// "X-Sender:"/"X-Receiver:" lines from it, then the RFC 822 part with lone
// "." lines padded to ".." (KB Q201314, Q221384).
type PickupTarget struct{ converted }

// NewPickupTarget returns the pickup:DIR target.
func NewPickupTarget(dir string, opts PickupOptions) (*PickupTarget, error) {
	if opts.MaxBytes < -1 {
		return nil, fmt.Errorf("%w: Pickup size limit %d (want a size, 0 or -1 for none)", ErrBadTarget, opts.MaxBytes)
	}
	f, err := newFolder(SchemePickup, dir, "")
	if err != nil {
		return nil, err
	}
	return &PickupTarget{converted{folder: f, conv: conversion{
		header:    pickupHeader,
		body:      dotPadCopy,
		did:       "IMS envelope converted to X-Sender/X-Receiver, lone dots padded",
		maxBytes:  opts.MaxBytes,
		limitName: "the Pickup limit",
		// The Pickup deletes what it takes.
		taken: "interrupted run: the file is not in Pickup, and the IMS may already have taken it; not rewritten to avoid a duplicate (check the tracking log, then replay it with a new journal)",
	}}}, nil
}

// ReplayDirTarget writes Exchange 2007+ Replay directory files
// (ims-kb.md 6.2): X-Sender, X-Receiver, X-CreatedBy, X-HeloDomain and
// X-EndOfInjectedXHeaders first, then the RFC 822 part unchanged. The
// temporary file has a ".part" suffix: the Replay poller takes only
// ".eml" files and renames ".tmp" files back to ".eml" on restart.
type ReplayDirTarget struct{ converted }

// NewReplayDirTarget returns the replay-dir:DIR target.
func NewReplayDirTarget(dir string) (*ReplayDirTarget, error) {
	f, err := newFolder(SchemeReplayDir, dir, "")
	if err != nil {
		return nil, err
	}
	return &ReplayDirTarget{converted{folder: f, conv: conversion{
		header:      replayHeader,
		body:        io.Copy,
		noRecipient: "no envelope recipient: Replay needs at least one X-Receiver",
		did:         "Exchange Replay format: X-Sender/X-Receiver first, RFC 822 part unchanged",
		// The Replay poller renames what it takes.
		taken: "interrupted run: the file is not in the Replay folder, and transport may already have taken it; not rewritten to avoid a duplicate",
	}}}, nil
}

// Prepare checks the folder and creates the temporary one beside it.
func (t *converted) Prepare(ctx context.Context) error { return t.checkDir() }

// content writes m converted: the header lines, then the RFC 822 part.
func (t *converted) content(m *model.Message) contentFunc {
	return func(w io.Writer) (int64, error) {
		n, err := w.Write(t.conv.header(m))
		if err != nil {
			return int64(n), err
		}
		f, err := rfc822Part(m)
		if err != nil {
			return int64(n), err
		}
		defer f.Close()
		k, err := t.conv.body(w, f)
		return int64(n) + k, err
	}
}

// Plan converts in memory (hashing only) to decide collisions and the
// size limit.
func (t *converted) Plan(ctx context.Context, it *Item) (Decision, error) {
	m := it.Msg
	if why := envelopeCheck(m); why != "" {
		if t.conv.noRecipient != "" && len(m.Envelope.To) == 0 && m.MessageOffset >= 0 {
			why = t.conv.noRecipient
		}
		return Decision{Action: model.ActionRefuse, Reason: why}, nil
	}
	if why := unsafeName(m.Name); why != "" {
		return Decision{Action: model.ActionRefuse, Reason: fmt.Sprintf("file name %q cannot be used in the target: %s", m.Name, why)}, nil
	}
	sum, n, err := hashContent(t.content(m))
	if err != nil {
		return Decision{}, fmt.Errorf("convert %s: %w", m.Path, err)
	}
	dest := t.dir + string(pathSep) + m.Name + ".eml"
	if t.conv.maxBytes > 0 && n > t.conv.maxBytes {
		return Decision{Action: model.ActionRefuse, Dest: dest, Reason: fmt.Sprintf("%d bytes after conversion, over %s of %d", n, t.conv.limitName, t.conv.maxBytes)}, nil
	}
	return decide(m.Path, dest, sum, t.conv.did)
}

// Deliver plans again (the folder may have changed since), then writes
// the converted file atomically.
func (t *converted) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	d, err := t.Plan(ctx, it)
	if err != nil {
		return model.ReplayRecord{Action: model.ActionWrite, Result: model.ResultFailed}, err
	}
	if d.Action != model.ActionWrite {
		return decisionRecord(d, it.Msg), nil
	}
	content := t.content(it.Msg)
	sum, _, err := hashContent(content)
	if err != nil {
		return model.ReplayRecord{Action: model.ActionWrite, Result: model.ResultFailed}, err
	}
	return t.write(ctx, it.Msg, d.Dest, sum, d.Reason, content)
}

// recover settles a write that was begun but never recorded as done. The
// folder's consumer removes what it takes, so an absent file is
// ambiguous: it is refused (conv.taken), never written twice.
func (t *converted) recover(ctx context.Context, it *Item, begin model.ReplayRecord) (model.ReplayRecord, bool, error) {
	sum, _, err := hashContent(t.content(it.Msg))
	if err != nil {
		return model.ReplayRecord{}, false, err
	}
	rec, done, err := t.recoverWrite(it.Msg, begin, begin.Dest, sum)
	if err != nil || done {
		return rec, done, err
	}
	return model.ReplayRecord{Action: model.ActionWrite, Dest: begin.Dest, SHA256Before: it.Msg.SHA256, Result: model.ResultRefused, Reason: t.conv.taken}, true, nil
}

// Close releases nothing: the run that holds the target's lock removes
// the temporary folder (see runner.start).
func (t *converted) Close() error { return nil }
