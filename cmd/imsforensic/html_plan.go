package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay"
	"github.com/imsforensic/imsforensic/report"
)

// planFlags say which replay target the HTML report's plan is for.
type planFlags struct {
	to   string
	spec replay.TargetSpec
}

func (p *planFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.to, "plan-to", "", "--html: the replay target the report's plan is for (imcdata:DIR, pickup:DIR, replay-dir:DIR, smtp://host:port): the plan is a dry run of replay against it, and the command carries --queue-dat rename when DIR holds a Queue.dat")
}

func (p *planFlags) validate() error {
	if p.to == "" {
		return nil
	}
	spec, err := replay.ParseTarget(p.to)
	if err != nil {
		return usageError(fmt.Errorf("--plan-to: %w", err))
	}
	p.spec = spec
	return nil
}

// plan asks replay's own planner for the report's plan: a dry run against
// --plan-to (which reads the target but writes nothing, not even the
// journal), or without a target replay.Preview, the same hold-back rule.
// The command is the replay command line that carries the plan out.
func (p *planFlags) plan(ctx context.Context, g *globals, inputs []string, sel *selectFlags, ms []*model.Message) (report.HTMLPlanInput, error) {
	cmd := []string{"imsforensic", "replay"}
	for _, in := range inputs {
		cmd = append(cmd, shellQuote(in))
	}
	if sel.expr != "" {
		cmd = append(cmd, "--select", shellQuote(sel.expr))
	}
	if p.to == "" {
		cmd = append(cmd, "--to", `imcdata:DIR`)
		return report.HTMLPlanInput{Records: replay.Preview(ms, replay.Options{}), Command: strings.Join(cmd, " ") +
			"   (DIR = the live Imcdata folder; add --queue-dat rename if DIR\\Queue.dat exists)"}, nil
	}
	target, err := newReplayTarget(&replayOptions{to: p.to, spec: p.spec}, g)
	if err != nil {
		return report.HTMLPlanInput{}, fmt.Errorf("--plan-to: %w", err)
	}
	defer target.Close()
	in := report.HTMLPlanInput{Target: p.to}
	// The sources and names the replay command below would give: its dry
	// run reads the journal that command would resume, so a message it
	// already delivered shows as skipped.
	ro := replay.Options{DryRun: true, Sources: inputs, Named: sel.names()}
	cmd = append(cmd, "--to", shellQuote(p.to))
	if p.spec.Scheme == replay.SchemeImcdata && hasFileFold(p.spec.Path, "Queue.dat") {
		// The IMS rebuilt Queue.dat when it last started: replay refuses
		// the target until it is renamed (KB Q312443), so the command, and
		// the dry run that shows its plan, carry --queue-dat rename.
		in.QueueDat = true
		ro.QueueDat = replay.QueueDatRename
		cmd = append(cmd, "--queue-dat", "rename")
	}
	note := ""
	_, err = replay.Run(ctx, ms, target, ro, func(r model.ReplayRecord) { in.Records = append(in.Records, r) })
	if errors.Is(err, replay.ErrOtherSpelling) {
		// The command would refuse, naming the journal that reached this
		// server under another name; the report still shows the plan, from
		// zero, and says what the command needs.
		in.Records = nil
		ro.SendAgain = true
		note = "   (these sources were replayed to this server under another name: the command refuses until given --journal FILE, the journal it names, to resume that replay, or --send-again)"
		_, err = replay.Run(ctx, ms, target, ro, func(r model.ReplayRecord) { in.Records = append(in.Records, r) })
	}
	if err != nil {
		return report.HTMLPlanInput{}, fmt.Errorf("--plan-to: dry run of replay: %w", err)
	}
	in.Command = strings.Join(cmd, " ") + note
	return in, nil
}

// hasFileFold reports whether dir holds name, in any case (NTFS).
func hasFileFold(dir, name string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if strings.EqualFold(e.Name(), name) {
			return true
		}
	}
	return false
}

// shellQuote quotes s for a command line when it holds anything but
// plain path characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(`/\:._-+=@,`, r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
