package bisect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// ProbeTester runs a command on a folder that holds a copy of the group:
// exit status 0 means the target took the group, anything else that it
// crashed. The command is run by the shell (sh -c, or cmd /C on Windows)
// with every {} replaced by the folder's path, quoted. Inputs are never
// touched: the files are copied, under IN/ and OUT/ subfolders by queue,
// into a new temporary folder removed after the round.
type ProbeTester struct {
	Command string
	// TempDir is where the round folders are made ("" = the system's).
	TempDir string
	// Output receives the probe's stdout and stderr (nil discards).
	Output io.Writer
}

// ErrProbePlaceholder is returned for a probe command without {}.
var ErrProbePlaceholder = errors.New("bisect: --probe command needs {} where the folder goes")

// NewProbeTester checks the command.
func NewProbeTester(command string) (*ProbeTester, error) {
	if !strings.Contains(command, "{}") {
		return nil, ErrProbePlaceholder
	}
	return &ProbeTester{Command: command}, nil
}

// OutputDirs is where the round folders are made: bisect.Find refuses it
// among the evidence.
func (p *ProbeTester) OutputDirs() []string {
	if p.TempDir == "" {
		return []string{os.TempDir()}
	}
	return []string{p.TempDir}
}

// Test implements Tester.
func (p *ProbeTester) Test(ctx context.Context, round int, group []*model.Message) (Outcome, error) {
	dir, err := os.MkdirTemp(p.TempDir, fmt.Sprintf("imsforensic-bisect-%03d-", round))
	if err != nil {
		return Outcome{}, fmt.Errorf("probe folder: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := copyGroup(dir, group); err != nil {
		return Outcome{}, err
	}
	cmd := shellCommand(ctx, strings.ReplaceAll(p.Command, "{}", quote(dir)))
	out := p.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	if ctx.Err() != nil {
		return Outcome{}, ctx.Err()
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return Outcome{Sent: len(group)}, nil
	case errors.As(err, &ee):
		return Outcome{Crashed: true, Sent: len(group), Why: fmt.Sprintf("probe exit status %d", ee.ExitCode())}, nil
	}
	return Outcome{}, fmt.Errorf("run probe: %w", err)
}

// copyGroup copies each message file into dir/<queue>/<name>, read-only
// on the source side; a repeated name gets a numeric suffix.
func copyGroup(dir string, group []*model.Message) error {
	used := map[string]bool{}
	for _, m := range group {
		sub := "IN"
		if m.Queue == model.QueueOUT || m.Queue == model.QueueOUTArchive {
			sub = "OUT"
		}
		name := filepath.Base(m.Path)
		dst := filepath.Join(dir, sub, name)
		for i := 2; used[strings.ToLower(dst)]; i++ {
			dst = filepath.Join(dir, sub, fmt.Sprintf("%s.%d", name, i))
		}
		used[strings.ToLower(dst)] = true
		if err := copyFile(m.Path, dst); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("probe folder: %w", err)
	}
	in, err := readonly.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}
