package bisect

import (
	"context"
	"fmt"
	"time"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay"
)

// SMTPTester replays each message of a group, in order, through the
// replay package's smtp:// target (the envelope's MAIL FROM and RCPT TO,
// the RFC 822 part byte-exact apart from dot stuffing).
//
// The target crashed when:
//   - a connection is lost once DATA started (a store dying under the
//     server; the imsforensic sink in --emulate ims drops it there);
//   - DATA is refused with 554 (the sink's answer once a message dropped
//     PoisonThreshold connections: it is listed as poison; counting it as
//     a crash keeps the answer the same in every round, so one sink can
//     serve the whole bisection);
//   - the server does not answer at all (connection refused), during the
//     group or at the health check after it.
//
// The rest of a group is not sent after a crash: a dead server takes
// nothing more. A message the target cannot send (no recipient, bare LF)
// is skipped and cannot be a culprit; SkippedPaths lists them.
type SMTPTester struct {
	target *replay.SMTPTarget
	// Settle is how long to wait after a group before the health check,
	// for servers that crash after accepting a message (0 = none).
	Settle time.Duration
	// OnRecord, when set, receives every replay record (for a transcript).
	OnRecord func(model.ReplayRecord)

	skipped map[string]bool
}

// NewSMTPTester parses the smtp:// URL; it connects at the first test.
func NewSMTPTester(rawURL string, timeout time.Duration) (*SMTPTester, error) {
	t, err := replay.NewSMTPTarget(rawURL, replay.SMTPOptions{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("bisect: %w", err)
	}
	return &SMTPTester{target: t, skipped: map[string]bool{}}, nil
}

// Close releases the connections.
func (s *SMTPTester) Close() error { return s.target.Close() }

// SkippedPaths are the messages that could not be sent.
func (s *SMTPTester) SkippedPaths() []string {
	out := make([]string, 0, len(s.skipped))
	for p := range s.skipped {
		out = append(out, p)
	}
	return out
}

// Test implements Tester.
func (s *SMTPTester) Test(ctx context.Context, round int, group []*model.Message) (Outcome, error) {
	var out Outcome
	for i, m := range group {
		rec, err := s.target.Deliver(ctx, &replay.Item{Msg: m})
		if s.OnRecord != nil {
			s.OnRecord(rec)
		}
		if err != nil {
			return out, fmt.Errorf("send %s: %w", m.Name, err)
		}
		if rec.Result == model.ResultRefused {
			s.skipped[m.Path] = true
			continue
		}
		out.Sent++
		if crashed, named, why := crashOf(rec); crashed {
			out.Crashed, out.Why = true, why+" ("+m.Name+")"
			if named && s.Settle == 0 {
				out.At = i + 1
			}
			return out, nil
		}
	}
	if s.Settle > 0 {
		select {
		case <-time.After(s.Settle):
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	if err := s.target.Prepare(ctx); err != nil {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		out.Crashed, out.Why = true, "health check after the group: "+err.Error()
	}
	return out, nil
}

// NamesCulprit implements Namer: a server that drops the connection or
// answers 554 during one message's DATA died on that message, unless it
// is one that crashes some time after accepting (Settle > 0).
func (s *SMTPTester) NamesCulprit() bool { return s.Settle == 0 }

// crashOf reads a replay record: did the server die on this message, and
// was it this message's DATA it died on (named), rather than a server
// already dead when the message came (no answer at all)?
func crashOf(rec model.ReplayRecord) (crashed, named bool, why string) {
	if rec.Result == model.ResultOK {
		return false, false, ""
	}
	spoke := false
	for _, r := range rec.Replies {
		switch {
		case r.Command == "DATA" && r.Code == 0:
			return true, true, "connection dropped during DATA"
		case r.Command == "DATA" && r.Code == 554:
			return true, true, fmt.Sprintf("554 %s on DATA: %s", r.EnhancedCode, r.Text)
		}
		if r.Code != 0 {
			spoke = true
		}
	}
	if !spoke {
		return true, false, "no answer from the server: " + rec.Reason
	}
	return false, false, ""
}
