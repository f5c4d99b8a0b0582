package replay

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// crossQueue is a TempIMS folder with n messages in IN and one in OUT,
// each of its own content, and the messages of IN alone.
func crossQueue(t *testing.T, n int) (ev string, all, in []*model.Message) {
	t.Helper()
	ev = filepath.Join(t.TempDir(), "TempIMS")
	mustMkdir(t, filepath.Join(ev, "IN"))
	mustMkdir(t, filepath.Join(ev, "OUT"))
	for i := range n {
		all = append(all, smtpSpool(t, filepath.Join(ev, "IN"), fmt.Sprintf("M%07d", i), fmt.Sprintf("Subject: %d\r\n\r\ninbound\r\n", i), "a@example.com", "b@example.com"))
	}
	in = append(in, all...)
	all = append(all, smtpSpool(t, filepath.Join(ev, "OUT"), "O0000001", "Subject: out\r\n\r\noutbound\r\n", "b@example.com", "a@example.com"))
	return ev, all, in
}

// copyQueue copies the message files to another folder, as an admin's
// copy of the queue: the same bytes under other paths.
func copyQueue(t *testing.T, msgs []*model.Message, from, to string) []*model.Message {
	t.Helper()
	var out []*model.Message
	for _, m := range msgs {
		rel, err := filepath.Rel(from, m.Path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(m.Path)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(to, rel)
		mustMkdir(t, filepath.Dir(p))
		if err := os.WriteFile(p, b, 0o444); err != nil {
			t.Fatal(err)
		}
		c := *m
		c.Path = p
		out = append(out, &c)
	}
	return out
}

func loopbackTarget(t *testing.T, s *smtpsink.Sink, opts SMTPOptions) *SMTPTarget {
	t.Helper()
	opts.Timeout = 5 * time.Second
	st, err := NewSMTPTarget("smtp://"+s.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// replayAll is the first replay, of the whole queue ev, into the sink.
func replayAll(t *testing.T, s *smtpsink.Sink, ev string, all []*model.Message) model.ReplaySummary {
	t.Helper()
	sum, err := Run(context.Background(), all, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{ev}}, nil)
	if err != nil || sum.Written != len(all) {
		t.Fatalf("replay TempIMS: written %d of %d, %v: %+v", sum.Written, len(all), err, sum)
	}
	return sum
}

// recordsOf collects a run's records.
type recordsOf struct{ recs []model.ReplayRecord }

func (r *recordsOf) out(rec model.ReplayRecord) { r.recs = append(r.recs, rec) }

// count is how many records have the result and a reason containing s.
func (r *recordsOf) count(res model.ReplayResult, s string) int {
	n := 0
	for _, rec := range r.recs {
		if rec.Result == res && strings.Contains(rec.Reason, s) {
			n++
		}
	}
	return n
}

// TestOtherSourcesOfOneServerSendEachMessageOnce: `replay TempIMS --to
// smtp://S`, then `replay TempIMS/IN --to smtp://S` (other sources, so a
// journal of its own), then the same files copied to another folder, then
// the IN files named one by one: each message reaches the server once;
// the later runs skip them, each record naming the journal that delivered
// it, counted in the summary, and a dry run shows the same skips.
// --send-again sends them again, on purpose. It sent every message of IN
// twice before: only journals of the same sources were looked at.
func TestOtherSourcesOfOneServerSendEachMessageOnce(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx := context.Background()
	ev, all, in := crossQueue(t, 3)
	s := startTestSink(t)

	first := replayAll(t, s, ev, all)
	before, _ := os.ReadFile(first.Journal)

	inDir := filepath.Join(ev, "IN")
	var dry recordsOf
	sum, err := Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{inDir}, DryRun: true}, dry.out)
	if err != nil || sum.Planned != 0 || sum.Skipped != 3 || dry.count(model.ResultSkipped, "already delivered to this server, journal "+first.Journal) != 3 {
		t.Errorf("--dry-run of TempIMS/IN: planned %d, skipped %d, %v; records %+v", sum.Planned, sum.Skipped, err, dry.recs)
	}

	var recs recordsOf
	sum, err = Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{inDir}}, recs.out)
	if err != nil || sum.Written != 0 || sum.Skipped != 3 || sum.Journal == first.Journal {
		t.Fatalf("replay TempIMS/IN: written %d, skipped %d, journal %s, %v", sum.Written, sum.Skipped, sum.Journal, err)
	}
	if n := sum.Reasons[model.OutcomeSkipped][reasonDeliveredElsewhere]; n != 3 {
		t.Errorf("the summary counts %d as %q, want 3: %v", n, reasonDeliveredElsewhere, sum.Reasons)
	}
	if n := recs.count(model.ResultSkipped, first.Journal); n != 3 {
		t.Errorf("%d skip records name %s, want 3", n, first.Journal)
	}
	// Its own journal records the skips, which count as nothing sent.
	if n := strings.Count(readFile(t, sum.Journal), "already delivered to this server"); n != 3 {
		t.Errorf("the second journal records %d skips, want 3", n)
	}

	copyDir := filepath.Join(t.TempDir(), "copy of TempIMS")
	copied := copyQueue(t, all, ev, copyDir)
	sum, err = Run(ctx, copied, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{copyDir}}, nil)
	if err != nil || sum.Written != 0 || sum.Skipped != 4 {
		t.Errorf("replay of a copy of the queue: written %d, skipped %d, %v; want 0, 4", sum.Written, sum.Skipped, err)
	}

	// The same files selected by name: other sources again.
	var named []string
	for _, m := range in {
		named = append(named, m.Path)
	}
	sum, err = Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: named}, nil)
	if err != nil || sum.Written != 0 || sum.Skipped != 3 {
		t.Errorf("replay of the IN files by name: written %d, skipped %d, %v; want 0, 3", sum.Written, sum.Skipped, err)
	}
	if st := s.Stats(); st.Stored != 4 || st.Duplicates != 0 {
		t.Fatalf("the sink stored %d, duplicates %d; want 4, 0", st.Stored, st.Duplicates)
	}
	if after, _ := os.ReadFile(first.Journal); !bytes.Equal(before, after) {
		t.Errorf("the first journal changed when other runs read it")
	}

	sum, err = Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{inDir}, SendAgain: true}, nil)
	if err != nil || sum.Written != 3 {
		t.Errorf("--send-again: written %d, %v; want 3", sum.Written, err)
	}
	// The sink acknowledges a repeated ENVID and sha256 without storing it
	// again: it counts them, as any other server would store them.
	if st := s.Stats(); st.Stored != 4 || st.Duplicates != 3 {
		t.Errorf("after --send-again the sink stored %d, duplicates %d; want 4, 3 (each IN message twice, on purpose)", st.Stored, st.Duplicates)
	}
}

