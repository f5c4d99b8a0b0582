package replay

import (
	"context"
	"fmt"
	"io"

	"github.com/imsforensic/imsforensic/model"
)

// PickupOptions tune the pickup: target.
type PickupOptions struct {
	// MaxBytes refuses files larger than this after conversion, like the
	// IMS refuses Pickup files over its maximum message size (Q201314);
	// 0 means no limit.
	MaxBytes int64
}

// PickupTarget writes IMS 5.5 Pickup files: the IMS envelope stripped,
// "X-Sender:"/"X-Receiver:" lines from it, then the RFC 822 part with lone
// "." lines padded to ".." (KB Q201314, Q221384). The file is named
// <spool name>.eml. It is written in the sibling folder .imsforensic-tmp
// and renamed in, because the Pickup takes any file it finds.
type PickupTarget struct {
	folder
	opts PickupOptions
}

var _ Target = (*PickupTarget)(nil)

// NewPickupTarget returns the pickup:DIR target.
func NewPickupTarget(dir string, opts PickupOptions) (*PickupTarget, error) {
	if opts.MaxBytes < 0 {
		return nil, fmt.Errorf("%w: negative Pickup size limit", ErrBadTarget)
	}
	f, err := newFolder(SchemePickup, dir, "")
	if err != nil {
		return nil, err
	}
	return &PickupTarget{folder: f, opts: opts}, nil
}

// Prepare checks the folder and creates the temporary one beside it.
func (t *PickupTarget) Prepare(ctx context.Context) error { return t.checkDir() }

func (t *PickupTarget) content(m *model.Message) contentFunc {
	return func(w io.Writer) (int64, error) {
		h := pickupHeader(m)
		n, err := w.Write(h)
		if err != nil {
			return int64(n), err
		}
		f, err := rfc822Part(m)
		if err != nil {
			return int64(n), err
		}
		defer f.Close()
		k, err := dotPadCopy(w, f)
		return int64(n) + k, err
	}
}

// Plan converts in memory (hashing only) to decide collisions and the
// size limit.
func (t *PickupTarget) Plan(ctx context.Context, it *Item) (Decision, error) {
	m := it.Msg
	if why := envelopeCheck(m); why != "" {
		return Decision{Action: model.ActionRefuse, Reason: why}, nil
	}
	if !safeName(m.Name) {
		return Decision{Action: model.ActionRefuse, Reason: fmt.Sprintf("file name %q cannot be used in the target", m.Name)}, nil
	}
	sum, n, err := hashContent(t.content(m))
	if err != nil {
		return Decision{}, fmt.Errorf("convert %s: %w", m.Path, err)
	}
	dest := t.dir + string(pathSep) + m.Name + ".eml"
	if t.opts.MaxBytes > 0 && n > t.opts.MaxBytes {
		return Decision{Action: model.ActionRefuse, Dest: dest, Reason: fmt.Sprintf("%d bytes after conversion, over the Pickup limit of %d", n, t.opts.MaxBytes)}, nil
	}
	return decide(m.Path, dest, sum, "IMS envelope converted to X-Sender/X-Receiver, lone dots padded")
}

// Deliver writes the converted file.
func (t *PickupTarget) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	return t.deliverConverted(ctx, t, it, t.content(it.Msg))
}

// recover: the Pickup deletes what it takes, so an absent destination
// after an interrupted write is ambiguous (never written, or written and
// already taken). It is refused rather than written twice.
func (t *PickupTarget) recover(ctx context.Context, it *Item, begin model.ReplayRecord) (model.ReplayRecord, bool, error) {
	return t.recoverConverted(it, begin, t.content(it.Msg),
		"interrupted run: the file is not in Pickup, and the IMS may already have taken it; not rewritten to avoid a duplicate (check the tracking log, then replay it with a new journal)")
}

// Close removes the temporary folder when empty.
func (t *PickupTarget) Close() error { return t.closeTemp() }
