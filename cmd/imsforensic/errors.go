package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/imsforensic/imsforensic/model"
)

// Exit codes (DESIGN.md section 3). They are documented in every --help.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitFindings    = 3
	exitPartial     = 4
	exitInterrupted = 130
)

const exitStatusHelp = `Exit status:
  0    success
  1    runtime error
  2    usage error (bad flag, bad --select expression, unknown format)
  3    findings at or above --fail-on CLASS (only when --fail-on is given)
  4    partial: some inputs could not be read (each is reported)
  130  interrupted
  replay of one message to smtp:// fails with the code swaks would use:
       2 connect, 6 connection closed, 22 HELO, 23 MAIL, 24 no RCPT accepted,
       26 message refused after DATA, 28 AUTH, 29 TLS
`

// exitError carries an exit code through the error chain.
type exitErr struct {
	code int
	err  error
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

// partialError reports that n inputs could not be read (exit 4).
func partialError(n int) error {
	return &exitErr{code: exitPartial, err: fmt.Errorf("%d input(s) could not be read; see the records with an error", n)}
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
		b, _ := json.Marshal(map[string]any{"type": model.TypeError, "schema": model.SchemaVersion, "error": err.Error(), "exit_code": exitCode(context.Background(), err)})
		fmt.Fprintf(g.stderr, "%s\n", b)
		return
	}
	fmt.Fprintf(g.stderr, "imsforensic: %v\n", err)
}
