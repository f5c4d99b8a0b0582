//go:build !windows

package bisect

import (
	"context"
	"os/exec"
	"strings"
)

// shellCommand runs line with sh -c.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	return exec.CommandContext(ctx, "sh", "-c", line)
}

// quote makes a path one shell word: in single quotes, each quote inside
// closed, escaped and opened again.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
