package evidence

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"

	"github.com/imsforensic/imsforensic/internal/archive"
)

// Format names how a file was recognised. The values are stable IDs the
// CLI prints ("read as eventlog-csv").
type Format string

const (
	FormatUnknown     Format = ""
	FormatEVT         Format = "evt"           // legacy binary event log
	FormatEVTX        Format = "evtx"          // Windows XML Event Log (Vista and later)
	FormatCSV         Format = "eventlog-csv"  // Event Viewer comma-delimited export
	FormatText        Format = "eventlog-text" // Event Viewer tab-delimited or Event Properties copy
	FormatDumpel      Format = "dumpel"        // Resource Kit dumpel.exe output (Q129266)
	FormatDrWatson    Format = "drwatson"      // Drwtsn32.log
	FormatProtocolLog Format = "protocol-log"  // IMS SMTP protocol log, Imcdata\Log\L*.log
	FormatTracking    Format = "tracking-log"  // Exchange 5.x message tracking log
	FormatSMTPW3C     Format = "smtp-w3c"      // IIS SMTP service log, W3C extended format
	FormatSMTPNCSA    Format = "smtp-ncsa"     // IIS SMTP service log, NCSA common format
)

// formats lists the known formats, in the order the CLI names them.
var formats = []Format{FormatEVT, FormatEVTX, FormatCSV, FormatText, FormatDumpel, FormatDrWatson, FormatProtocolLog, FormatSMTPW3C, FormatSMTPNCSA, FormatTracking}

// Formats returns the known evidence formats.
func Formats() []Format { return append([]Format(nil), formats...) }

func knownFormats() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// utc reports the formats whose times are stored in UTC (IIS writes W3C
// extended logs in UTC whatever the server's zone); the others hold the
// server's local wall clock without a zone, except NCSA lines, which
// carry their offset.
func (f Format) utc() bool {
	return f == FormatEVT || f == FormatTracking || f == FormatSMTPW3C || f == FormatEVTX
}

// DetectBytes is how much of the start of a file Detect wants to see.
// Less works, with less certainty.
const DetectBytes = 8 << 10

const (
	evtHeaderSize = 0x30
	evtFixedSize  = 0x38
)

var evtSignature = []byte("LfLe")

