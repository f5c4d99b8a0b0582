package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newScanCommand() *command {
	return &command{
		name:  "scan",
		usage: "scan",
		short: "(not built yet)",
		flags: newFlagSet("scan"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("scan: not built yet")
		},
	}
}
