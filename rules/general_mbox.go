package rules

import "github.com/imsforensic/imsforensic/model"

// The mbox rules say how an mbox file was split into messages where the
// split had a choice (parse.EachMbox): a message's own Content-Length
// field (mboxcl, mboxcl2) against the "From " lines of mboxo and mboxrd,
// and bytes before the first "From " line. They judge nothing about the
// message: they tell the user which bytes a record, a triage verdict or a
// replay worked on.

var ruleMboxContentLength = Rule{
	ID: "mbox-content-length", Class: model.ClassInfo, Dir: "IN/OUT",
	Doc:   "an mbox message whose Content-Length field decided its split: honoured because it ends at the next From line (or one line end before it, or the end of the file) while the body holds From lines after empty lines that a From-line split would start a message at (mboxcl2, unescaped), or not used because it ends elsewhere (a wrong length, a CRLF copy, a truncated file) and the message was split at From lines",
	Check: reportAnomalies(model.AnomMboxContentLength),
}

var ruleMboxPrologue = Rule{
	ID: "mbox-prologue", Class: model.ClassInfo, Dir: "IN/OUT",
	Doc:   "bytes before an mbox file's first From line (a UTF-8 byte-order mark, empty lines): read as an mbox all the same, those bytes are part of no message",
	Check: reportAnomalies(model.AnomMboxPrologue),
}
