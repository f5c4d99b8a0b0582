package evidence

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// Real web server logs (plaso's test data, testdata/MANIFEST.md) are no
// SMTP evidence: they are refused with an error that says what they are,
// and read as an SMTP log on the user's word they give no session built
// from web requests.
func TestWebLogsRefusedClearly(t *testing.T) {
	for _, c := range []struct{ file, says string }{
		{"iis10.log", "an IIS web (HTTP) log in W3C format (cs-method GET)"},
		{"iis_without_date.log", "an IIS web (HTTP) log in W3C format (cs-method GET)"},
		{"apache_access.log", "a web server access log (NCSA/Apache, HTTP requests)"},
	} {
		path := filepath.Join("testdata", "web", c.file)
		f := Load(path, nil)
		if !errors.Is(f.Err, ErrNotEvidence) || !strings.Contains(f.Err.Error(), c.says) || len(f.Events) != 0 {
			t.Errorf("%s: err %v, %d events; want ErrNotEvidence saying %q", c.file, f.Err, len(f.Events), c.says)
		}
	}
	b, err := os.ReadFile(filepath.Join("testdata", "web", "iis_without_date.log"))
	if err != nil {
		t.Fatal(err)
	}
	res := readAll(strings.NewReader(string(b)), "forced.log", nil, FormatSMTPW3C)
	if len(res.Events) != 0 || res.Info.Damaged != 11 || !slices.ContainsFunc(res.Info.Warnings, func(w string) bool {
		return strings.Contains(w, "GET is an HTTP request, not an SMTP command")
	}) {
		t.Errorf("web log read as smtp-w3c: %d events, %d damaged, warnings %q; want none, 11 lines refused", len(res.Events), res.Info.Damaged, res.Info.Warnings)
	}
}

// Exchange 2000/2003 tracking logs and the CSV logs of Exchange 2007 and
// later have their own columns; they are refused by name, not as an
// unknown file. (No public real one was found; the header lines are the
// ones Exchange writes, as quoted in Microsoft's documentation of the
// message tracking and protocol logs.)
func TestExchange2007LogsRefusedByName(t *testing.T) {
	for _, c := range []struct{ head, says string }{
		{"#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: Message Tracking Log\r\n#Date: 2023-01-11T16:00:04.113Z\r\n#Fields: date-time,client-ip,client-hostname,server-ip\r\n",
			"an Exchange 2007 or later message tracking log"},
		{"# Message Tracking Log File\r\n# Exchange System Attendant Version 6.5.7638.1\r\n# Date\tTime\tclient-ip\tClient-hostname\tPartner-Name\tServer-hostname\tserver-IP\tRecipient-Address\tEvent-ID\tMSGID\r\n",
			"an Exchange 2000/2003 message tracking log"},
		{"#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: 2023-01-11T16:00:04.113Z\r\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n",
			"an Exchange 2007 or later SMTP protocol log"},
	} {
		_, err := Read(strings.NewReader(c.head), "x.log", nil)
		if !errors.Is(err, ErrNotEvidence) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("err %v; want ErrNotEvidence saying %q", err, c.says)
		}
	}
}

// The real Exchange 2000 W3C log, rewritten in the test as IIS writes it
// under two other field choices, gives the same sessions at the same
// times: (1) its second half under a new #Fields header with the columns
// in another order (IIS writes a header at each restart and when the
// logged fields change); (2) without the date column, the day then coming
// from the #Date directive.
func TestIISSMTPW3CFieldVariants(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "smtp-w3c-exchange2000.log"))
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(strings.NewReader(string(b)), "w3c.log", nil, FormatUnknown)
	if want.Err != nil || len(want.Events) != 10 {
		t.Fatalf("original: %d events, %v", len(want.Events), want.Err)
	}
	var header, data []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			header = append(header, l)
		} else {
			data = append(data, l)
		}
	}
	fields := strings.Fields(strings.TrimPrefix(header[len(header)-1], "#Fields:"))
	// permute writes the lines with the columns named by order.
	permute := func(lines []string, order []string) []string {
		idx := map[string]int{}
		for i, f := range fields {
			idx[f] = i
		}
		var out []string
		for _, l := range lines {
			f := strings.Fields(l)
			var g []string
			for _, name := range order {
				g = append(g, f[idx[name]])
			}
			out = append(out, strings.Join(g, " "))
		}
		return out
	}
	reordered := append([]string{"time", "date"}, slices.Clone(fields[2:])...)
	slices.Reverse(reordered[2:])
	half := len(data) / 2
	two := strings.Join(append(append(append(slices.Clone(header), data[:half]...), "#Fields: "+strings.Join(reordered, " ")), permute(data[half:], reordered)...), "\r\n") + "\r\n"

	noDate := slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return f == "date" })
	undated := strings.Join(append(append(slices.Clone(header[:len(header)-1]), "#Fields: "+strings.Join(noDate, " ")), permute(data, noDate)...), "\r\n") + "\r\n"

	for name, text := range map[string]string{"two headers": two, "no date field": undated} {
		got := readAll(strings.NewReader(text), "w3c.log", nil, FormatUnknown)
		if got.Err != nil || got.Info.Format != string(FormatSMTPW3C) || got.Info.Damaged != 0 || !sameSessions(got.Events, want.Events) {
			t.Errorf("%s: format %q, %d events, %d damaged, err %v; want the original's 10 sessions", name, got.Info.Format, len(got.Events), got.Info.Damaged, got.Err)
		}
	}
}

