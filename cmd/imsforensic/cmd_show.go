package main

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/report"
	"github.com/imsforensic/imsforensic/rules"
)

type showOptions struct {
	out   outputFlags
	rules ruleFlags
}

func (o *showOptions) addFlags(fs *pflag.FlagSet) {
	o.out.addFlags(fs)
	o.rules.addFlags(fs)
}

func (o *showOptions) validate(g *globals) error {
	if err := o.out.validate(g); err != nil {
		return err
	}
	return o.rules.validate()
}

func newShowCommand() *command {
	opts := &showOptions{}
	fs := newFlagSet("show")
	opts.addFlags(fs)
	return &command{
		name:  "show",
		usage: "show [flags] FILE",
		short: "one message in depth: envelope, headers, MIME tree, findings with offsets",
		long: `Every finding is printed with the file offset where its evidence starts and
the evidence bytes themselves (control and invalid bytes as \xNN), so it can
be checked with a hex editor. FILE is one message file; a message of an mbox
is FILE#N, as scan names it (show FILE of an mbox of several messages says
how many there are). In the table a header value over 200 characters ends
in "…" (its offset and size say where it is and how long); --format json
has every header field whole.

Examples:
  imsforensic show TempIMS/IN/3SW32JRP
  imsforensic show saved.mbox#2          (message 2 of an mbox, as scan names it)
  imsforensic show --format json TempIMS/IN/3SW32JRP | jq .findings`,
		flags: fs,
		run: func(ctx context.Context, g *globals, args []string) error {
			if err := opts.validate(g); err != nil {
				return err
			}
			return runShow(ctx, opts, g, args)
		},
	}
}

func runShow(ctx context.Context, opts *showOptions, g *globals, args []string) error {
	if len(args) != 1 {
		return usageErrorf("show: want exactly one FILE, got %d", len(args))
	}
	if info, err := os.Stat(args[0]); err == nil && info.IsDir() {
		return usageErrorf("show: %s is a folder and show reads one message file; list the folder's messages with 'imsforensic scan %s'", args[0], args[0])
	}
	if n, _ := inventory.MboxMessages(args[0]); n > 1 {
		// Parsed as one message, the whole mbox would show findings of no
		// message in it.
		p := args[0]
		return usageErrorf("show: %s is an mbox of %d messages and show reads one; show one with 'imsforensic show %s#1' (#1 to #%d), or list them with 'imsforensic scan %s'", p, n, p, n, p)
	}
	m, err := inventory.ParseFile(args[0], nil)
	if m == nil {
		return &exitErr{code: exitPartial, err: err} // not read: the table's 4
	}
	if ae := (*inventory.ArchiveError)(nil); errors.As(err, &ae) {
		// As for a folder: the files to show are inside it.
		return usageErrorf("show: %v", err)
	}
	if err != nil && m.Error == "" {
		m.Error = err.Error() // a read error or a file that changed while read
	}
	rules.Apply(m, opts.rules.cfg)
	if werr := report.WriteShow(g.stdout, opts.out.fmt, m); werr != nil {
		return werr
	}
	if err != nil {
		return partialError(1)
	}
	if opts.out.failAt != 0 && m.TopClass() >= opts.out.failAt {
		return errFindings
	}
	return nil
}
