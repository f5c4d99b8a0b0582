package evidence

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Real Exchange 2000 SMTP service logs (MANIFEST.md): one event per
// session with the remote host, MAIL FROM, RCPT TO and the error replies.
func TestIISSMTPLogs(t *testing.T) {
	f := Load(filepath.Join("testdata", "smtp-w3c-exchange2000.log"), nil)
	if f.Err != nil || f.Info.Format != string(FormatSMTPW3C) || f.Info.Events != 10 || f.Info.TimeZone != "utc" {
		t.Fatalf("W3C: %+v, %v", f.Info, f.Err)
	}
	e := f.Events[0]
	if e.Remote != "24.118.118.106" || e.MailFrom != "EldonpyzWestoncusk@sbcglobal.net" || len(e.RcptTo) != 1 || e.RcptTo[0] != "pamb@meelift.com" ||
		e.Category != "inbound" || !e.Time.Equal(time.Date(2006, 10, 9, 5, 0, 15, 0, time.UTC)) || len(e.Strings) != 2 || e.Strings[1] != "36A42160" {
		t.Errorf("W3C first session: %+v", e)
	}
	errors := 0
	for _, e := range f.Events {
		if e.Status == "500" && strings.Contains(string(e.Message), "500 after XXXX") {
			errors++
		}
	}
	if errors != 5 {
		t.Errorf("W3C: %d sessions with the 500 reply, want 5", errors)
	}

	f = Load(filepath.Join("testdata", "smtp-ncsa-exchange2000.log"), nil)
	if f.Err != nil || f.Info.Format != string(FormatSMTPNCSA) || f.Info.Events != 6 || f.Info.TimeZone != "UTC-06:00" {
		t.Fatalf("NCSA: %+v, %v", f.Info, f.Err)
	}
	out := f.Events[0]
	if out.Category != "outbound" || out.Remote != "205.188.158.121" || out.MailFrom != "pbourque@meelift.com" || len(out.RcptTo) != 1 ||
		!out.Time.Equal(time.Date(2006, 10, 11, 19, 16, 39, 0, time.UTC)) {
		t.Errorf("NCSA outbound session: %+v", out)
	}
	in := f.Events[1]
	if in.Category != "inbound" || in.MailFrom != "Keith@boardermail.com" || len(in.RcptTo) != 6 {
		t.Errorf("NCSA interleaved inbound session (6 RCPT TO between other sessions' lines): %+v", in)
	}
}

// A known format that holds no event is a warning, not silence; an IIS
// web log is not taken for an SMTP log.
func TestKnownFormatWithoutEvents(t *testing.T) {
	head := "#Software: Microsoft Internet Information Services 5.0\n#Version: 1.0\n#Date: 2006-10-09 05:00:15\n#Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status\n"
	f := readAll(strings.NewReader(head), "empty.log", nil, FormatSMTPW3C)
	if f.Err != nil || f.Info.Events != 0 || len(f.Info.Warnings) != 1 || !strings.Contains(f.Info.Warnings[0], "no event") {
		t.Errorf("empty W3C log: %+v, %v", f.Info, f.Err)
	}
	web := head + "2006-10-09 05:00:15 10.0.0.1 - W3SVC1 WEB 10.0.0.2 80 GET /index.htm - 200\n"
	if got := Detect([]byte(web)); got != FormatUnknown {
		t.Errorf("IIS web log detected as %q", got)
	}
}

// The IIS readers keep fuzzRead's promises (caps, no panic, valid JSON)
// on mutated copies of the real logs: deterministic and cheap enough for
// every test run, beside FuzzSMTPW3C and FuzzSMTPNCSA in the fuzz pass.
func TestIISSMTPMutations(t *testing.T) {
	for _, c := range []struct {
		file   string
		format Format
	}{{"smtp-w3c-exchange2000.log", FormatSMTPW3C}, {"smtp-ncsa-exchange2000.log", FormatSMTPNCSA}} {
		b, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(12, uint64(len(c.file))))
		for i := 0; i < 1000; i++ {
			d := append([]byte(nil), b...)
			for k := 0; k < 1+r.IntN(8); k++ {
				p := r.IntN(len(d))
				switch r.IntN(3) {
				case 0:
					d[p] = byte(r.IntN(256))
				case 1:
					d = append(d[:p], d[min(len(d), p+r.IntN(80)):]...)
				default:
					d = append(d[:p], append([]byte{" +:<>\"?[]-\n"[r.IntN(11)]}, d[p:]...)...)
				}
				if len(d) == 0 {
					d = []byte("x")
				}
			}
			fuzzRead(t, c.format, d)
		}
	}
}
