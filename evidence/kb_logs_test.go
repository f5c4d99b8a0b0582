package evidence

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// IMS protocol logs, message tracking logs and Event Viewer CSV exports as
// KB articles print them (evidence/testdata/kb, MANIFEST.md): each read as
// an admin who pasted the excerpt would hand it over.

func loadKBIn(t *testing.T, name string, want Format, tz *time.Location) File {
	t.Helper()
	f := Load(filepath.Join("testdata", "kb", name), &Options{TZ: tz})
	if f.Err != nil {
		t.Fatalf("%s: %v", name, f.Err)
	}
	if Format(f.Info.Format) != want {
		t.Fatalf("%s read as %q, want %q", name, f.Info.Format, want)
	}
	if f.Info.Damaged != 0 {
		t.Errorf("%s: %d damaged, warnings %q", name, f.Info.Damaged, f.Info.Warnings)
	}
	slices.SortFunc(f.Events, func(a, b model.Event) int { return a.Line - b.Line })
	return f
}

// The sessions of Q228725 (outbound, a blank line between entries, the
// summary line wrapped by the page: "... Message" / "subject: ...") and
// Q262945 (inbound, AUTH NTLM, a multi-line EHLO reply whose lines carry
// no time stamp, the message refused with 554 after DATA) and Q295725 (a
// session cut after the 354, then a new connection). Before, Q228725's
// subject and failure were lost: DATA swallowed every line after it.
func TestKBProtocolLogs(t *testing.T) {
	edt := time.FixedZone("UTC-4", -4*3600) // the remote's banner says -0400
	f := loadKBIn(t, "Q228725-protocol.log", FormatProtocolLog, edt)
	if len(f.Events) != 1 || f.Info.TimeZone != "UTC-4" {
		t.Fatalf("Q228725: %d events, zone %q; want 1, UTC-4", len(f.Events), f.Info.TimeZone)
	}
	e := f.Events[0]
	if e.Category != "outbound" || e.Remote != "10..1.1.1" || e.MailFrom != "bob@dom.com" || !slices.Equal(e.RcptTo, []string{"sam@tool.com"}) ||
		!e.Time.Equal(time.Date(1999, 4, 5, 14, 22, 41, 0, time.UTC)) || e.Source != "MSExchangeIMC" {
		t.Errorf("Q228725 session: %+v", e)
	}
	if e.Subject != `"Case 27375"` || !strings.HasPrefix(string(e.Message), "499 No routing hosts are reachable for tool.com. Message subject:") ||
		!strings.HasSuffix(string(e.Message), "Rescheduling delivery for later.") {
		t.Errorf("Q228725 summary: subject %q message %q", e.Subject, e.Message)
	}

	f = loadKBIn(t, "Q262945-protocol.log", FormatProtocolLog, time.UTC)
	if len(f.Events) != 1 {
		t.Fatalf("Q262945: %d events, want 1", len(f.Events))
	}
	e = f.Events[0]
	if e.Category != "inbound" || e.Remote != "SERVER1" || e.MailFrom != "JohnD@COMPANY1.com" || !slices.Equal(e.RcptTo, []string{"janed@company2.com"}) ||
		!e.Time.Equal(time.Date(2000, 5, 13, 14, 36, 27, 0, time.UTC)) || e.Subject != "" {
		t.Errorf("Q262945 session: %+v", e)
	}

	f = loadKBIn(t, "Q295725-protocol.log", FormatProtocolLog, time.UTC)
	if len(f.Events) != 2 {
		t.Fatalf("Q295725: %d events, want 2", len(f.Events))
	}
	if e := f.Events[0]; e.Remote != "mail.domain1.com" || e.MailFrom != "user@domain1.com" || !slices.Equal(e.RcptTo, []string{"user@domain2.com"}) {
		t.Errorf("Q295725 first session: %+v", e)
	}
	if e := f.Events[1]; e.Remote != "mail.domain3.com" || e.MailFrom != "" || len(e.RcptTo) != 0 ||
		!e.Time.Equal(time.Date(2001, 2, 7, 17, 5, 44, 0, time.UTC)) {
		t.Errorf("Q295725 second session (nothing but its start): %+v", e)
	}
}

