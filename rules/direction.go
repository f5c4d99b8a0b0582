package rules

import (
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// The queue direction of a rule. The KB saw most triggers on one side of
// the IMS only: the inbound conversion (MIME to MAPI, files in IN) or the
// outbound queue (files in OUT). A rule tied to one direction applies at
// its class there; on a message in the other direction's queue it applies
// at the class of offDir (or not at all, ClassNone), with the reason
// appended to the finding's detail and to the README table. A message whose
// queue is not known (a loose file, a folder of .eml) is held to every rule
// at its full class: nothing says which side it came from.

// offDir is what a one-direction rule does in the other direction.
type offDir struct {
	class model.Class // ClassNone: the rule does not fire there
	why   string
}

const (
	whyInbound = "the fault is in the inbound MIME-to-MAPI conversion, which an OUT file does not go through; still a malformation a remote server may choke on"
	whyFeature = "a feature of clean outbound mail (the IMS writes it itself); only the inbound conversion was seen to fail on it"
)

// offDirection decides, per rule, the class in the other direction. Every
// rule whose Dir is "IN" or "OUT" has an entry (TestEveryOneWayRuleSaysWhatItDoesElsewhere).
var offDirection = map[string]offDir{
	// IN rules, in an OUT queue.
	"address-comment-separator":         {model.ClassRisk, whyInbound},
	"imcea-malformed":                   {model.ClassRisk, whyInbound},
	"blank-charset":                     {model.ClassRisk, whyInbound},
	"multipart-digest-foreign-charset":  {model.ClassRisk, whyInbound},
	"tnef-corrupt":                      {model.ClassRisk, whyInbound},
	"tnef-part":                         {model.ClassNone, whyFeature},
	"binhex-part":                       {model.ClassInfo, whyFeature},
	"base64-invalid":                    {model.ClassRisk, whyInbound},
	"rtf-corrupt":                       {model.ClassRisk, whyInbound},
	"html-href-leading-space":           {model.ClassInfo, whyFeature},
	"crlf-run-128":                      {model.ClassRisk, whyInbound},
	"qp-utf16-misaligned":               {model.ClassRisk, whyInbound},
	"content-type-invalid-chars":        {model.ClassRisk, whyInbound},
	"dbcs-invalid-sequence":             {model.ClassRisk, whyInbound},
	"filename-unicode-no-extension":     {model.ClassInfo, whyFeature},
	"header-non-header-line":            {model.ClassRisk, whyInbound},
	"received-comment-date":             {model.ClassInfo, "the store archives the inbound message (4117); outbound, a remote server parses the date"},
	"mac-attributes-invalid":            {model.ClassInfo, "the store archives the inbound message (4117); outbound, the attributes are passed on"},
	"header-8bit":                       {model.ClassRisk, "inbound, the IMS returns an NDR; outbound, a remote server may refuse it"},
	"subject-over-20k":                  {model.ClassRisk, "the 20 KB Subject buffer is in the inbound conversion"},
	"recipients-over-32766":             {model.ClassRisk, "the recipient table limit was seen inbound; outbound a remote host refuses the message first"},
	"recipients-over-limit":             {model.ClassNone, "Max Recipients on Submit is an inbound limit; recipients-over-100 covers OUT"},
	"missing-boundary-prolog":           {model.ClassRisk, whyInbound},
	"mime-nesting-over-30":              {model.ClassRisk, "LimitNestingLevels is the store's inbound limit; outbound the nesting is still a parser risk"},
	"dsn-report":                        {model.ClassNone, whyFeature},
	"embedded-message-with-attachments": {model.ClassNone, whyFeature},
	"uuencode-no-end":                   {model.ClassRisk, whyInbound},
	"uuencode-junk-after-end":           {model.ClassInfo, "the inbound conversion delivers it as Message.txt; outbound it is passed on as text"},
	// OUT rules, in an IN queue.
	"address-mixed-separators": {model.ClassRisk, "the access violation is in the outbound queue; inbound the list is still ambiguous to parsers"},
	"x400-address-over-1024":   {model.ClassRisk, "the stack corruption is in the outbound X.400 conversion; inbound the address is still oversized"},
	"recipients-over-100":      {model.ClassNone, "a remote host refusing 100+ recipients is an outbound matter"},
	"no-final-crlf":            {model.ClassRisk, "documented as stuck in OUT; in IN the IMS wrote the file from SMTP, so a missing end is a sign of truncation"},
}

// queueDir returns "IN" or "OUT" for a message's queue, "" when unknown.
// Pickup files are submitted inbound.
func queueDir(queue string) string {
	switch queue {
	case model.QueueIN, model.QueueINArchive, model.QueuePickup:
		return "IN"
	case model.QueueOUT, model.QueueOUTArchive:
		return "OUT"
	}
	return ""
}

// directed returns the class r applies at on a message of queue
// direction d (queueDir), and the reason when that is not its own class;
// off is r's offDirection entry (registryOff), nil when it has none. ok
// is false when r does not fire there at all.
//
// The note is "in " + dir + ": " + why; it is returned in pieces and
// joined only when the rule emits a finding (most messages give none).
func directed(r *Rule, off *offDir, d string, class model.Class) (_ model.Class, dir, why string, ok bool) {
	if r.Dir != "IN" && r.Dir != "OUT" {
		return class, "", "", true
	}
	if d == "" || d == r.Dir || off == nil {
		return class, "", "", true
	}
	if off.class == model.ClassNone {
		return 0, "", "", false
	}
	return min(class, off.class), d, off.why, true
}

// registryOff holds each registry rule's offDirection entry, by index:
// Check looked the map up by rule ID for every rule of every message.
var registryOff = func() []*offDir {
	out := make([]*offDir, len(registry))
	for i := range registry {
		if o, ok := offDirection[registry[i].ID]; ok {
			out[i] = &o
		}
	}
	return out
}()

// offDirDoc is the README's note on what a one-direction rule does in the
// other direction.
func offDirDoc(r *Rule) string {
	o, ok := offDirection[r.ID]
	if !ok || (r.Dir != "IN" && r.Dir != "OUT") {
		return ""
	}
	other := "OUT"
	if r.Dir == "OUT" {
		other = "IN"
	}
	sep := " "
	if !strings.HasSuffix(r.Doc, ".") {
		sep = ". "
	}
	if o.class == model.ClassNone {
		return sep + "In " + other + ": does not fire (" + o.why + ")."
	}
	return sep + "In " + other + ": " + o.class.String() + " (" + o.why + ")."
}