// TestAnotherServersJournalSuppressesNothing: a journal of another server
// (another port of the loopback, a name with another address, a folder
// target) does not stop a message being sent to this one.
func TestAnotherServersJournalSuppressesNothing(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx := context.Background()
	ev, all, _ := crossQueue(t, 2)
	a, b := startTestSink(t), startTestSink(t)
	if sum, err := Run(ctx, all, loopbackTarget(t, a, SMTPOptions{}), Options{Sources: []string{ev}}, nil); err != nil || sum.Written != 3 {
		t.Fatalf("replay to the first sink: written %d, %v", sum.Written, err)
	}
	pickup := filepath.Join(t.TempDir(), "Pickup")
	mustMkdir(t, pickup)
	pt, err := NewPickupTarget(pickup, PickupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := Run(ctx, all, pt, Options{Sources: []string{ev}}, nil); err != nil || sum.Written != 3 {
		t.Fatalf("replay to a Pickup folder: written %d, %v", sum.Written, err)
	}
	pt.Close()
	// A name that resolves to another address of the same port.
	host := localAddr(t)
	if host != "127.0.0.1" {
		_, port, _ := net.SplitHostPort(b.Addr().String())
		sinktest.StartOn(t, smtpsink.Config{Store: t.TempDir(), AllowNonLoopback: true}, net.JoinHostPort(host, port))
		r := hostsResolver{"mail.corp.example": {host}}
		if sum, err := Run(ctx, all, identityTarget(t, "smtp://mail.corp.example:"+port, r), Options{Sources: []string{ev}}, nil); err != nil || sum.Written != 3 {
			t.Fatalf("replay to mail.corp.example: written %d, %v", sum.Written, err)
		}
	}
	copyDir := filepath.Join(t.TempDir(), "copy")
	sum, err := Run(ctx, copyQueue(t, all, ev, copyDir), loopbackTarget(t, b, SMTPOptions{}), Options{Sources: []string{copyDir}}, nil)
	if err != nil || sum.Written != 3 || sum.Skipped != 0 {
		t.Errorf("replay to the second sink: written %d, skipped %d, %v; want 3, 0", sum.Written, sum.Skipped, err)
	}
	if st := b.Stats(); st.Stored != 3 {
		t.Errorf("the second sink stored %d, want 3", st.Stored)
	}
}

// TestInDoubtInAnotherJournal: a run killed between a begin and its done
// record (its journal ends with the begin and a torn line) leaves that
// message in doubt: a replay of other sources refuses it, naming that
// journal, as a rerun of that journal refuses its own (the summary counts
// it refused; it stays so after the rerun of the killed journal refused
// it in turn); with --resend-in-doubt it is sent with the same ENVID (the
// sink acknowledges it without storing it twice). The other messages are
// skipped as delivered.
func TestInDoubtInAnotherJournal(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx := context.Background()
	ev, all, in := crossQueue(t, 3)
	s := startTestSink(t)
	first := replayAll(t, s, ev, all)
	// As a kill leaves it: M0000001's done record never reached the disk,
	// and the last line is torn.
	var kept []string
	for _, line := range strings.SplitAfter(readFile(t, first.Journal), "\n") {
		if strings.Contains(line, "M0000001") && strings.Contains(line, `"result":"ok"`) {
			continue
		}
		kept = append(kept, line)
	}
	killed := strings.Join(kept, "") + `{"type":"replay","schema":1,"path":"` + ev + `/IN/M00`
	if err := os.WriteFile(first.Journal, []byte(killed), 0o644); err != nil {
		t.Fatal(err)
	}

	inDir := filepath.Join(ev, "IN")
	var recs recordsOf
	sum, err := Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{inDir}}, recs.out)
	if err != nil || sum.Written != 0 || sum.Skipped != 2 || sum.Refused != 1 {
		t.Fatalf("replay TempIMS/IN: written %d, skipped %d, refused %d, %v; want 0, 2, 1", sum.Written, sum.Skipped, sum.Refused, err)
	}
	if recs.count(model.ResultRefused, "in doubt in journal "+first.Journal) != 1 || sum.Reasons[model.OutcomeRefused][reasonInDoubtElsewhere] != 1 {
		t.Errorf("the refusal does not name the journal, or is not counted: %v\n%+v", sum.Reasons, recs.recs)
	}
	if got := readFile(t, first.Journal); got != killed {
		t.Errorf("reading the killed run's journal changed it")
	}

	// The killed journal's own rerun refuses it (outcome unknown): still
	// in doubt for the others.
	if sum, err := Run(ctx, all, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{ev}}, nil); err != nil || sum.Refused != 1 || sum.Skipped != 3 {
		t.Fatalf("rerun of TempIMS: refused %d, skipped %d, %v; want 1, 3", sum.Refused, sum.Skipped, err)
	}
	if sum, err := Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{inDir}}, nil); err != nil || sum.Refused != 1 || sum.Written != 0 {
		t.Errorf("replay TempIMS/IN after the rerun: refused %d, written %d, %v; want 1, 0", sum.Refused, sum.Written, err)
	}
	if st := s.Stats(); st.Stored != 4 || st.Duplicates != 0 {
		t.Fatalf("the sink stored %d, duplicates %d; want 4, 0", st.Stored, st.Duplicates)
	}

	recs = recordsOf{}
	sum, err = Run(ctx, in, loopbackTarget(t, s, SMTPOptions{ResendInDoubt: true}), Options{Sources: []string{inDir}}, recs.out)
	if err != nil || sum.Written != 1 || sum.Skipped != 2 {
		t.Errorf("--resend-in-doubt: written %d, skipped %d, %v; want 1, 2", sum.Written, sum.Skipped, err)
	}
	if recs.count(model.ResultPlanned, "sent again (--resend-in-doubt, same ENVID)") != 1 {
		t.Errorf("the plan line does not say why it is sent: %+v", recs.recs)
	}
	if st := s.Stats(); st.Stored != 4 || st.Duplicates != 1 {
		t.Errorf("after --resend-in-doubt the sink stored %d, duplicates %d; want 4 and the one ENVID repeat", st.Stored, st.Duplicates)
	}
	// Now delivered by the IN journal: a fourth run skips all three.
	if sum, err := Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{inDir}, JournalPath: filepath.Join(t.TempDir(), "j.jsonl")}, nil); err != nil || sum.Skipped != 3 {
		t.Errorf("a later run: skipped %d, %v; want 3", sum.Skipped, err)
	}
}