// Q245787 prints an outbound session without its time stamps, our
// commands prefixed ">>>" and each reply twice ("<<< IO: |250 ..." and
// "<<< 250 ..."). Before, it was no known evidence format, and ">>> MAIL
// FROM:" was not read as a command. The session is read, its time told
// as unknown, none invented.
func TestKBProtocolLogWithoutStamps(t *testing.T) {
	f := loadKBIn(t, "Q245787-protocol.log", FormatProtocolLog, time.UTC)
	if len(f.Events) != 1 {
		t.Fatalf("%d events, want 1", len(f.Events))
	}
	e := f.Events[0]
	if e.Category != "outbound" || e.Remote != "10.1.1.25" || e.MailFrom != "bob@microsoft.com" || !slices.Equal(e.RcptTo, []string{"vincent@expedia.com"}) || !e.Time.IsZero() {
		t.Errorf("session: %+v", e)
	}
	if len(f.Info.Warnings) != 1 || !strings.Contains(f.Info.Warnings[0], "without a time stamp") {
		t.Errorf("warnings %q", f.Info.Warnings)
	}
}

// A message the server refuses after DATA (Q262945's 554) ends DATA as a
// 250 does: a second MAIL FROM on the connection is a second message,
// not a line of the first one's body.
func TestProtocolLogRefusedDataEnds(t *testing.T) {
	log := "5/13/00 2:36:27 PM : A connection was accepted from SERVER1.\r\n" +
		"5/13/00 2:36:28 PM : <<< MAIL FROM:<a@x.com>\r\n" +
		"5/13/00 2:36:28 PM : <<< RCPT TO:<b@y.com>\r\n" +
		"5/13/00 2:36:28 PM : <<< DATA\r\n" +
		"5/13/00 2:36:28 PM : >>> 354 Send data.  End with CRLF.CRLF\r\n" +
		"5/13/00 2:36:28 PM : >>> 554 Mailbox is not local: a@x.com\r\n" +
		"5/13/00 2:36:29 PM : <<< MAIL FROM:<c@x.com>\r\n" +
		"5/13/00 2:36:29 PM : <<< RCPT TO:<d@y.com>\r\n"
	evs, err := ReadFormat(strings.NewReader(log), FormatProtocolLog, "L0000001.log", &Options{TZ: time.UTC})
	if err != nil || len(evs) != 2 {
		t.Fatalf("%d events, %v; want 2", len(evs), err)
	}
	if evs[1].MailFrom != "c@x.com" || !slices.Equal(evs[1].RcptTo, []string{"d@y.com"}) || evs[1].Remote != "SERVER1" {
		t.Errorf("second message: %+v", evs[1])
	}
}

// Other services write lines stamped as the IMS protocol log's are: the
// Internet News Service's NNTP log (Q195040), IXCPTMON (Q240315), the
// IIS shutdown script (Q247557). Each was read as a protocol log with no
// event; now each is refused with what it is.
func TestKBOtherStampedLogsRefused(t *testing.T) {
	for _, c := range []struct{ file, why string }{
		{"Q195040-nntp.log", "Internet News Service (NNTP) log"},
		{"Q240315-ixcptmon.log", `no SMTP in its first lines (it starts "IXCPTMON: Starting ixcptmon.vbs")`},
		{"Q247557-iisstop.log", `no SMTP in its first lines (it starts "Attempting to STOP MSFTPSVC`},
	} {
		f := Load(filepath.Join("testdata", "kb", c.file), &Options{TZ: time.UTC})
		if f.Err == nil || !strings.Contains(f.Err.Error(), c.why) || len(f.Events) != 0 || f.Info.Format != "" {
			t.Errorf("%s: format %q, %d events, error %v; want refused: %s", c.file, f.Info.Format, len(f.Events), f.Err, c.why)
		}
	}
}

