package evidence

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/imsforensic/imsforensic/model"
)

// Read recognises the evidence format of r by its content and reads every
// event from it. name is used in each Event's Origin ("name#record=12",
// "name:34") and in errors; it is never opened.
//
// Read returns the events it could read even when err != nil: a truncated
// or corrupt input gives its intact events AND an error describing the
// rest (wrapping ErrTruncated, ErrCorrupt or ErrLimitExceeded). Content
// that is no evidence format gives (nil, error wrapping ErrNotEvidence).
// Events are sorted by SortEvents. Read never panics on bad input and
// never reads more than Options.MaxFileBytes.
func Read(r io.Reader, name string, opts *Options) ([]model.Event, error) {
	o := opts.withDefaults()
	br := bufio.NewReaderSize(&limitReader{r: r, n: o.MaxFileBytes, max: o.MaxFileBytes}, DetectBytes)
	head, err := br.Peek(DetectBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) && len(head) == 0 {
		return nil, fmt.Errorf("evidence %s: %w", name, err)
	}
	f := Detect(head)
	if f == FormatUnknown {
		return nil, fmt.Errorf("evidence %s: %w", name, ErrNotEvidence)
	}
	events, err := ReadFormat(br, f, name, &o)
	return events, err
}

// ReadFormat reads r as format f, without detection (the CLI uses it when
// the user names the format). opts as for Read.
func ReadFormat(r io.Reader, f Format, name string, opts *Options) ([]model.Event, error) {
	o := opts.withDefaults()
	p := &problems{name: name}
	br := bufio.NewReaderSize(&limitReader{r: r, n: o.MaxFileBytes, max: o.MaxFileBytes}, DetectBytes)
	head, _ := br.Peek(DetectBytes)
	var events []model.Event
	switch f {
	case FormatEVT:
		events = readEVT(br, name, &o, p)
	case FormatEVTX:
		events = readEVTX(br, name, &o, p)
	default:
		text := newTextReader(br, head)
		switch f {
		case FormatCSV:
			events = readCSV(text, name, &o, p)
		case FormatText:
			events = readText(text, name, &o, p)
		case FormatDumpel:
			events = readDumpel(text, name, &o, p)
		case FormatDrWatson:
			events = readDrWatson(text, name, &o, p)
		case FormatProtocolLog:
			events = readProtocolLog(text, name, &o, p)
		case FormatTracking:
			events = readTracking(text, name, &o, p)
		default:
			return nil, fmt.Errorf("evidence %s: unknown format %q: %w", name, f, ErrNotEvidence)
		}
	}
	SortEvents(events)
	return events, p.err()
}

// ReadFile opens path read-only and reads it with Read. The file is never
// written.
func ReadFile(path string, opts *Options) ([]model.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	defer f.Close()
	return Read(f, path, opts)
}

// DetectFile reads the head of path and says which format it is in.
func DetectFile(path string) (Format, error) {
	f, err := os.Open(path)
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

// ReadPaths reads every path: a file is read with ReadFile (content that
// is no evidence is an error: the user named it), a folder is walked and
// each regular file in it recognised by content; files in a folder that
// are not evidence are skipped and only told to Options.OnSkip. Symbolic
// links met inside a folder are not followed (they could lead out of it),
// nor are devices, pipes or sockets opened. Nothing is ever written.
//
// It returns the events of all files, sorted by SortEvents, and one error
// per file (or folder) that could not be read entirely; the events of a
// partly read file are kept. ctx cancels between files.
func ReadPaths(ctx context.Context, paths []string, opts *Options) ([]model.Event, []error) {
	o := opts.withDefaults()
	skip := func(path, why string) {
		if o.OnSkip != nil {
			o.OnSkip(path, why)
		}
	}
	var (
		all  []model.Event
		errs []error
	)
	for _, root := range paths {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		fi, err := os.Stat(root)
		if err != nil {
			errs = append(errs, fmt.Errorf("evidence: %w", err))
			continue
		}
		if !fi.IsDir() {
			evs, err := ReadFile(root, &o)
			all = append(all, evs...)
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		werr := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, fmt.Errorf("evidence: %w", err))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			switch {
			case d.IsDir():
				return nil
			case d.Type()&fs.ModeSymlink != 0:
				skip(path, "symbolic link not followed")
				return nil
			case !d.Type().IsRegular():
				skip(path, "not a regular file")
				return nil
			}
			format, err := DetectFile(path)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if format == FormatUnknown {
				skip(path, "not evidence")
				return nil
			}
			evs, err := ReadFile(path, &o)
			all = append(all, evs...)
			if err != nil {
				errs = append(errs, err)
			}
			return nil
		})
		if werr != nil {
			errs = append(errs, fmt.Errorf("evidence: walk %s: %w", root, werr))
		}
	}
	SortEvents(all)
	return all, errs
}

// SortEvents orders events by time (events without a time last), then by
// origin in natural order ("x:9" before "x:10").
func SortEvents(evs []model.Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		az, bz := a.Time.IsZero(), b.Time.IsZero()
		if az != bz {
			return bz
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return naturalLess(a.Origin, b.Origin)
	})
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
