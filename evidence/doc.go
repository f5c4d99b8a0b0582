// Package evidence reads the evidence an Exchange administrator holds
// besides the queue itself (DESIGN.md section 2) into the one model.Event
// type: legacy binary event logs (.evt), Windows XML event logs (.evtx, as
// a current Event Viewer saves them), Event Viewer CSV and text exports
// (tab-delimited lines and the "Event Properties" block copy), dumpel
// output, Dr. Watson logs (Drwtsn32.log), IMS SMTP protocol logs
// (Imcdata\Log\L*.log) and Exchange 5.x message tracking logs
// (YYYYMMDD.log).
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
// Every file is recognised by its content (Detect), never by its name.
// Readers stream: text formats line by line with a bounded line length,
// .evt files through a bounded window. A truncated or corrupt file yields
// the events that were intact AND an error describing the rest, as
// go-message does for entities.
//
// The reader never guesses (poison-rules.md, "Evidence that names a file"):
// a field it cannot read stays at its zero value. Derived fields (HRESULT,
// the IMS location code, the spool file a record names) are filled by one
// function, Enrich, the same way for every format.
package evidence