// Q153188's tracking log entries, as the page prints them: spaces for
// tabs, lines wrapped at the page's width, the time on the line after
// the date, "18:32:9". The MTS-ID, event number and GMT time are read;
// the originator and recipients cannot be told apart from the wrapped
// DNs and are not guessed. Before, the file was "not a known evidence
// format".
func TestKBTrackingLogAsPrinted(t *testing.T) {
	f := loadKBIn(t, "Q153188-tracking.log", FormatTracking, time.FixedZone("UTC+9", 9*3600))
	want := []struct {
		id   uint32
		mts  string
		when time.Time
	}{
		{1000, "c=US;a= ;p=MICROSOFT;l=TAMRAJ2-960701173047Z-2", time.Date(1996, 7, 1, 17, 30, 48, 0, time.UTC)},
		{4, "C=US;A= ;P=MICROSOFT;L=TAMRAJ2-960701173047Z-2", time.Date(1996, 7, 1, 18, 31, 56, 0, time.UTC)},
		{7, "C=US;A= ;P=MICROSOFT;L=TAMRAJ2-960701173047Z-2", time.Date(1996, 7, 1, 18, 32, 9, 0, time.UTC)},
		{1003, "c=US;a= ;p=MICROSOFT;l=TAMRAJ2-960701173047Z-2", time.Date(1996, 7, 1, 17, 32, 18, 0, time.UTC)},
	}
	if len(f.Events) != len(want) || f.Info.TimeZone != model.TimeUTC {
		t.Fatalf("%d events, zone %q; want %d, utc (GMT whatever zone is given)", len(f.Events), f.Info.TimeZone, len(want))
	}
	for i, w := range want {
		e := f.Events[i]
		if e.EventID != w.id || e.MTSID != w.mts || !e.Time.Equal(w.when) || e.MailFrom != "" || len(e.RcptTo) != 0 {
			t.Errorf("entry %d: id %d mts %q time %s from %q to %q; want %d %q %s and no guessed address", i, e.EventID, e.MTSID, e.Time, e.MailFrom, e.RcptTo, w.id, w.mts, w.when)
		}
	}
	if m := string(f.Events[3].Message); !strings.Contains(m, "[PBZ70AAB]") || !strings.HasSuffix(m, "IMCEAEX-") {
		t.Errorf("1003's lines not kept: %q", m)
	}
	if len(f.Info.Warnings) != 1 || !strings.Contains(f.Info.Warnings[0], "spaces for tabs") {
		t.Errorf("warnings %q, want the one that says what was not read", f.Info.Warnings)
	}
}

// Event Viewer CSV records as KB articles print them, wrapped at the
// page's width: inside the fixed fields (Q253620: "...,Transport General
// ," / "1026,N/A,ASM0109,...") and inside the description (Q318339, a
// blank line between records). Before, Q253620 was "not a known evidence
// format" and Q318339 gave two cut descriptions and four damaged lines.
func TestKBWrappedCSVExport(t *testing.T) {
	f := loadKBIn(t, "Q253620-export.csv", FormatCSV, time.UTC)
	if len(f.Events) != 1 {
		t.Fatalf("Q253620: %d events, want 1", len(f.Events))
	}
	e := f.Events[0]
	if e.Source != "MSExchangeIS Private" || e.EventID != 1026 || e.Level != "warning" || e.Category != "Transport General" || e.Computer != "ASM0109" ||
		!e.Time.Equal(time.Date(1999, 11, 5, 11, 57, 22, 0, time.UTC)) || e.User != "" {
		t.Errorf("Q253620: %+v", e)
	}
	if m := string(e.Message); !strings.HasPrefix(m, "An error occurred with the following call stack:\nEcSendMessage(): 0000000467\n") ||
		!strings.HasSuffix(m, "non resend msg?(): 0000000000") {
		t.Errorf("Q253620 description %q", m)
	}

	// Its two dates, 5/10/01, could be read either way: the only warning
	// says so (TestDateOrderLeftOpenIsSaid).
	f = loadKBIn(t, "Q318339-export.csv", FormatCSV, time.UTC)
	if w := f.Info.Warnings; len(f.Events) != 2 || len(w) != 1 || !strings.Contains(w[0], `(the first: line 1, "5/10/01")`) {
		t.Fatalf("Q318339: %d events, warnings %q; want 2, only the date order's", len(f.Events), w)
	}
	if e := f.Events[0]; e.EventID != 4124 || e.Level != "error" || !strings.HasSuffix(string(e.Message), "Index service (cisvc).") {
		t.Errorf("Q318339 4124: %+v", e)
	}
	if e := f.Events[1]; e.EventID != 4104 || e.Level != "audit-success" || e.HRESULT == nil || *e.HRESULT != 0x80070008 ||
		!strings.HasSuffix(string(e.Message), "rescheduled later.") {
		t.Errorf("Q318339 4104 (its HRESULT is on the description's second line): %+v", e)
	}
}

