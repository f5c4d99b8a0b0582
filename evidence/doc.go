// Package evidence reads the evidence an Exchange administrator holds
// besides the queue itself (DESIGN.md section 2) into the one model.Event
// type: legacy binary event logs (.evt), Windows XML event logs (.evtx, as
// a current Event Viewer saves them), Event Viewer CSV and text exports
// (tab-delimited lines and the "Event Properties" block copy), dumpel
// output, Dr. Watson logs (Drwtsn32.log), IMS SMTP protocol logs
// (Imcdata\Log\L*.log), IIS SMTP service logs (W3C extended and NCSA,
// SMTPSVC1\*.log, which Exchange 2000/2003 use) and Exchange 5.x message
// tracking logs (YYYYMMDD.log).
//
// The layouts follow ims-kb.md sections 3 and 4: the ELF_LOGFILE_HEADER /
// EVENTLOGRECORD structures of MSDN "Event Log File Format" (bb309024,
// bb309026), Windows Server 2003 "File formats for archived logs" for the
// Date,Time,Source,Type,Category,Event,User,Computer,Description exports,
// KB Q129266 (dumpel), Q192186 (Dr. Watson), Q262945 / Q228725 (protocol
// logs) and Q173280 / Q173364 (tracking logs); .evtx and its Binary XML
// follow libyal's "Windows XML Event Log (EVTX) format" and [MS-EVEN6]
// (evtx.go, evtx_binxml.go).
//
// Load and LoadPaths also account for every file (model.EvidenceFile):
// its format, the events read, the records that could not be (Damaged:
// a failed length check, a line that is no record), how its times were
// read (TimeZone: "utc", the zone given, or model.TimeAssumed when no zone
// was given for a local-time source), and warnings. Records found outside
// a binary log's live records (slack space, a damaged .evtx chunk) are
// read when they are whole and marked model.Event.Recovered. Damage in a
// file that is otherwise sound is a warning, not an error; a known format
// with no event is a warning too. Folders are walked without touching
// access times.
//
// Every file is recognised by its content (Detect), never by its name.
// Readers stream: text formats line by line with a bounded line length,
// .evt files through a bounded window. A truncated or corrupt file yields
// the events that were intact AND an error describing the rest, as
// go-message does for entities.
//
// Forms a KB article prints (tabs turned to spaces, lines wrapped at the
// page's width: Event Viewer's list and CSV lines, tracking log entries, a
// protocol log's summary line) are read where their columns can still be
// told apart; what cannot be stays empty and a warning says so. Logs of
// other programs stamped as the protocol log is (NNTP, scripts) are
// refused by name.
//
// The reader never guesses (poison-rules.md, "Evidence that names a file"):
// a field it cannot read stays at its zero value. Derived fields (HRESULT,
// the IMS location code, the spool file a record names) are filled by one
// function, Enrich, the same way for every format.
package evidence
