package evidence

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// Read recognises the evidence format of r by its content and reads every
// event from it. name is used in each Event's Path and Origin
// ("name#record=12", "name:34") and in errors; it is never opened.
//
// Read returns the events it could read even when err != nil: a truncated
// or corrupt input gives its intact events AND an error describing the
// rest (wrapping ErrTruncated, ErrCorrupt or ErrLimitExceeded). Damaged
// records in an otherwise sound file are no error: Load counts and tells
// them. Content that is no evidence format gives (nil, error wrapping
// ErrNotEvidence). Events are sorted by SortEvents. Read never panics on
// bad input and never reads more than Options.MaxFileBytes.
func Read(r io.Reader, name string, opts *Options) ([]model.Event, error) {
	f := readAll(r, name, opts, FormatUnknown)
	return f.Events, f.Err
}

// ReadFormat reads r as format f, without detection (the CLI uses it when
// the user names the format). opts as for Read.
func ReadFormat(r io.Reader, f Format, name string, opts *Options) ([]model.Event, error) {
	if f == FormatUnknown {
		return nil, fmt.Errorf("evidence %s: unknown format %q: %w", name, f, ErrNotEvidence)
	}
	res := readAll(r, name, opts, f)
	return res.Events, res.Err
}

// File is what reading one evidence file gave: its accounting (the
// "evidence" record), its events, and the error that kept it from being
// read whole (also in File.Error).
type File struct {
	Info   model.EvidenceFile
	Events []model.Event
	Err    error
}

// readers maps each format to its reader.
var readers = map[Format]func(r io.Reader, name string, o *Options, p *problems) []model.Event{
	FormatEVT:         readEVT,
	FormatEVTX:        readEVTX,
	FormatCSV:         readCSV,
	FormatText:        readText,
	FormatDumpel:      readDumpel,
	FormatDrWatson:    readDrWatson,
	FormatProtocolLog: readProtocolLog,
	FormatSMTPW3C:     readSMTPW3C,
	FormatSMTPNCSA:    readSMTPNCSA,
	FormatTracking:    readTracking,
}

// textFormat reports the formats read as text (decoded from UTF-16 or a
// BOM first).
func textFormat(f Format) bool { return f != FormatEVT && f != FormatEVTX }

// readAll reads r as format f (detected from its content when
// FormatUnknown) and does the accounting.
func readAll(r io.Reader, name string, opts *Options, f Format) File {
	o := opts.withDefaults()
	res := File{Info: model.NewEvidenceFile(name)}
	fail := func(err error) File {
		res.Err = err
		res.Info.Error = err.Error()
		return res
	}
	br := bufio.NewReaderSize(&limitReader{r: r, n: o.MaxFileBytes, max: o.MaxFileBytes}, DetectBytes)
	head, err := br.Peek(DetectBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) && len(head) == 0 {
		return fail(fmt.Errorf("evidence %s: %w", name, err))
	}
	if f == FormatUnknown {
		f = Detect(head)
	}
	read, ok := readers[f]
	if !ok {
		if why := whyNotEvidence(head); why != "" {
			return fail(fmt.Errorf("evidence %s: %s: %w", name, why, ErrNotEvidence))
		}
		return fail(fmt.Errorf("evidence %s: %w", name, ErrNotEvidence))
	}
	res.Info.Format = string(f)
	p := &problems{name: name}
	var in io.Reader = br
	if textFormat(f) {
		in = newTextReader(br, head)
	}
	res.Events = read(in, name, &o, p)
	p.settleDates()
	zone := o.zoneOf(f)
	for i := range res.Events {
		e := &res.Events[i]
		e.Path, e.Format = name, string(f)
		if e.TimeZone == "" {
			e.TimeZone = zone
		}
		res.Info.Observe(*e)
	}
	res.Info.TimeZone = zone
	if len(res.Events) > 0 && res.Events[0].TimeZone != zone {
		res.Info.TimeZone = res.Events[0].TimeZone // a format whose lines carry their offset
	}
	SortEvents(res.Events)
	res.Info.Damaged = p.damaged
	if len(res.Events) == 0 && len(p.errs) == 0 {
		p.warn("read as %s but no event found", f)
	}
	res.Info.Warnings = p.warningList()
	if err := p.err(); err != nil {
		res.Err = err
		res.Info.Error = err.Error()
	}
	return res
}

// Load opens path read-only and reads it; the file is never written. An
// unreadable file or content that is no known format is a File with Err
// set, never a dropped path.
func Load(path string, opts *Options) File {
	f, err := readonly.Open(path)
	if err != nil {
		res := File{Info: model.NewEvidenceFile(path), Err: fmt.Errorf("evidence: %w", err)}
		res.Info.Error = res.Err.Error()
		return res
	}
	defer f.Close()
	return readAll(f, path, opts, FormatUnknown)
}

// ReadFile opens path read-only and reads it with Read. The file is never
// written.
func ReadFile(path string, opts *Options) ([]model.Event, error) {
	f := Load(path, opts)
	return f.Events, f.Err
}

