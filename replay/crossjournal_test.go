package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/internal/teststate"
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
	teststate.Set(t, t.TempDir())
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
	teststate.Set(t, t.TempDir())
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
	teststate.Set(t, t.TempDir())
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
	teststate.Set(t, t.TempDir())
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
	// A dry run meanwhile takes no lock and reads the running journal as
	// it is (a snapshot: what is begun is in doubt, what is not yet begun
	// planned); a journal growing while read does not fail it.
	if sum, err := Run(ctx, in, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{filepath.Join(ev, "IN")}, DryRun: true, JournalPath: filepath.Join(filepath.Dir(journal), "dry.jsonl")}, nil); err != nil || sum.Failed != 0 || sum.Planned+sum.Skipped+sum.Refused != 3 {
		t.Errorf("a dry run while the first runs: planned %d, skipped %d, refused %d, failed %d, %v", sum.Planned, sum.Skipped, sum.Refused, sum.Failed, err)
	}
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

// writeTestJournal writes a journal as a replay into target leaves it:
// its header (with addrs), then per message the plan, begin and done
// lines (the done record with the replies a server gives), the message of
// source sha256 sha256(prefix, i). It returns the shas.
func writeTestJournal(t testing.TB, path, target string, addrs []string, prefix string, n int) []string {
	t.Helper()
	h := model.JournalHeader{Type: model.TypeJournal, Schema: model.SchemaVersion, Target: target, Sources: []string{"/evidence/" + prefix}, Version: "test", Time: time.Unix(0, 0).UTC(), Addresses: addrs}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	shas := make([]string, n)
	for i := range n {
		shas[i] = sha([]byte(fmt.Sprintf("%s %d", prefix, i)))
		base := model.ReplayRecord{Type: model.TypeReplay, Schema: model.SchemaVersion, Path: fmt.Sprintf("/evidence/%s/IN/M%07d", prefix, i),
			Target: target, Dest: "10.0.0.5:25", SHA256Before: shas[i], Time: time.Unix(int64(i), 0).UTC()}
		plan, begin, done := base, base, base
		plan.Action, plan.Result = model.ActionPlan, model.ResultPlanned
		begin.Action, begin.Result = model.ActionSend, model.ResultBegin
		done.Action, done.Result, done.SHA256Before, done.SHA256After, done.Bytes = model.ActionSend, model.ResultOK, sha([]byte(shas[i])), sha([]byte(shas[i])), 2048
		done.Reason = "envid=imsf-" + shas[i][:32]
		done.Replies = []model.SMTPReply{{Command: "MAIL", Code: 250, EnhancedCode: "2.1.0", Text: "OK"}, {Command: "RCPT <b@example.com>", Code: 250, EnhancedCode: "2.1.5", Text: "OK"}, {Command: "DATA", Code: 250, EnhancedCode: "2.0.0", Text: "OK: queued as " + shas[i][:12]}}
		for _, r := range []model.ReplayRecord{plan, begin, done} {
			if b, err = r.AppendJSON(b); err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return shas
}

// TestOtherJournalsReadsOnlyThisServers: of the state folder's journals,
// only the first line of those of other servers (another port, another
// address, a folder target) is read; those of this server (by their
// recorded address, an old journal's host resolved now, or the first
// record's target of a journal without a header) are read once,
// whole, and what they delivered is known by its source sha256, bound to
// the journal; a journal beside a --journal given elsewhere counts too.
func TestOtherJournalsReadsOnlyThisServers(t *testing.T) {
	state := t.TempDir()
	teststate.Set(t, state)
	dir, err := StateDir()
	if err != nil {
		t.Fatal(err)
	}
	mustMkdir(t, dir)
	r := hostsResolver{"mail.corp.example": {"10.0.0.5"}, "mx.other.example": {"10.0.0.9"}}
	target := identityTarget(t, "smtp://mail.corp.example:25", r)
	j := func(name string) string { return filepath.Join(dir, name) }
	ours := writeTestJournal(t, j("replay-smtp-10.0.0.5-25-aaaaaaaaaaaa.jsonl"), "smtp://10.0.0.5", []string{"10.0.0.5:25"}, "a", 20)
	old := writeTestJournal(t, j("replay-smtp-mail.corp.example-25-bbbbbbbbbbbb.jsonl"), "smtp://MAIL.corp.example:25", nil, "b", 20)
	theirs := writeTestJournal(t, j("replay-smtp-mx.other.example-25-cccccccccccc.jsonl"), "smtp://mx.other.example", []string{"10.0.0.9:25"}, "c", 20)
	port := writeTestJournal(t, j("replay-smtp-10.0.0.5-2525-dddddddddddd.jsonl"), "smtp://10.0.0.5:2525", []string{"10.0.0.5:2525"}, "d", 20)
	writeTestJournal(t, j("replay-pickup-Pickup-eeeeeeeeeeee.jsonl"), "pickup:/x/Pickup", nil, "e", 20)
	// A journal whose header was lost (or written before headers): its
	// first record names the target.
	headless := j("replay-smtp-mail.corp.example-25-gggggggggggg.jsonl")
	lost := writeTestJournal(t, headless, "smtp://mail.corp.example", nil, "g", 20)
	b, _ := os.ReadFile(headless)
	if err := os.WriteFile(headless, b[bytes.IndexByte(b, '\n')+1:], 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	beside := writeTestJournal(t, filepath.Join(elsewhere, "monday.jsonl"), "smtp://10.0.0.5:25", []string{"10.0.0.5:25"}, "f", 20)

	o, err := readOtherJournals(target, filepath.Join(elsewhere, "tuesday.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if want := 4*(1+3*20) - 1; o.seen != 6 || len(o.paths) != 4 || o.lines != want {
		t.Errorf("looked at %d journals, read %d (%v), %d lines; want 6, 4, %d", o.seen, len(o.paths), o.paths, o.lines, want)
	}
	for _, c := range []struct {
		shas []string
		want msgState
	}{{ours, stateWritten}, {old, stateWritten}, {lost, stateWritten}, {beside, stateWritten}, {theirs, stateNone}, {port, stateNone}} {
		for _, s := range c.shas {
			if st, _ := o.lookup(s); st != c.want {
				t.Fatalf("%s: %v, want %v", s, st, c.want)
			}
		}
	}
	if _, p := o.lookup(beside[3]); p != filepath.Join(elsewhere, "monday.jsonl") {
		t.Errorf("the message is bound to %s", p)
	}
	if len(o.done) != 80 || len(o.doubt) != 0 {
		t.Errorf("holds %d delivered and %d in doubt, want 80 and 0", len(o.done), len(o.doubt))
	}
}

// BenchmarkOtherJournals is the cost docs/robustness.md states: a state
// folder of IMSF_XJ_JOURNALS journals (50) of IMSF_XJ_MESSAGES messages
// (2,000) each, to this server ("this-server") or to another one
// ("other-server", first lines only), against reading one journal of the
// same lines as a resume does ("own-journal").
//
//	go test ./replay -run '^$' -bench OtherJournals -benchmem -count 5
func BenchmarkOtherJournals(b *testing.B) {
	journals, msgs := envInt("IMSF_XJ_JOURNALS", 50), envInt("IMSF_XJ_MESSAGES", 2000)
	state := b.TempDir()
	teststate.Set(b, state)
	dir := filepath.Join(state, "imsforensic")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range journals {
		writeTestJournal(b, filepath.Join(dir, fmt.Sprintf("replay-smtp-10.0.0.5-25-%012d.jsonl", i)), "smtp://10.0.0.5", []string{"10.0.0.5:25"}, fmt.Sprintf("j%d", i), msgs)
	}
	var size int64
	var whole []byte
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		p, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		size += int64(len(p))
		whole = append(whole, p[bytes.IndexByte(p, '\n')+1:]...)
	}
	own := filepath.Join(b.TempDir(), "own.jsonl")
	if err := os.WriteFile(own, append([]byte(`{"type":"journal","schema":1,"target":"smtp://10.0.0.5","sources":[],"version":"t"}`+"\n"), whole...), 0o644); err != nil {
		b.Fatal(err)
	}
	run := func(name string, target string) {
		b.Run(name, func(b *testing.B) {
			tg, err := NewSMTPTarget(target, SMTPOptions{Resolver: hostsResolver{}})
			if err != nil {
				b.Fatal(err)
			}
			defer tg.Close()
			b.SetBytes(size)
			// What the result holds, measured once outside the timing.
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			o, err := readOtherJournals(tg, filepath.Join(dir, "own.jsonl"))
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			held := after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
			if want := 0; name == "this-server" && len(o.done) != journals*msgs || name != "this-server" && len(o.done) != want {
				b.Fatalf("%d delivered known", len(o.done))
			}
			runtime.KeepAlive(o)
			for b.Loop() {
				if _, err := readOtherJournals(tg, filepath.Join(dir, "own.jsonl")); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(held), "held-B")
		})
	}
	run("this-server", "smtp://10.0.0.5:25")
	run("other-server", "smtp://10.0.0.6:25")
	b.Run("own-journal", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := readJournal(own, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestCopiesAmongOneRunsSourcesSendOnce: `replay TempIMS COPY --to
// smtp://S` (the queue and a copy of it in one run, concurrency 2, as a
// stream): each message is sent once, its copy skipped naming the file
// sent; a rerun skips both, the copy as delivered from a file of the same
// content by this journal.
func TestCopiesAmongOneRunsSourcesSendOnce(t *testing.T) {
	teststate.Set(t, t.TempDir())
	ctx := context.Background()
	ev, all, _ := crossQueue(t, 3)
	copyDir := filepath.Join(t.TempDir(), "copy")
	both := append(append([]*model.Message(nil), all...), copyQueue(t, all, ev, copyDir)...)
	s := startTestSink(t)
	stream := func(yield func(*model.Message) error) error {
		for _, m := range both {
			if err := yield(m); err != nil {
				return err
			}
		}
		return nil
	}
	var recs recordsOf
	sum, err := RunEach(ctx, stream, loopbackTarget(t, s, SMTPOptions{Concurrency: 2}), Options{Sources: []string{ev, copyDir}, Concurrency: 2}, recs.out)
	if err != nil || sum.Written != 4 || sum.Skipped != 4 || recs.count(model.ResultSkipped, "same content as "+ev) != 4 {
		t.Fatalf("replay TempIMS COPY: written %d, skipped %d, %v\n%+v", sum.Written, sum.Skipped, err, recs.recs)
	}
	sum, err = Run(ctx, both, loopbackTarget(t, s, SMTPOptions{}), Options{Sources: []string{ev, copyDir}}, nil)
	if err != nil || sum.Written != 0 || sum.Skipped != 8 || sum.Reasons[model.OutcomeSkipped][reasonSameInRun] != 4 {
		t.Errorf("rerun: written %d, skipped %d, %v: %v", sum.Written, sum.Skipped, err, sum.Reasons)
	}
	if st := s.Stats(); st.Stored != 4 || st.Duplicates != 0 {
		t.Errorf("the sink stored %d, duplicates %d; want 4, 0", st.Stored, st.Duplicates)
	}
}