// TestOtherSourcesAtOnceWaitAndSkip: a replay of TempIMS/IN started while
// a replay of TempIMS into the same server runs (--wait) takes the
// server's lock when the first ends and only then reads its journal: it
// sends nothing twice.
func TestOtherSourcesAtOnceWaitAndSkip(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx := context.Background()
	ev, all, in := crossQueue(t, 3)
	s := startTestSink(t, func(c *smtpsink.Config) {
		c.Faults = []smtpsink.Fault{smtpFault(t, smtpsink.ParseDelay, `DATA:300ms*1`)}
	})
	journal := filepath.Join(t.TempDir(), "first.jsonl")
	done := make(chan error, 1)
	go func() {
		sum, err := Run(ctx, all, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{ev}, JournalPath: journal}, nil)
		if err == nil && sum.Written != 4 {
			err = fmt.Errorf("written %d, want 4", sum.Written)
		}
		done <- err
	}()
	awaitBegin(t, journal)
	sum, err := Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{filepath.Join(ev, "IN")}, JournalPath: filepath.Join(filepath.Dir(journal), "second.jsonl"), Wait: true}, nil)
	if err != nil || sum.Written != 0 || sum.Skipped != 3 {
		t.Errorf("the second run: written %d, skipped %d, %v; want 0, 3", sum.Written, sum.Skipped, err)
	}
	if err := <-done; err != nil {
		t.Errorf("the first run: %v", err)
	}
	if st := s.Stats(); st.Stored != 4 || st.Duplicates != 0 {
		t.Errorf("the sink stored %d, duplicates %d; want 4, 0", st.Stored, st.Duplicates)
	}
}

// awaitBegin waits until a running replay has journaled its first begin
// record: it holds its locks from before that.
func awaitBegin(t *testing.T, journal string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if b, _ := os.ReadFile(journal); bytes.Contains(b, []byte(`"result":"begin"`)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run did not begin a send")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
