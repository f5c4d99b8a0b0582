package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newReplayCommand() *command {
	return &command{
		name:  "replay",
		usage: "replay",
		short: "(not built yet)",
		flags: newFlagSet("replay"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("replay: not built yet")
		},
	}
}
