package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newSimulateCommand() *command {
	return &command{
		name:  "simulate",
		usage: "simulate",
		short: "(not built yet)",
		flags: newFlagSet("simulate"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("simulate: not built yet")
		},
	}
}
