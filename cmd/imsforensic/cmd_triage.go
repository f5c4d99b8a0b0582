package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newTriageCommand() *command {
	return &command{
		name:  "triage",
		usage: "triage",
		short: "(not built yet)",
		flags: newFlagSet("triage"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("triage: not built yet")
		},
	}
}
