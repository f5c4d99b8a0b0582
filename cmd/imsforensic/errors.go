package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Exit codes (DESIGN.md section 3): one table for every command, printed
// in every --help (only the lines that apply to that command) and in the
// README.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitFindings    = 3
	exitPartial     = 4
	exitRefused     = 5
	exitInterrupted = 130
)

// exitMeaning is the one table's text, by code.
var exitMeaning = map[int]string{
	exitOK:          "success",
	exitError:       "runtime error (the message says what went wrong and what to do)",
	exitUsage:       "usage error: a bad flag, argument or --select expression; nothing was done",
	exitFindings:    "a finding at or above --fail-on CLASS (only with --fail-on)",
	exitPartial:     "some inputs could not be read (each is listed on stderr)",
	exitRefused:     "some messages were refused or failed (each is listed)",
	exitInterrupted: "interrupted (Ctrl-C or SIGTERM)",
}

// exitOrder is the table's order.
var exitOrder = []int{exitOK, exitError, exitUsage, exitFindings, exitPartial, exitRefused, exitInterrupted}

// exitStatusText renders the table with the codes of codes only (nil: all).
// notes replace a code's line for one command.
func exitStatusText(codes []int, notes map[int]string) string {
	var b strings.Builder
	b.WriteString("Exit status:\n")
	for _, c := range exitOrder {
		if codes != nil && !slices.Contains(codes, c) {
			continue
		}
		text := exitMeaning[c]
		if n, ok := notes[c]; ok {
			text = n
		}
		fmt.Fprintf(&b, "  %-4d %s\n", c, text)
	}
	return b.String()
}

// exitError carries an exit code through the error chain.
type exitErr struct {
	code int
	err  error
	// swaks: the code is swaks's (replay --exit-codes swaks), whose 2 is
	// "could not connect", not a usage error.
	swaks bool
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }
func (e *exitErr) ExitCode() int { return e.code }

func usageErrorf(format string, a ...any) error {
	return &exitErr{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// usageError marks err as a usage error (exit 2).
func usageError(err error) error {
	if err == nil {
		return nil
	}
	return &exitErr{code: exitUsage, err: err}
}

// errFindings is returned when --fail-on matched; main prints nothing more.
var errFindings = &exitErr{code: exitFindings, err: errors.New("findings at or above --fail-on")}

// partialError reports that n inputs could not be read (exit 4); each was
// listed before, on stderr or as a record with an error.
func partialError(n int) error {
	return &exitErr{code: exitPartial, err: fmt.Errorf("%s could not be read (listed above); check the paths and permissions, the rest was done", plural(n, "input", "inputs"))}
}

// copiesError is partialError for repair and redact, where a file can
// also fail on its way out: its copy could not be written (a file of
// other content already has its name in --out, a full disk).
func copiesError(n int) error {
	return &exitErr{code: exitPartial, err: fmt.Errorf("%s not done: each is listed above with the reason (an input that could not be read, or a copy that could not be written); fix those and run the same command again, the rest was done", plural(n, "input", "inputs"))}
}

// refusedError reports replay's refused and failed messages (exit 5).
func refusedError(refused, failed int) error {
	return &exitErr{code: exitRefused, err: fmt.Errorf("%d refused, %d failed (listed above with the reason); fix those and run the same command again: the rest is not done twice", refused, failed)}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// hintErr is an error that already says, in its own words, what a
// person should do (the flag a missing file was given with and what to
// put there): humanError prints it as it is, not as the plain "X: no
// such file or folder" that would lose that.
type hintErr struct {
	msg string
	err error
}

func (e *hintErr) Error() string { return e.msg }
func (e *hintErr) Unwrap() error { return e.err }

// humanError is the one line a person reads for err. An interruption
// says so; a missing path says so once, whatever wrapped it ("open X:
// open X: no such file or directory" becomes "X: no such file or folder").
//
// The text is for a terminal: it names files of the evidence, whose names
// a hostile sender or a broken copy may have filled with escape sequences
// or a right-to-left override, so each line is written as
// model.EscapeVisible writes it (line breaks kept).
func humanError(err error) string {
	return visibleLines(humanText(err))
}

// visibleLines is model.EscapeVisible of each line of s, the line breaks
// kept.
func visibleLines(s string) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = model.EscapeVisible(l)
	}
	return strings.Join(ls, "\n")
}

func humanText(err error) string {
	if errors.Is(err, context.Canceled) {
		// Ctrl-C or SIGTERM (exit 130): "context canceled" is Go's word.
		return "interrupted"
	}
	var he *hintErr
	if errors.As(err, &he) {
		return err.Error()
	}
	var pe *fs.PathError
	if errors.Is(err, fs.ErrNotExist) && errors.As(err, &pe) {
		msg := fmt.Sprintf("%s: no such file or folder; check the path", pe.Path)
		if flag := leadingFlag(err.Error()); flag != "" {
			// "--rules: open X: ..." must still say which flag named X.
			msg = flag + " " + msg
		}
		return msg
	}
	return err.Error()
}

// leadingFlag is the "--name" an error text starts with ("--rules:
// open ..."), or "".
func leadingFlag(s string) string {
	if !strings.HasPrefix(s, "--") {
		return ""
	}
	if i := strings.IndexAny(s, ": ="); i > 2 {
		return s[:i]
	}
	return ""
}

// exitCode maps an error to the process exit code, in this one place.
func exitCode(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return exitInterrupted
	}
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return exitError
}

func printExitError(g *globals, err error) {
	if g.jsonErrors {
		// model.Escape, as every byte string in our JSON: a path's
		// invalid bytes come back exactly (README, "Bytes in JSON").
		b, _ := json.Marshal(map[string]any{"type": model.TypeError, "schema": model.SchemaVersion, "error": model.Escape(err.Error()), "exit_code": exitCode(context.Background(), err)})
		fmt.Fprintf(g.stderr, "%s\n", b)
		return
	}
	fmt.Fprintf(g.stderr, "imsforensic: %s\n", humanError(err))
}
