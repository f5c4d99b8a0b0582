package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/redact"
	"github.com/imsforensic/imsforensic/report"
)

type redactOptions struct {
	outDir  string
	mapFile string
	keyFile string
	key     string
	format  string
	rules   ruleFlags
	sel     selectFlags

	fmt    report.Format
	keyRaw []byte
}

func (o *redactOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.outDir, "out", "", "folder for the redacted copies (required; never inside an input folder)")
	fs.StringVar(&o.key, "key", "", "secret that keys the placeholders: the same key maps the same address to the same placeholder in every run (default: a random key per run)")
	fs.StringVar(&o.keyFile, "key-file", "", "read the key from FILE instead (keeps it out of the shell history)")
	fs.StringVar(&o.mapFile, "map", "", "write the word -> placeholder mapping to FILE (JSON Lines); never inside --out")
	fs.StringVar(&o.format, "format", "table", "output format: table, json (JSON Lines) or csv")
	o.sel.addFlags(fs)
	o.rules.addFlags(fs)
}

// keyFileHint says what a key file is: any secret of the user's own.
const keyFileHint = "write a secret of your own into it (one line of any text, kept private: the same key gives the same placeholders in every run), or leave --key-file out for a random key per run"

func (o *redactOptions) validate(g *globals) error {
	f, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError(fmt.Errorf("--format: %w", err))
	}
	o.fmt, g.jsonErrors = f, f == report.JSON
	if o.outDir == "" {
		return usageErrorf("redact: --out DIR is required")
	}
	switch {
	case o.key != "" && o.keyFile != "":
		return usageErrorf("redact: give --key or --key-file, not both")
	case o.keyFile != "":
		b, err := readonly.ReadFile(o.keyFile, 64<<10)
		if errors.Is(err, os.ErrNotExist) {
			// The file is the user's own secret: say what goes in it, not
			// only that it is missing.
			return usageError(&hintErr{msg: fmt.Sprintf("redact: --key-file %s: no such file; %s", o.keyFile, keyFileHint), err: err})
		}
		if err != nil {
			return usageError(fmt.Errorf("redact: --key-file: %w", err))
		}
		if o.keyRaw = bytes.TrimRight(b, "\r\n"); len(o.keyRaw) == 0 {
			return usageErrorf("redact: --key-file %s is empty; %s", o.keyFile, keyFileHint)
		}
	case o.key != "":
		o.keyRaw = []byte(o.key)
	}
	if err := o.rules.validate(); err != nil {
		return err
	}
	return o.sel.validate()
}

func newRedactCommand() *command {
	opts := &redactOptions{}
	fs := newFlagSet("redact")
	opts.addFlags(fs)
	return &command{
		name:  "redact",
		usage: "redact [flags] PATH... --out DIR [--key K] [--map FILE]",
		short: "write copies safe to share with a vendor, on which the same rules still fire",
		long: `Writes a copy of each message to DIR (same file name, under IN, OUT, ... as the
input was) in which addresses (local part and domain), display names, the
subject, body text, attachment names and contents are replaced by
placeholders of the same length and character class. Header order, line
structure, encodings, charset labels, boundaries, the IMS envelope layout and
every byte a finding points at are kept, so the same rules fire at the same
offsets. Each copy is checked again: a finding that redaction changed is
reported (finding-changed, with the rule), and so is any word of the
original still in the copy (kept-for-finding with its rule; a word nothing
explains means no copy is written: not-safe). Legacy 8-bit and DBCS text
bytes are left as they are (their ASCII letters are replaced): read such
copies before sending them.

With --key, the same address maps to the same placeholder in every file and
every run; --map FILE writes the mapping (never inside DIR, never inside an
input folder). The inputs are never written.

Examples:
  imsforensic redact TempIMS/IN/3SW32JRP --out D:\ForMicrosoft --key-file key.txt
  imsforensic redact --select 'class=crash' TempIMS --out shared --map D:\private\map.jsonl --format json`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runRedact(ctx, opts, g, args)
		},
	}
}

func runRedact(ctx context.Context, opts *redactOptions, g *globals, args []string) error {
	paths, ms, _, walkErr, err := selectedFiles(ctx, g, "redact", &opts.sel, &opts.rules, opts.fmt == report.JSON, args, time.Now(), refuseOutInsideNamed(opts.outDir))
	if err != nil {
		return err
	}
	in := evidenceOf(paths, ms)
	if err := in.Check("--out", opts.outDir); err != nil {
		return usageError(err)
	}
	if opts.mapFile != "" {
		if err := os.MkdirAll(opts.outDir, 0o755); err != nil {
			return err
		}
		if err := redact.CheckMap(opts.mapFile, opts.outDir, in); err != nil {
			return usageError(err)
		}
		// Its folder is made as --out is, before any copy is written: a
		// run with a random key whose map cannot be written leaves copies
		// nobody can map back.
		if err := os.MkdirAll(filepath.Dir(opts.mapFile), 0o700); err != nil {
			return fmt.Errorf("redact: --map: %w", err)
		}
	}
	r, err := redact.New(redact.Options{Key: opts.keyRaw, Rules: opts.rules.cfg, NoMapping: opts.mapFile == "", Context: ctx})
	if err != nil {
		return err
	}
	recs, collided, err := perFile(ctx, g, ms, func(m *model.Message) (model.RedactRecord, error) {
		return r.File(m.Path, m.Queue, opts.outDir, in)
	})
	if err != nil {
		return err
	}
	if opts.mapFile != "" {
		var buf bytes.Buffer
		if err := report.WriteRedactMap(&buf, r.Mapping()); err != nil {
			return err
		}
		if _, err := atomicfile.Write(opts.mapFile, &buf, atomicfile.Options{Perm: 0o600}); err != nil {
			return fmt.Errorf("redact: --map: %w", err)
		}
	}
	if werr := report.WriteRedacts(g.stdout, opts.fmt, recs); werr != nil {
		return werr
	}
	return finishCopies(g, recs, walkErr, func(r model.RedactRecord) bool { return r.Status == model.RedactError },
		collisionHint(collided, opts.outDir, "made with another key: without --key or --key-file each run draws a new one, and the same --key-file adds to them"))
}
