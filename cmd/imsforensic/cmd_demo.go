package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newDemoCommand() *command {
	return &command{
		name:  "demo",
		usage: "demo",
		short: "(not built yet)",
		flags: newFlagSet("demo"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("demo: not built yet")
		},
	}
}
