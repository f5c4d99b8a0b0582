package replay

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// TestSMTPPipelinedBatchKeepsEachOutcome sends one pipelined batch in
// which transactions fail at MAIL, at every RCPT and at DATA between
// good ones: each gets its own outcome, the good ones are stored once,
// and the batch went out in one connection with the commands of a
// transaction in one write (RFC 2920).
func TestSMTPPipelinedBatchKeepsEachOutcome(t *testing.T) {
	s := startTestSink(t, func(c *smtpsink.Config) {
		c.Faults = []smtpsink.Fault{
			smtpFault(t, smtpsink.ParseFault, `MAIL:452:from~^busy@`),
			smtpFault(t, smtpsink.ParseFault, `RCPT:550:to~^nobody@`),
			smtpFault(t, smtpsink.ParseFault, `DATA:554:body~REJECTME`),
		}
	})
	var tr smtpSyncBuffer
	tg := newSMTPTestTarget(t, s, SMTPOptions{Transcript: &tr})
	dir := t.TempDir()
	type c struct {
		from, to, body string
		want           model.ReplayResult
		reason         string
	}
	cases := []c{
		{"a@x", "b@x", "one", "ok", ""},
		{"busy@x", "b@x", "two", "deferred", "mail: 452"},
		{"a@x", "nobody@x", "three", "failed", "rcpt: 550"},
		{"a@x", "b@x", "four", "ok", ""},
		{"a@x", "b@x", "REJECTME", "failed", "data: 554"},
		{"a@x", "b@x", ".six", "ok", ""},
	}
	var items []*Item
	for i, k := range cases {
		m := smtpSpool(t, dir, fmt.Sprintf("B%d", i), "Subject: "+k.body+"\r\n\r\n"+k.body+"\r\n", k.from, k.to)
		items = append(items, &Item{Msg: m})
	}
	recs, err := tg.DeliverBatch(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range cases {
		r := recs[i]
		if r.Result != k.want || !strings.HasPrefix(r.Reason, k.reason) {
			t.Errorf("message %d (%s): %s %q, want %s %q", i, k.body, r.Result, r.Reason, k.want, k.reason)
		}
		if r.Result == "ok" && r.SHA256After != r.SHA256Before {
			t.Errorf("message %d: bytes changed: %s != %s", i, r.SHA256After, r.SHA256Before)
		}
	}
	if got := len(sinkStored(t, sinkStoreOf(s))); got != 3 {
		t.Errorf("stored %d, want 3", got)
	}
	out := tr.String()
	if strings.Contains(out, "c2: ") {
		t.Errorf("batch used more than one connection:\n%s", out)
	}
	if !bytes.Contains([]byte(out), []byte("c1: RCPT TO:<b@x>")) || !strings.Contains(out, "c1: RSET") {
		t.Errorf("transcript lacks the pipelined commands or the RSET after a refused transaction:\n%s", out)
	}
}

// A batch cut short by cancellation keeps "ok" for what the server
// already acknowledged: a rerun must not send those again.
func TestSMTPBatchCancelledKeepsAcknowledged(t *testing.T) {
	s := startTestSink(t, func(c *smtpsink.Config) {
		c.Faults = []smtpsink.Fault{smtpFault(t, smtpsink.ParseDelay, `DATA:5s:body~SLOW`)}
	})
	tg := newSMTPTestTarget(t, s, SMTPOptions{})
	dir := t.TempDir()
	var items []*Item
	for i, body := range []string{"one", "two", "SLOW", "four"} {
		items = append(items, &Item{Msg: smtpSpool(t, dir, fmt.Sprintf("C%d", i), "Subject: "+body+"\r\n\r\n"+body+"\r\n", "a@x", "b@x")})
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		s.WaitStored(wctx, 2)
		time.Sleep(100 * time.Millisecond) // the SLOW one is waiting in DATA
		cancel()
	}()
	recs, err := tg.DeliverBatch(ctx, items)
	if err == nil {
		t.Fatal("no error from a cancelled batch")
	}
	for i, want := range []model.ReplayResult{model.ResultOK, model.ResultOK, model.ResultFailed, model.ResultFailed} {
		if recs[i].Result != want {
			t.Errorf("message %d: %s %q, want %s", i, recs[i].Result, recs[i].Reason, want)
		}
	}
}
