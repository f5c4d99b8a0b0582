package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newBisectCommand() *command {
	return &command{
		name:  "bisect",
		usage: "bisect",
		short: "(not built yet)",
		flags: newFlagSet("bisect"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("bisect: not built yet")
		},
	}
}