// Event Viewer's list as KB articles print it: spaces for tabs, Source
// and Category with spaces in them, the line wrapped after the User
// (Q162674, Q162841 with a day-first date, Q169117's second event with its
// Computer alone on the next line), a placeholder Computer (Q178821), no
// Computer at all and a 24-hour time (Q181931: the description's first
// word is not taken for one), "None" as the Category (Q159001).
// Before, none was a known evidence format.
func TestKBEventListLines(t *testing.T) {
	for _, c := range []struct {
		file     string
		id       uint32
		source   string
		level    string
		category string
		computer string
		when     time.Time
		starts   string
	}{
		{"Q162674-event-list.txt", 9221, "MSExchangeMTA", "warning", "Operating System", "EXCHSRV1", time.Date(1997, 7, 31, 16, 15, 31, 0, time.UTC), "A sockets error 10054 on a WSARecvEx() call was detected."},
		{"Q162841-event-list.txt", 2117, "MSExchangeMSMI", "warning", "NDR", "EXGAU30003", time.Date(1996, 12, 31, 19, 56, 34, 0, time.UTC), "Non delivery report generated.\n\nFrom: ANZAUDCU/MEL227TRK0/$SYSTEM"},
		{"Q169117-event-list.txt", 2375, "MSExchangeMSMI", "error", "Session Error", "TRADE", time.Date(1997, 5, 22, 12, 55, 53, 0, time.UTC), "MS\nMail Connector Interchange has detected a configuration problem."},
		{"Q181931-event-list.txt", 4097, "DrWatson", "information", "", "", time.Date(1998, 2, 6, 6, 33, 11, 0, time.UTC), "The application, exe\\store.dbg, generated an application error. The\nerror occurred on 2/6/1998 @ 3:33:10.437"},
		{"Q159001-event-list.txt", 4097, "DrWatson", "information", "", "JOHNDOE-NT4", time.Date(1996, 11, 7, 16, 32, 1, 0, time.UTC), "The application, exe\\keyring.dbg, generated an application error\n"},
		{"Q178821-event-list.txt", 210, "MSExchangeMTA", "warning", "X.400 Service", "<MTA Name>", time.Date(1997, 9, 12, 13, 44, 17, 0, time.UTC), "An internal MTA error occurred. Content conversion for\nmessage C=C;A=admd;P=prmd;L=<ID> failed."},
	} {
		f := loadKBIn(t, c.file, FormatText, time.UTC)
		if len(f.Events) == 0 {
			t.Fatalf("%s: no event", c.file)
		}
		e := f.Events[0]
		if e.EventID != c.id || e.Source != c.source || e.Level != c.level || e.Category != c.category || e.Computer != c.computer || e.User != "" ||
			!e.Time.Equal(c.when) || !strings.HasPrefix(string(e.Message), c.starts) {
			t.Errorf("%s: id %d source %q level %q category %q computer %q user %q time %s message %q", c.file, e.EventID, e.Source, e.Level, e.Category, e.Computer, e.User, e.Time, e.Message)
		}
	}
	f := loadKBIn(t, "Q169117-event-list.txt", FormatText, time.UTC)
	if len(f.Events) != 2 {
		t.Fatalf("Q169117: %d events, want 2", len(f.Events))
	}
	if e := f.Events[1]; e.EventID != 2444 || e.Category != "Routing" || e.Level != "information" || e.Computer != "TRADE" || e.Message != "Message ID <00000C9D> processed from INQUEUE" {
		t.Errorf("Q169117 2444 (its Computer on the next line): %+v", e)
	}
	f = loadKBIn(t, "Q159001-event-list.txt", FormatText, time.UTC)
	if len(f.Events) != 2 || f.Events[1].EventID != 1008 || f.Events[1].Source != "Perflib" || !strings.HasSuffix(string(f.Events[1].Message), "Status code\n\nreturned is DWORD 0.") {
		t.Errorf("Q159001: %d events, the second %+v", len(f.Events), f.Events[len(f.Events)-1])
	}
}