// DetectFile reads the head of path and says which format it is in.
func DetectFile(path string) (Format, error) {
	f, err := readonly.Open(path)
	if err != nil {
		return FormatUnknown, fmt.Errorf("evidence: %w", err)
	}
	defer f.Close()
	head := make([]byte, DetectBytes)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return FormatUnknown, fmt.Errorf("evidence %s: %w", path, err)
	}
	return Detect(head[:n]), nil
}

// LoadPaths reads every path: a file is read with Load (content that is
// no evidence is an error: the user named it), a folder is walked and each
// regular file in it recognised by content; files in a folder that are
// not evidence are skipped and only told to Options.OnSkip. Symbolic links
// met inside a folder are not followed (they could lead out of it), nor
// are devices, pipes or sockets opened. Nothing is ever written.
//
// It returns one File per evidence file read and one per path (or folder
// entry) that could not be read at all, with Err set, in the order met.
// ctx cancels between files; the cancellation is in the returned error.
func LoadPaths(ctx context.Context, paths []string, opts *Options) ([]File, error) {
	o := opts.withDefaults()
	skip := func(path, why string) {
		if o.OnSkip != nil {
			o.OnSkip(path, why)
		}
	}
	var files []File
	failed := func(path string, err error) {
		f := File{Info: model.NewEvidenceFile(path), Err: err}
		f.Info.Error = err.Error()
		files = append(files, f)
	}
	for _, root := range paths {
		if err := ctx.Err(); err != nil {
			return files, err
		}
		fi, err := os.Stat(root)
		if err != nil {
			failed(root, fmt.Errorf("evidence: %w", err))
			continue
		}
		if !fi.IsDir() {
			o.loading(root)
			files = append(files, Load(root, opts))
			continue
		}
		werr := walkFiles(ctx, root, func(path string) {
			format, err := DetectFile(path)
			switch {
			case err != nil:
				failed(path, err)
			case format == FormatUnknown:
				skip(path, "not evidence")
			default:
				o.loading(path)
				files = append(files, Load(path, opts))
			}
		}, skip, failed)
		if werr != nil {
			return files, werr
		}
	}
	return files, nil
}

func (o *Options) loading(path string) {
	if o.OnLoad != nil {
		o.OnLoad(path)
	}
}

// ReadPaths is LoadPaths for callers that want only the events and the
// errors: the events of all files sorted by SortEvents, and one error per
// file (or folder) that could not be read entirely; the events of a
// partly read file are kept.
func ReadPaths(ctx context.Context, paths []string, opts *Options) ([]model.Event, []error) {
	files, err := LoadPaths(ctx, paths, opts)
	all, errs := Events(files)
	if err != nil {
		errs = append(errs, err)
	}
	return all, errs
}

// Events joins the events of files, sorted by SortEvents, and collects
// their errors. When a single file holds events, the slice returned is
// that file's own (not a copy): changing one changes the other.
func Events(files []File) ([]model.Event, []error) {
	var (
		all  []model.Event
		errs []error
	)
	with := 0
	for _, f := range files {
		if len(f.Events) > 0 {
			with++
			all = f.Events
		}
	}
	if with > 1 {
		// Joined into one new slice; a single file's events, already in
		// order, are returned as they are rather than copied.
		all = nil
		for _, f := range files {
			all = append(all, f.Events...)
		}
	}
	for _, f := range files {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	SortEvents(all)
	return all, errs
}

// SortEvents orders events by time (events without a time last), then by
// origin in natural order ("x:9" before "x:10"); the sort is stable.
//
// An Event is about 500 bytes: a sort that swaps them moved gigabytes for
// the 500,000 events of a big export, and ran three times on the way to
// the timeline. The order is found on indexes, and each event is then
// moved once, along the permutation's cycles; a slice already in order
// (one file's events, read in time order) is left after one pass.
func SortEvents(evs []model.Event) {
	less := func(a, b *model.Event) int {
		az, bz := a.Time.IsZero(), b.Time.IsZero()
		switch {
		case az != bz:
			if bz {
				return -1
			}
			return 1
		case !a.Time.Equal(b.Time):
			return a.Time.Compare(b.Time)
		case naturalLess(a.Origin, b.Origin):
			return -1
		case naturalLess(b.Origin, a.Origin):
			return 1
		}
		return 0
	}
	sorted := true
	for i := 1; i < len(evs) && sorted; i++ {
		sorted = less(&evs[i-1], &evs[i]) <= 0
	}
	if sorted {
		return
	}
	idx := make([]int, len(evs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return less(&evs[i], &evs[j]) })
	// Position j takes the event at idx[j]; -1 marks a position done.
	for k := range idx {
		if idx[k] < 0 || idx[k] == k {
			continue
		}
		held := evs[k]
		for j := k; ; {
			next := idx[j]
			idx[j] = -1
			if next == k {
				evs[j] = held
				break
			}
			evs[j] = evs[next]
			j = next
		}
	}
}

// naturalLess compares strings with digit runs compared as numbers.
func naturalLess(a, b string) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na, nb := trimZeros(a[si:i]), trimZeros(b[sj:j])
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			continue
		}
		if ca != cb {
			return ca < cb
		}
		i++
		j++
	}
	return len(a)-i < len(b)-j
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
