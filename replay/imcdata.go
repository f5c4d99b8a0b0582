package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// ErrQueueDatPresent is returned by the imcdata target's Prepare while
// Imcdata\Queue.dat exists and --queue-dat rename was not given: the IMS
// would keep its stale pointers and ignore (or duplicate) replayed files
// (KB Q197792, Q193862, Q239420).
var ErrQueueDatPresent = errors.New("replay: Queue.dat present")

// ImcdataOptions tune the imcdata: target.
type ImcdataOptions struct {
	// DefaultQueue ("IN" or "OUT") is where a spool file of unknown origin
	// queue goes; "" refuses such files.
	DefaultQueue string
}

// ImcdataTarget copies IMS spool files byte for byte, under their own
// 8-character names, into Imcdata\IN or Imcdata\OUT according to the queue
// they came from: IN and IN\Archive to IN, OUT and OUT\Archive to OUT, as KB
// Q230250 does by hand. Existing folders are used whatever their case
// (In, in); a missing one is created as IN or OUT.
type ImcdataTarget struct {
	folder
	opts     ImcdataOptions
	queueDat string
	renamed  []model.ReplayRecord
	prepared bool // Prepare succeeded: Queue.dat is gone
}

var _ Target = (*ImcdataTarget)(nil)

// NewImcdataTarget returns the imcdata:DIR target. Nothing is touched
// until Prepare.
func NewImcdataTarget(dir string, opts ImcdataOptions) (*ImcdataTarget, error) {
	q := strings.ToUpper(opts.DefaultQueue)
	if q != "" && q != model.QueueIN && q != model.QueueOUT {
		return nil, fmt.Errorf("%w: default queue %q: want IN or OUT", ErrBadTarget, opts.DefaultQueue)
	}
	opts.DefaultQueue = q
	f, err := newFolder(SchemeImcdata, dir, dir)
	if err != nil {
		return nil, err
	}
	return &ImcdataTarget{folder: f, opts: opts}, nil
}

func (t *ImcdataTarget) setQueueDat(p string) { t.queueDat = p }

func (t *ImcdataTarget) prepareRecords() []model.ReplayRecord { return t.renamed }

// findFold returns the entry of dir whose name equals name ignoring case,
// or "" (as NTFS would resolve it).
func findFold(dir, name string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		if e.Name() == name {
			return e.Name(), nil
		}
	}
	for _, e := range ents {
		if strings.EqualFold(e.Name(), name) {
			return e.Name(), nil
		}
	}
	return "", nil
}