func sameSessions(a, b []model.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Time.Equal(b[i].Time) || a[i].Remote != b[i].Remote || a[i].MailFrom != b[i].MailFrom ||
			!slices.Equal(a[i].RcptTo, b[i].RcptTo) || a[i].Status != b[i].Status || a[i].Message != b[i].Message {
			return false
		}
	}
	return true
}

// Without a date column the day comes from #Date and moves on when the
// clock goes back past midnight; with neither, a line is refused, not
// dated on a guessed day. (Written by hand: no public SMTP log of this
// field choice was found.)
func TestIISSMTPW3CWithoutDateField(t *testing.T) {
	head := "#Software: Microsoft Internet Information Services 6.0\n#Version: 1.0\n"
	lines := "#Fields: time c-ip cs-method cs-uri-query sc-status\n" +
		"23:59:58 10.0.0.9 HELO +relay.example 250\n" +
		"23:59:59 10.0.0.9 QUIT - 240\n" +
		"00:00:01 10.0.0.7 HELO +mx.example 250\n" +
		"00:00:02 10.0.0.7 MAIL +FROM:+<a@example.com> 250\n" +
		"00:00:03 10.0.0.7 RCPT +TO:+<b@example.net> 550\n" +
		"00:00:04 10.0.0.7 QUIT - 240\n"
	f := readAll(strings.NewReader(head+"#Date: 2006-10-09 23:59:58\n"+lines), "w3c.log", nil, FormatUnknown)
	if f.Err != nil || f.Info.Format != string(FormatSMTPW3C) || len(f.Events) != 2 {
		t.Fatalf("%+v, %v", f.Info, f.Err)
	}
	if e := f.Events[0]; !e.Time.Equal(time.Date(2006, 10, 9, 23, 59, 58, 0, time.UTC)) || e.Remote != "10.0.0.9" {
		t.Errorf("first session %+v", e)
	}
	if e := f.Events[1]; !e.Time.Equal(time.Date(2006, 10, 10, 0, 0, 1, 0, time.UTC)) || e.MailFrom != "a@example.com" || e.Status != "550" {
		t.Errorf("session after midnight %+v, want it on the 10th", e)
	}
	f = readAll(strings.NewReader(head+lines), "w3c.log", nil, FormatSMTPW3C)
	if len(f.Events) != 0 || f.Info.Damaged != 6 || !slices.ContainsFunc(f.Info.Warnings, func(w string) bool {
		return strings.Contains(w, "no date field and no #Date directive")
	}) {
		t.Errorf("no #Date: %d events, %d damaged, %q", len(f.Events), f.Info.Damaged, f.Info.Warnings)
	}
}

// An empty or zeroed file says so instead of "not a known evidence
// format" alone (hayabusa's test data holds empty .evtx files; a crash
// can leave a log zeroed).
func TestNotEvidenceSaysWhy(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		says string
	}{
		{nil, "the file is empty"},
		{make([]byte, 70000), "only zero bytes"},
	} {
		_, err := Read(bytes.NewReader(c.b), "x.evtx", nil)
		if !errors.Is(err, ErrNotEvidence) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("err %v; want ErrNotEvidence saying %q", err, c.says)
		}
	}
}