// protocolLine matches the "M/D/YY H:MM:SS AM : text" lines of Q262945.
var protocolLine = regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{2,4} +\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])? : `)

// Lines stamped "M/D/YY H:MM:SS AM : " are written by other services too:
// the Internet News Service's NNTP log (Q195040), IXCPTMON's log
// (Q240315), the IIS shutdown script's log (Q247557). A protocol log is
// one whose first lines hold SMTP: a session start, a prefixed command or
// reply, or an SMTP command; an NNTP log holds "<<<" and ">>>" too, so
// NNTP is told first.
var (
	protoSMTPText = regexp.MustCompile(`(?i)^(?:<<<|>>>|IO: \||A connection (?:was accepted from|to .* was established)|(?:MAIL FROM|RCPT TO):|(?:HELO|EHLO|DATA|QUIT|RSET|NOOP)\b|[245]\d\d[ -])`)
	protoNNTPText = regexp.MustCompile(`(?i)^(?:Connection to .* established|>>> (?:mode reader|newnews|newgroups|group|article|ihave|xover|takethis)\b|<<< \d{3} .*(?:NNRP|NNTP|InterNetNews))`)
)

// stampedTexts gives the text after the time stamp of each stamped line.
func stampedTexts(lines []string) []string {
	var out []string
	for _, l := range lines {
		if loc := protocolLine.FindStringIndex(l); loc != nil {
			out = append(out, strings.TrimSpace(l[loc[1]:]))
		}
	}
	return out
}

func nntpProtocolHead(lines []string) bool {
	for _, t := range stampedTexts(lines) {
		if protoNNTPText.MatchString(t) {
			return true
		}
	}
	return false
}

func smtpProtocolHead(lines []string) bool {
	if nntpProtocolHead(lines) {
		return false
	}
	for _, t := range stampedTexts(lines) {
		if protoSMTPText.MatchString(t) {
			return true
		}
	}
	return false
}

// Detect says which evidence format the first bytes of a file are in,
// FormatUnknown when none. It looks at content only: the .evt signature,
// or the shape of the first meaningful text lines.
func Detect(head []byte) Format {
	if looksEVTX(head) {
		return FormatEVTX
	}
	if len(head) >= 8 && bytes.Equal(head[4:8], evtSignature) {
		if n := binary.LittleEndian.Uint32(head); n == evtHeaderSize || n >= evtFixedSize {
			return FormatEVT
		}
	}
	if soundEVTRecordIn(head) {
		return FormatEVT // its header overwritten or gone: the records remain
	}
	lines := detectLines(head)
	if len(lines) == 0 {
		return FormatUnknown
	}
	for _, l := range lines {
		if drwBlockHead(l) || drwBanner(l) {
			return FormatDrWatson
		}
	}
	for _, l := range lines {
		if k, _, ok := blockField(l); ok && (k == "event type" || k == "event source" || k == "event id") {
			return FormatText
		}
	}
	if isW3CSMTP(lines) {
		return FormatSMTPW3C
	}
	first := lines[0]
	if isNCSASMTP(first) {
		return FormatSMTPNCSA
	}
	if spacedTrackingHead.MatchString(strings.TrimSpace(first)) {
		return FormatTracking // as a KB article prints it, tabs gone
	}
	if protocolLine.MatchString(first) && smtpProtocolHead(lines) {
		return FormatProtocolLog
	}
	if protoAccepted.MatchString(strings.TrimSpace(first)) || protoOpened.MatchString(strings.TrimSpace(first)) {
		return FormatProtocolLog // a session printed without its time stamps
	}
	if strings.Contains(first, "\t") {
		f := strings.Split(first, "\t")
		switch {
		case isExportHeader(f):
			return FormatText
		case len(f) >= 9 && isUint(f[1]) && parseDateTimeField(f[2]):
			return FormatTracking
		case len(f) >= 8 && parseDateField(f[0]) && parseTimeField(f[1]) && isUint(f[2]) && isUint(f[3]) && isUint(f[4]):
			return FormatDumpel
		case len(f) >= 8 && parseDateField(f[0]) && parseTimeField(f[1]):
			return FormatText
		}
	}
	if f := splitCSVLine(first); len(f) >= 8 && (isExportHeader(f) || parseDateField(f[0]) && parseTimeField(f[1])) {
		return FormatCSV
	}
	// A record wrapped before its end (a KB page, Q253620): date, time,
	// source and an event type Event Viewer writes.
	if f := splitCSVLine(first); len(f) >= 4 && len(f) < 8 && parseDateField(f[0]) && parseTimeField(f[1]) && eventViewerType(f[3]) {
		return FormatCSV
	}
	if listViewLine.MatchString(strings.TrimSpace(first)) {
		return FormatText // Event Viewer's list, spaces for tabs (a KB page)
	}
	// dumpel copied from a KB page: runs of spaces instead of tabs.
	if f := splitSpaced(first); len(f) >= 8 && parseDateField(f[0]) && parseTimeField(f[1]) && isUint(f[2]) && isUint(f[3]) && isUint(f[4]) {
		return FormatDumpel
	}
	return FormatUnknown
}

// soundEVTRecordIn reports whether head holds a whole .evt record: at a
// 4-byte boundary, a length of at least the fixed part, the LfLe
// signature, and the same length as the record's last 4 bytes.
func soundEVTRecordIn(head []byte) bool {
	for from := 0; ; {
		i := bytes.Index(head[from:], evtSignature)
		if i < 0 {
			return false
		}
		pos := from + i - 4
		from += i + 1
		if pos < 0 || pos%4 != 0 {
			continue
		}
		n := int(binary.LittleEndian.Uint32(head[pos:]))
		if n >= evtFixedSize && pos+n <= len(head) && int(binary.LittleEndian.Uint32(head[pos+n-4:])) == n {
			return true
		}
	}
}

// detectLines gives the first text lines of head. A head shorter than
// DetectBytes is the whole file: its last line is whole even without a
// line end (a one-line log).
func detectLines(head []byte) []string {
	text := decodeHead(head)
	if len(head) < DetectBytes {
		text += "\n"
	}
	return headLines(text, 60)
}

// headLines returns up to max non-empty lines of text, the last one dropped
// when the head cut it (unless it is the only one).
func headLines(text string, max int) []string {
	parts := strings.Split(text, "\n")
	if len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	var out []string
	for _, p := range parts {
		p = strings.TrimRight(p, "\r")
		if strings.TrimSpace(p) == "" {
			continue
		}
		out = append(out, p)
		if len(out) == max {
			break
		}
	}
	return out
}

// isExportHeader recognises a "Date,Time,Source,Type,..." header line.
func isExportHeader(f []string) bool {
	return len(f) >= 4 && strings.EqualFold(strings.TrimSpace(f[0]), "Date") &&
		strings.EqualFold(strings.TrimSpace(f[1]), "Time") &&
		strings.EqualFold(strings.TrimSpace(f[2]), "Source")
}

// eventViewerType reports whether s is one of the Type column's words.
func eventViewerType(s string) bool {
	switch levelFromText(s) {
	case "error", "warning", "information", "audit-success", "audit-failure":
		return true
	}
	return false
}

func isUint(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseDateField(s string) bool {
	_, _, _, ok := parseDate(s)
	return ok
}

func parseTimeField(s string) bool {
	_, ok := parseClock(s)
	return ok
}

func parseDateTimeField(s string) bool {
	_, ok := trackingTime(s)
	return ok
}

// splitSpaced splits on runs of two or more spaces or tabs.
func splitSpaced(s string) []string {
	f := spacedSeparator.Split(strings.TrimSpace(s), -1)
	// "4/11/95 4:58:39 AM" is date and time with one space between.
	if d, c, ok := strings.Cut(f[0], " "); ok && parseDateField(d) {
		f = append([]string{d, c}, f[1:]...)
	}
	return f
}

var spacedSeparator = regexp.MustCompile(`[ \t]{2,}|\t`)

// splitCSVLine splits one line as a lenient CSV record.
func splitCSVLine(line string) []string {
	cr := csv.NewReader(strings.NewReader(line))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	f, err := cr.Read()
	if err != nil {
		return nil
	}
	return f
}

// whyNotEvidence names what a file that is no evidence format looks like,
// when it is a log an admin would expect imsforensic to read: the reason
// goes in the error ("" when nothing is recognised).
func whyNotEvidence(head []byte) string {
	switch {
	case len(head) == 0:
		return "the file is empty"
	case allZero(head):
		return "the file starts with only zero bytes (a log never written, or its content lost)"
	case archive.Kind(head) != "":
		return "a " + archive.Kind(head) + " archive: extract a copy of it and give the files inside"
	}
	lines := detectLines(head)
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case strings.EqualFold(l, "# Message Tracking Log File"):
			return "an Exchange 2000/2003 message tracking log (its own columns); imsforensic reads the tracking logs of Exchange 4.0 to 5.5"
		case strings.EqualFold(l, "#Log-type: Message Tracking Log"):
			return "an Exchange 2007 or later message tracking log (CSV); imsforensic reads the tracking logs of Exchange 4.0 to 5.5"
		case strings.EqualFold(l, "#Log-type: SMTP Receive Protocol Log"), strings.EqualFold(l, "#Log-type: SMTP Send Protocol Log"):
			return "an Exchange 2007 or later SMTP protocol log (CSV); imsforensic reads the IMS protocol log and the IIS SMTP service logs"
		}
	}
	if len(lines) > 0 && protocolLine.MatchString(lines[0]) {
		if nntpProtocolHead(lines) {
			return "an Internet News Service (NNTP) log (\"Connection to ... established\", NNTP commands); imsforensic reads the IMS SMTP protocol log"
		}
		if !smtpProtocolHead(lines) {
			return fmt.Sprintf("lines time-stamped as an IMS protocol log's are, but no SMTP in its first lines (it starts %q): the log of another program", capString(stampedTexts(lines)[0], 60))
		}
	}
	if c, ok := firstW3CCommand(lines); ok && httpMethods[c.verb] && !c.smtpService() {
		return fmt.Sprintf("an IIS web (HTTP) log in W3C format (cs-method %s), not an SMTP service log", c.verb)
	}
	if len(lines) > 0 && headlessW3CSMTP.MatchString(lines[0]) {
		return "lines of an IIS SMTP service log in W3C format without the \"#Fields:\" header that names their columns (it is at the top of the log, and again after each restart): copy it in from the log"
	}
	for _, l := range lines {
		if m := httpAccessLine.FindStringSubmatch(l); m != nil && httpMethods[m[1]] {
			return "a web server access log (NCSA/Apache, HTTP requests), not an SMTP service log"
		}
	}
	return ""
}

// headlessW3CSMTP matches a W3C line of the SMTP service with no header
// before it, as a page quoting two lines of a log prints them ("2017-02-09
// 05:28:28 66.196.118.34 OutboundConnectionCommand SMTPSVC1 VSERVER14541 -
// 25 MAIL - FROM:<...> 0 0 4 0 0 SMTP - - - -"): a date and a time first,
// an SMTPSVC site and the "SMTP" version among the fields. Its columns
// cannot be told without the header: it is refused, saying why.
var headlessW3CSMTP = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} .*\sSMTPSVC\d+\s.*\sSMTP(\s|$)`)

// httpAccessLine matches the request of an NCSA common log line of a web
// server: [date] "GET /path HTTP/1.1".
var httpAccessLine = regexp.MustCompile(`\] "([A-Z_]+) \S* HTTP/\d`)
