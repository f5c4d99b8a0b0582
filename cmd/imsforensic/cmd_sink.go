package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newSinkCommand() *command {
	return &command{
		name:  "sink",
		usage: "sink",
		short: "(not built yet)",
		flags: newFlagSet("sink"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("sink: not built yet")
		},
	}
}
