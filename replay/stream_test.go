package replay

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// streamCase writes messages of every kind a plan tells apart: clean
// ones (sent), crash-class suspects (held), suspects named with
// --include-suspects (sent), bare LF (refused) and no recipient
// (refused).
func streamCase(t *testing.T, dir string) (msgs []*model.Message, named []string) {
	t.Helper()
	for i := range 90 {
		name := fmt.Sprintf("%08X.TMP", i)
		body := fmt.Sprintf("From: a@example.com\r\nTo: b@example.com\r\nSubject: %d\r\n\r\n.dot\r\nline %d\r\n", i, i)
		to := []string{fmt.Sprintf("b%d@example.com", i)}
		switch i % 6 {
		case 3:
			body = strings.ReplaceAll(body, "\r\n", "\n")
		case 4:
			to = nil
		}
		m := smtpSpool(t, dir, name, body, "a@example.com", to...)
		if i%5 == 1 {
			m.Findings = []model.Finding{{Rule: "dupe-rcpt-crash", Class: model.ClassCrash}}
			if i%10 == 1 {
				named = append(named, name)
			}
		}
		msgs = append(msgs, m)
	}
	return msgs, named
}

// outcomes is each message's last record: plan lines for those not
// delivered, the done record for those that were.
func outcomes(recs []model.ReplayRecord) map[string]string {
	out := map[string]string{}
	for _, r := range recs {
		if r.Path != "" && r.Result != model.ResultBegin {
			out[filepath.Base(r.Path)] = string(r.Action) + " " + string(r.Result)
		}
	}
	return out
}

