package bisect

import (
	"context"
	"os"
	"os/exec"
	"syscall"
)

// shellCommand runs line with cmd /S /C "line", the command line given
// as written. cmd.exe does not split its command line as the C runtime
// does: Go's quoting of an argument that holds a quote (each " as \", for
// CommandLineToArgvW) reached it as `\"C:\...\"`, so the {} of a probe
// such as `check.cmd {}` became a folder name that is not one, and every
// round "crashed" with cmd's exit status 9009 (TestProbeQuotesTheFolder).
// With /S cmd strips the outer pair of quotes and runs the rest as is
// (cmd /?).
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	shell := os.Getenv("ComSpec")
	if shell == "" {
		shell = "cmd.exe"
	}
	cmd := exec.CommandContext(ctx, shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd /S /C "` + line + `"`}
	return cmd
}

// quote makes a path one cmd word: in double quotes, which cannot occur
// in a Windows path.
func quote(s string) string { return `"` + s + `"` }