// Prepare checks that DIR exists and that Queue.dat is absent; with
// --queue-dat rename it renames Queue.dat to Queue.old (Queue.old.1, ... when
// taken), never deleting anything (KB Q312443).
func (t *ImcdataTarget) Prepare(ctx context.Context) error {
	if err := t.checkDir(); err != nil {
		return err
	}
	qd, err := findFold(t.dir, "Queue.dat")
	if err != nil {
		return fmt.Errorf("list %s: %w", t.dir, err)
	}
	if qd == "" {
		t.prepared = true
		return nil
	}
	if t.queueDat != "rename" {
		return fmt.Errorf("%w in %s: stop the IMS and rename it (KB Q312443), or pass --queue-dat rename", ErrQueueDatPresent, t.dir)
	}
	from := filepath.Join(t.dir, qd)
	for i := 0; i < 1000; i++ {
		name := "Queue.old"
		if i > 0 {
			name = fmt.Sprintf("Queue.old.%d", i)
		}
		if taken, err := findFold(t.dir, name); err != nil {
			return err
		} else if taken != "" {
			continue
		}
		to := filepath.Join(t.dir, name)
		err := atomicfile.RenameNoReplace(from, to)
		if errors.Is(err, atomicfile.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		t.renamed = append(t.renamed, model.ReplayRecord{
			Path: from, Action: model.ActionRename, Dest: to, Result: model.ResultOK,
			Reason: "Queue.dat renamed so the IMS rebuilds it from the spool folders (KB Q312443)",
		})
		t.prepared = true
		return nil
	}
	return fmt.Errorf("rename %s: Queue.old ... Queue.old.999 all taken", from)
}

// queueFor maps an origin queue to IN or OUT.
func (t *ImcdataTarget) queueFor(m *model.Message) (string, string) {
	switch strings.ToUpper(strings.ReplaceAll(m.Queue, `\`, "/")) {
	case "IN", "IN/ARCHIVE":
		return model.QueueIN, ""
	case "OUT", "OUT/ARCHIVE":
		return model.QueueOUT, ""
	}
	if t.opts.DefaultQueue != "" {
		return t.opts.DefaultQueue, ""
	}
	if m.Queue == "" {
		return "", "unknown origin queue; use --queue IN|OUT"
	}
	return "", fmt.Sprintf("origin queue %s is not IN or OUT; use --queue IN|OUT", m.Queue)
}

// dest resolves DIR\<IN|OUT>\<name>, using an existing folder of any case.
func (t *ImcdataTarget) dest(queue, name string) (string, error) {
	sub, err := findFold(t.dir, queue)
	if err != nil {
		return "", fmt.Errorf("list %s: %w", t.dir, err)
	}
	if sub == "" {
		sub = queue
	}
	return filepath.Join(t.dir, sub, name), nil
}

// unsafeName says why a spool file name cannot be used as is in a target
// folder, or "" when it can. The targets are Exchange's folders on
// Windows, where the evidence may have been copied from another system:
// besides a separator or a name that climbs out, a name Windows would not
// keep as it is is refused, because the message would be lost or land
// under another name. A reserved device name (NUL, CON, COM1, with any
// extension) opens the device, so a "copied" message would go nowhere;
// a trailing dot or space is dropped by Win32, so "A." would land on
// "A"; control characters and <>:"|?* are refused by NTFS.
func unsafeName(n string) string {
	switch {
	case n == "" || n == "." || n == "..":
		return "not a file name"
	case strings.ContainsAny(n, `/\`):
		return "it holds a path separator"
	case strings.ContainsAny(n, `<>:"|?*`):
		return `it holds one of <>:"|?*, which Windows refuses in a name`
	case strings.IndexFunc(n, func(r rune) bool { return r < 0x20 }) >= 0:
		return "it holds a control character, which Windows refuses in a name"
	case strings.HasSuffix(n, ".") || strings.HasSuffix(n, " "):
		return "it ends in a dot or space, which Windows drops, so it would land under another name"
	}
	if dev := windowsDevice(n); dev != "" {
		return "Windows opens " + dev + " as a device, so the message would be lost"
	}
	return ""
}

// windowsDevice returns the reserved device name n stands for on Windows
// (whatever its extension, case or trailing spaces before the dot), or "".
func windowsDevice(n string) string {
	base, _, _ := strings.Cut(n, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return base
	}
	if len(base) >= 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		switch d := base[3:]; d {
		case "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return base
		}
	}
	return ""
}

// Plan decides without side effects. With Queue.dat present it refuses
// (or notes the rename to come with --queue-dat rename).
func (t *ImcdataTarget) Plan(ctx context.Context, it *Item) (Decision, error) {
	m := it.Msg
	if m.Format != model.FormatIMSSpool {
		return Decision{Action: model.ActionRefuse, Reason: fmt.Sprintf("not an IMS spool file (format %s): the IMS reads only spool files from IN/OUT; use pickup: or replay-dir:", m.Format)}, nil
	}
	q, why := t.queueFor(m)
	if q == "" {
		return Decision{Action: model.ActionRefuse, Reason: why}, nil
	}
	if why := unsafeName(m.Name); why != "" {
		return Decision{Action: model.ActionRefuse, Reason: fmt.Sprintf("file name %q cannot be used in the target: %s", m.Name, why)}, nil
	}
	dest, err := t.dest(q, m.Name)
	if err != nil {
		return Decision{}, err
	}
	reason := "copy bytes exactly into " + q
	if qd, _ := findFold(t.dir, "Queue.dat"); qd != "" {
		switch {
		case t.prepared:
			return Decision{Action: model.ActionRefuse, Dest: dest, Reason: "Queue.dat reappeared in target: is the IMS running? Stop it first"}, nil
		case t.queueDat != "rename":
			return Decision{Action: model.ActionRefuse, Dest: dest, Reason: "Queue.dat present in target: stop the IMS and rename it, or pass --queue-dat rename"}, nil
		}
		reason += "; Queue.dat will be renamed to Queue.old first"
	}
	return decide(m.Path, dest, m.SHA256, reason)
}

func (t *ImcdataTarget) content(m *model.Message) contentFunc {
	return func(w io.Writer) (int64, error) {
		f, err := readonly.Open(m.Path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		return io.Copy(w, f)
	}
}

// Deliver copies the spool file exactly.
func (t *ImcdataTarget) Deliver(ctx context.Context, it *Item) (model.ReplayRecord, error) {
	d, err := t.Plan(ctx, it)
	if err != nil {
		return model.ReplayRecord{Action: model.ActionWrite, Result: model.ResultFailed}, err
	}
	if d.Action != model.ActionWrite {
		return decisionRecord(d, it.Msg), nil
	}
	return t.write(ctx, it.Msg, d.Dest, it.Msg.SHA256, d.Reason, t.content(it.Msg))
}

func (t *ImcdataTarget) recover(ctx context.Context, it *Item, begin model.ReplayRecord) (model.ReplayRecord, bool, error) {
	q, _ := t.queueFor(it.Msg)
	dest := begin.Dest
	if dest == "" && q != "" {
		dest, _ = t.dest(q, it.Msg.Name)
	}
	return t.recoverWrite(it.Msg, begin, dest, it.Msg.SHA256)
}

// Close releases nothing: the run that holds the target's lock removes
// the temporary folder (see runner.start).
func (t *ImcdataTarget) Close() error { return nil }

// decisionRecord turns a skip or refuse found at delivery time (the target
// changed since the plan) into the done record.
func decisionRecord(d Decision, m *model.Message) model.ReplayRecord {
	rec := model.ReplayRecord{Action: model.ActionWrite, Dest: d.Dest, SHA256Before: m.SHA256, Reason: d.Reason}
	if d.Action == model.ActionSkip {
		rec.Result = model.ResultSkipped
	} else {
		rec.Result = model.ResultRefused
	}
	return rec
}