// TestRunEachStreamedPlanMatchesWholeList: a streamed run (RunEach into
// SMTP, messages in another order than the path sort) holds, refuses and
// sends the same messages as Run's whole-list plan, each sent once and
// byte for byte; a streamed dry run prints Run's dry-run plan.
func TestRunEachStreamedPlanMatchesWholeList(t *testing.T) {
	dir := t.TempDir()
	msgs, named := streamCase(t, dir)
	reversed := slices.Clone(msgs)
	slices.Reverse(reversed)
	stream := func(yield func(*model.Message) error) error {
		for _, m := range reversed {
			if err := yield(m); err != nil {
				return err
			}
		}
		return nil
	}
	run := func(streamed, dry bool) ([]model.ReplayRecord, model.ReplaySummary, string) {
		s := startTestSink(t)
		tg, err := NewSMTPTarget("smtp://"+s.Addr().String(), SMTPOptions{Concurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer tg.Close()
		opts := Options{JournalPath: filepath.Join(t.TempDir(), "j.jsonl"), Sources: []string{dir}, Named: named,
			IncludeSuspects: true, Concurrency: 4, DryRun: dry}
		var recs []model.ReplayRecord
		var sum model.ReplaySummary
		if streamed {
			sum, err = RunEach(context.Background(), stream, tg, opts, collect(&recs))
		} else {
			sum, err = Run(context.Background(), msgs, tg, opts, collect(&recs))
		}
		if err != nil {
			t.Fatalf("streamed=%v dry=%v: %v", streamed, dry, err)
		}
		return recs, sum, sinkStoreOf(s)
	}
	whole, wsum, wstore := run(false, false)
	streamed, ssum, sstore := run(true, false)
	if wsum.Held == 0 || wsum.Refused == 0 || wsum.Written == 0 {
		t.Fatalf("the case does not hold, refuse and send: %+v", wsum)
	}
	wo, so := outcomes(whole), outcomes(streamed)
	for name, w := range wo {
		if so[name] != w {
			t.Errorf("%s: whole-list plan %q, streamed %q", name, w, so[name])
		}
	}
	if len(so) != len(wo) || ssum.Held != wsum.Held || ssum.Refused != wsum.Refused || ssum.Written != wsum.Written {
		t.Errorf("summaries differ: whole %+v, streamed %+v", wsum, ssum)
	}
	ws, ss := sinkStored(t, wstore), sinkStored(t, sstore)
	if len(ss) != wsum.Written || len(ws) != len(ss) {
		t.Fatalf("stored: whole %d, streamed %d, written %d", len(ws), len(ss), wsum.Written)
	}
	want := map[string]int{}
	for _, m := range ws {
		want[string(m.eml)]++
	}
	for _, m := range ss {
		if want[string(m.eml)]--; want[string(m.eml)] < 0 {
			t.Errorf("streamed run stored a message the whole-list run did not, or twice: %s", m.env.ID)
		}
	}

	// A dry run is collected and sorted: the same plan lines as Run's.
	wd, _, _ := run(false, true)
	sd, _, _ := run(true, true)
	line := func(r model.ReplayRecord) string {
		return r.Path + " " + string(r.Action) + " " + string(r.Result) + " " + r.Reason
	}
	if len(wd) != len(sd) {
		t.Fatalf("dry run: %d lines whole, %d streamed", len(wd), len(sd))
	}
	for i := range wd {
		if line(wd[i]) != line(sd[i]) {
			t.Fatalf("dry run line %d: whole %q, streamed %q", i, line(wd[i]), line(sd[i]))
		}
	}
}

// TestRunEachNothingReadTouchesNothing: a stream that fails before its
// first message (no input could be read) returns its error without a
// journal or a connection.
func TestRunEachNothingReadTouchesNothing(t *testing.T) {
	s := startTestSink(t)
	tg, err := NewSMTPTarget("smtp://"+s.Addr().String(), SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	unread := fmt.Errorf("no such folder")
	_, err = RunEach(context.Background(), func(func(*model.Message) error) error { return unread }, tg,
		Options{JournalPath: journal, Sources: []string{t.TempDir()}}, nil)
	if err != unread {
		t.Fatalf("err = %v, want the stream's", err)
	}
	if got := listFiles(t, filepath.Dir(journal)); len(got) != 0 {
		t.Fatalf("files written: %v", got)
	}
}

// TestBatcherFillsThenFlushes: batches are full while messages arrive
// faster than they are taken, a partial batch goes once it has waited,
// and every message leaves once, in order.
func TestBatcherFillsThenFlushes(t *testing.T) {
	in, out, stop := make(chan planned), make(chan []planned), make(chan struct{})
	go batcher(in, out, 4, 200*time.Millisecond, stop)
	fed := make(chan struct{})
	go func() {
		for i := range 10 {
			in <- planned{dec: Decision{Dest: fmt.Sprint(i)}}
		}
		close(fed)
	}()
	var sizes []int
	var order []string
	take := func() {
		b := <-out
		sizes = append(sizes, len(b))
		for _, p := range b {
			order = append(order, p.dec.Dest)
		}
	}
	take() // full: 0-3
	take() // full: 4-7
	start := time.Now()
	take() // 8, 9 after the wait
	if time.Since(start) > 10*time.Second {
		t.Fatal("partial batch never left")
	}
	<-fed
	close(in)
	if _, ok := <-out; ok {
		t.Fatal("out not closed after in")
	}
	if !slices.Equal(sizes, []int{4, 4, 2}) || strings.Join(order, ",") != "0,1,2,3,4,5,6,7,8,9" {
		t.Fatalf("batches %v, order %v", sizes, order)
	}
}

// TestSMTPSendsTheScannedBytes: a message whose bytes the scan kept
// (Message.Raw, a streamed run) is hashed and sent from them, without
// reading the file again: what is recorded is what was sent.
func TestSMTPSendsTheScannedBytes(t *testing.T) {
	s := startTestSink(t)
	tg := newSMTPTestTarget(t, s, SMTPOptions{})
	dir := t.TempDir()
	body := "From: a@example.com\r\nTo: b@example.com\r\nSubject: kept\r\n\r\n.dot\r\nkept bytes\r\n"
	m := smtpSpool(t, dir, "KEPT.TMP", body, "a@example.com", "b@example.com")
	raw, err := os.ReadFile(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	m.Raw, m.Size = raw, int64(len(raw))
	// The file no longer holds those bytes: only the kept ones can arrive.
	if err := os.WriteFile(m.Path, []byte(strings.Repeat("z", len(raw))), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := smtpDeliver(t, tg, m)
	if rec.Result != model.ResultOK || rec.SHA256Before != smtpSHA([]byte(body)) || rec.SHA256After != rec.SHA256Before {
		t.Fatalf("record %+v", rec)
	}
	got := sinkStored(t, sinkStoreOf(s))
	if len(got) != 1 || string(got[0].eml) != body {
		t.Fatalf("stored %d messages: %+v", len(got), got)
	}
}
