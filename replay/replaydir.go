package replay

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/imsforensic/imsforensic/model"
)

const pathSep = os.PathSeparator

// ReplayDirTarget writes Exchange 2007+ Replay directory files
// (ims-kb.md 6.2): X-Sender, X-Receiver, X-CreatedBy, X-HeloDomain and
// X-EndOfInjectedXHeaders first, then the RFC 822 part unchanged, as
// <spool name>.eml. The temporary file lives in the sibling folder
// .imsforensic-tmp with a ".part" suffix: the Replay poller takes only
// ".eml" files and renames ".tmp" files back to ".eml" on restart.
type ReplayDirTarget struct {
	folder
}

var _ Target = (*ReplayDirTarget)(nil)

// NewReplayDirTarget returns the replay-dir:DIR target.
func NewReplayDirTarget(dir string) (*ReplayDirTarget, error) {
	f, err := newFolder(SchemeReplayDir, dir, "")
	if err != nil {
		return nil, err
	}
	return &ReplayDirTarget{folder: f}, nil
}

// Prepare checks the folder and creates the temporary one beside it.
func (t *ReplayDirTarget) Prepare(ctx context.Context) error { return t.checkDir() }

func (t *ReplayDirTarget) content(m *model.Message) contentFunc {
	return func(w io.Writer) (int64, error) {
		n, err := w.Write(replayHeader(m))
		if err != nil {
			return int64(n), err
		}
		f, err := rfc822Part(m)
		if err != nil {
			return int64(n), err
		}
		defer f.Close()
		k, err := io.Copy(w, f)
		return int64(n) + k, err
	}
}

// Plan converts in memory (hashing only) to decide collisions.
func (t *ReplayDirTarget) Plan(ctx context.Context, it *Item) (Decision, error) {
	m := it.Msg
	if why := envelopeCheck(m); why != "" {
		if len(m.Envelope.To) == 0 && m.MessageOffset >= 0 {
			why = "no envelope recipient: Replay needs at least one X-Receiver"
		}
		return Decision{Action: model.ActionRefuse, Reason: why}, nil
	}
	if !safeName(m.Name) {
		return Decision{Action: model.ActionRefuse, Reason: fmt.Sprintf("file name %q cannot be used in the target", m.Name)}, nil
	}
	sum, _, err := hashContent(t.content(m))
	if err != nil {
		return Decision{}, fmt.Errorf("convert %s: %w", m.Path, err)
	}
	dest := t.dir + string(pathSep) + m.Name + ".eml"
	return decide(m.Path, dest, sum, "Exchange Replay format: X-Sender/X-Receiver first, RFC 822 part unchanged")
}

// Deliver writes the converted file.
func (t *ReplayDirTarget) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	return t.deliverConverted(ctx, t, it, t.content(it.Msg))
}

// recover: the Replay poller renames what it takes, so like Pickup an
// absent destination is ambiguous and refused rather than written twice.
func (t *ReplayDirTarget) recover(ctx context.Context, it *Item, begin model.ReplayRecord) (model.ReplayRecord, bool, error) {
	return t.recoverConverted(it, begin, t.content(it.Msg),
		"interrupted run: the file is not in the Replay folder, and transport may already have taken it; not rewritten to avoid a duplicate")
}

// Close removes the temporary folder when empty.
func (t *ReplayDirTarget) Close() error { return t.closeTemp() }
