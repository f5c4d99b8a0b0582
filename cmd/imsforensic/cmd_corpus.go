package main

import (
	"context"
	"errors"
)

// PLACEHOLDER: replaced by the real command.
func newCorpusCommand() *command {
	return &command{
		name:  "corpus",
		usage: "corpus",
		short: "(not built yet)",
		flags: newFlagSet("corpus"),
		run: func(ctx context.Context, g *globals, args []string) error {
			return errors.New("corpus: not built yet")
		},
	}
}
