package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newShowCommand() *command {
	return &command{
		name:  "show",
		usage: "show",
		short: "(not built yet)",
		flags: newFlagSet("show"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("show: not built yet")
		},
	}
}
